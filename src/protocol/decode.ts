/*
 * protocol/decode: the control message decoder (protocol.md §Control messages).
 *
 * Theory of operation: decodeControl reads one CBOR map into ONE preallocated, mutable
 * ControlMessage: numbers go into numeric fields, byte and text fields into (offset, length)
 * pairs into the input buffer (valid until that buffer is reused), the channel list of
 * hello and the counters of status into preallocated typed arrays. Nothing is allocated.
 * Steps: the map head; key "t" must come first (MSG_MISSING_FIELD otherwise) and be a known
 * type (MSG_UNKNOWN_TYPE: the caller counts and skips it); then each pair: keys the type
 * carries (wire.ts MSG_FIELDS) are checked and stored, any other key is skipped whatever
 * its value (forward compatibility); a repeated known key is MSG_BAD_FIELD; finally the
 * required fields are checked (MSG_MISSING_FIELD; for `registered` without a data topic,
 * REG_MISSING_ENDPOINT) and trailing bytes refused (CBOR_TRAILING).
 * A field of the wrong CBOR type or out of range is MSG_BAD_FIELD; CBOR errors other than
 * CBOR_TYPE (truncation, unsupported items) are returned as they are.
 * The heartbeat-ack shortcut: the one control message of the steady state (one a second)
 * comes from our encoders as the same 15..27 bytes but for its three numbers. Before the
 * reader runs, decodeControl checks for exactly that form ({t: 7, s, ta, tb} in this order,
 * shortest-form u32s, nothing after) with a few DataView reads and fills the message from
 * it: the same result the full read gives for those bytes, at a tenth of the cost on XS.
 * Anything else (other key order, longer forms, more keys) is read in full.
 */
import { Err } from "../errors";
import { CborReader } from "../codec/cbor/reader";
import { elementBytes, MAX_CHANNEL_ELEMENTS, MAX_CHANNEL_ID } from "../codec/frames/channels";
import { isChannelNameBytes } from "./channel-labels";
import { AGENT_ID_MAX_CHARS, isAgentIdChar } from "./topics";
import {
  CHANNEL_DESCRIPTOR_ITEMS,
  CHANNEL_LABEL_ITEMS,
  MAX_CHANNEL_UNIT_BYTES,
  DEFAULT_MAX_CHANNELS,
  DEFAULT_MAX_COUNTERS,
  Field,
  Key,
  MAX_FW_BYTES,
  MAX_TEXT_BYTES,
  MAX_TOPIC_BYTES,
  MSG_FIELDS,
  MSG_REQUIRED,
  MSG_TYPE_MAX,
  MsgType,
  NONCE_BYTES,
  PROOF_BYTES,
} from "./wire";

/** A heartbeat-ack's bytes: A4, 61 74 07, 61 73 s, 62 74 61 ta, 62 74 62 tb, each number 1 to 5 bytes. */
const ACK_MIN_BYTES = 15;
const ACK_MAX_BYTES = 27;
/** 0xA4 (map of 4), 0x61 0x74 ("t"), 0x07 (heartbeat-ack): the first four bytes, as a big-endian u32. */
const ACK_HEAD = 0xa4617407;

/** Where the last shortestU32 item ended (a module variable: one call returns two numbers). */
let itemEnd = 0;

/**
 * The shortest-form CBOR uint (RFC 8949 §4.2.1: major type 0, argument in the fewest bytes,
 * at most four) at buf[p], ending by end: its value (itemEnd set past it), or -1 for anything
 * else (another type, a longer form than needed, 8 bytes, past end).
 */
function shortestU32(buf: Uint8Array, dv: DataView, p: number, end: number): number {
  if (p >= end) return -1;
  const h = buf[p];
  let v: number;
  if (h < 24) {
    itemEnd = p + 1;
    return h;
  }
  if (h === 0x18) {
    if (p + 2 > end || (v = buf[p + 1]) < 24) return -1;
    itemEnd = p + 2;
  } else if (h === 0x19) {
    if (p + 3 > end || (v = dv.getUint16(p + 1)) < 0x100) return -1;
    itemEnd = p + 3;
  } else if (h === 0x1a) {
    if (p + 5 > end || (v = dv.getUint32(p + 1)) < 0x10000) return -1;
    itemEnd = p + 5;
  } else return -1;
  return v;
}

/**
 * The heartbeat-ack shortcut (header comment) for buf[off..end) (a range inside buf): true,
 * with out filled as decodeControlInFull fills it, when the bytes are {t: 7, s, ta, tb} in
 * that order, shortest-form u32s, nothing after; false (out untouched) otherwise.
 */
function decodeHeartbeatAck(buf: Uint8Array, off: number, end: number, out: ControlMessage): boolean {
  let dv = out.view;
  if (out.viewOf !== buf || dv === null) {
    dv = out.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    out.viewOf = buf;
  }
  if (dv.getUint32(off) !== ACK_HEAD || dv.getUint16(off + 4) !== 0x6173) return false; // "s"
  const seq = shortestU32(buf, dv, off + 6, end);
  let p = itemEnd;
  if (seq < 0 || p + 3 > end || dv.getUint16(p) !== 0x6274 || buf[p + 2] !== 0x61) return false; // "ta"
  const agentTime = shortestU32(buf, dv, p + 3, end);
  p = itemEnd;
  if (agentTime < 0 || p + 3 > end || dv.getUint16(p) !== 0x6274 || buf[p + 2] !== 0x62) return false; // "tb"
  const brainTime = shortestU32(buf, dv, p + 3, end);
  if (brainTime < 0 || itemEnd !== end) return false;
  out.buf = buf;
  out.type = MsgType.HeartbeatAck;
  out.present = Field.T | Field.S | Field.Ta | Field.Tb;
  out.seq = seq;
  out.agentTime = agentTime;
  out.brainTime = brainTime;
  if (out.offsetsSet) {
    clearOffsets(out);
    out.offsetsSet = false;
  }
  return true;
}

/** Byte and text fields start empty, so no stale offset points into another buffer; lists too. */
function clearOffsets(out: ControlMessage): void {
  out.fwOff = out.fwLen = out.idOff = out.idLen = out.textOff = out.textLen = 0;
  out.nonceOff = out.agentNonceOff = out.proofOff = 0;
  out.sensorTopicOff = out.sensorTopicLen = out.motorTopicOff = out.motorTopicLen = 0;
  out.channelCount = 0;
  out.labelCount = 0;
  out.counterCount = 0;
}

/** Nesting allowed when skipping unknown values. */
const SKIP_MAX_DEPTH = 8;

/**
 * The one preallocated result of decodeControl. Byte/text offsets and list counts are reset by
 * every decode; numeric fields not carried by the type keep stale values (check `present`).
 */
export class ControlMessage {
  /** Message type (MsgType), set as soon as "t" is read, even if decoding fails later. */
  type = 0;
  /** Field bits (wire.ts Field) of the fields present. */
  present = 0;
  /** The decoded buffer: every *Off below indexes it. */
  buf: Uint8Array;
  // the heartbeat-ack shortcut's fields first (XS finds an own property by walking the object's list)
  /** The shortcut's DataView over viewOf (made again only for another buffer). */
  view: DataView | null = null;
  viewOf: Uint8Array | null = null;
  /** False while the offsets and list counts below are all 0 (the shortcut then leaves them). */
  offsetsSet = true;
  // ---- numbers ----
  /** hello v */
  version = 0;
  /** g (hello, registered, status, death) */
  generation = 0;
  /** mfb (hello: requested; registered: granted) */
  maxFrameBytes = 0;
  /** registered s */
  sessionId = 0;
  /** heartbeat / heartbeat-ack s */
  seq = 0;
  /** registered mhz */
  maxSensorHz = 0;
  /** registered hb */
  heartbeatMs = 0;
  /** registered md */
  motorDeadlineMs = 0;
  /** tb (registered, heartbeat-ack): brain time, ms */
  brainTime = 0;
  /** r (rejected, drain, deregister, deregistered) */
  reason = 0;
  /** ra (rejected: optional; drain) */
  retryAfterMs = 0;
  /** drain dl */
  drainDeadlineMs = 0;
  /** ta (heartbeat, heartbeat-ack): agent time, ms */
  agentTime = 0;
  /** rtt (heartbeat, status) */
  rttMs = 0;
  /** status ph */
  phase = 0;
  /** status off (signed) */
  clockOffsetMs = 0;
  /** status lr (signed) */
  lastReason = 0;
  // ---- byte and text fields: offsets into buf ----
  fwOff = 0;
  fwLen = 0;
  idOff = 0;
  idLen = 0;
  /** n: 16 bytes (hello: agent nonce; challenge: brain nonce) */
  nonceOff = 0;
  /** challenge an: 16 bytes */
  agentNonceOff = 0;
  /** p: 32 bytes */
  proofOff = 0;
  sensorTopicOff = 0;
  sensorTopicLen = 0;
  motorTopicOff = 0;
  motorTopicLen = 0;
  /** rejected m (optional) */
  textOff = 0;
  textLen = 0;
  // ---- arrays ----
  /** hello ch: channelCount descriptors in the chId..chHz arrays */
  channelCount = 0;
  readonly chId: Uint32Array;
  readonly chKind: Uint32Array;
  readonly chType: Uint32Array;
  readonly chCount: Uint32Array;
  readonly chHz: Uint32Array;
  /** hello cn (optional): labelCount [name, unit] pairs as offsets into buf; 0 without cn */
  labelCount = 0;
  readonly chNameOff: Uint32Array;
  readonly chNameLen: Uint32Array;
  readonly chUnitOff: Uint32Array;
  readonly chUnitLen: Uint32Array;
  /** status c: counterCount counters */
  counterCount = 0;
  readonly counters: Uint32Array;
  /** The reader decodeControl uses (owned here so decoding allocates nothing). */
  readonly reader: CborReader;

  /** maxChannels / maxCounters bound `ch` and `c`; longer lists are MSG_BAD_FIELD. */
  constructor(maxChannels = DEFAULT_MAX_CHANNELS, maxCounters = DEFAULT_MAX_COUNTERS) {
    this.chId = new Uint32Array(maxChannels);
    this.chKind = new Uint32Array(maxChannels);
    this.chType = new Uint32Array(maxChannels);
    this.chCount = new Uint32Array(maxChannels);
    this.chHz = new Uint32Array(maxChannels);
    this.chNameOff = new Uint32Array(maxChannels);
    this.chNameLen = new Uint32Array(maxChannels);
    this.chUnitOff = new Uint32Array(maxChannels);
    this.chUnitLen = new Uint32Array(maxChannels);
    this.counters = new Uint32Array(maxCounters);
    this.reader = new CborReader(SKIP_MAX_DEPTH);
    this.buf = new Uint8Array(0); // replaced by every decode
  }
}

/** Maps a reader error to a message error: a wrong item type is a bad field. */
function fieldError(r: number): number {
  return r === Err.CborType ? Err.MsgBadField : r;
}

/** Reads a uint of at most max into r.value. Returns 0 or an Err code. */
function readUintMax(r: CborReader, max: number): number {
  const e = r.readUint();
  if (e < 0) return fieldError(e);
  return r.value > max ? Err.MsgBadField : 0;
}

/** Reads an i32 into r.value. Returns 0 or an Err code. */
function readI32(r: CborReader): number {
  const e = r.readInt();
  if (e < 0) return fieldError(e);
  return r.value < -0x80000000 || r.value > 0x7fffffff ? Err.MsgBadField : 0;
}

/** Reads a byte string of exactly len bytes (payload at r.off). Returns 0 or an Err code. */
function readFixedBytes(r: CborReader, len: number): number {
  const e = r.readBytes();
  if (e < 0) return fieldError(e);
  return r.len === len ? 0 : Err.MsgBadField;
}

/** Reads a text string of minLen..maxLen bytes (payload at r.off/r.len). Returns 0 or an Err code. */
function readTextIn(r: CborReader, minLen: number, maxLen: number): number {
  const e = r.readText();
  if (e < 0) return fieldError(e);
  return r.len < minLen || r.len > maxLen ? Err.MsgBadField : 0;
}

/** A data topic: 1..128 bytes, no NUL and no MQTT wildcards (MQTT 3.1.1 §4.7.1, §4.7.3). */
function readTopic(r: CborReader): number {
  const e = readTextIn(r, 1, MAX_TOPIC_BYTES);
  if (e < 0) return e;
  const buf = r.buf;
  for (let i = r.off; i < r.off + r.len; i++) {
    const c = buf[i];
    if (c === 0 || c === 0x2b || c === 0x23) return Err.MsgBadField;
  }
  return 0;
}

/** hello ch: an array of [id, kind, et, count, hz] descriptors. */
function readChannels(r: CborReader, out: ControlMessage): number {
  let e = r.readArray();
  if (e < 0) return fieldError(e);
  const n = r.len;
  if (n > out.chId.length) return Err.MsgBadField;
  for (let i = 0; i < n; i++) {
    e = r.readArray();
    if (e < 0) return fieldError(e);
    if (r.len !== CHANNEL_DESCRIPTOR_ITEMS) return Err.MsgBadField;
    if ((e = readUintMax(r, MAX_CHANNEL_ID)) < 0) return e;
    out.chId[i] = r.value;
    if ((e = readUintMax(r, 1)) < 0) return e;
    out.chKind[i] = r.value;
    if ((e = readUintMax(r, 0xff)) < 0) return e;
    if (elementBytes(r.value) === 0) return Err.MsgBadField;
    out.chType[i] = r.value;
    if ((e = readUintMax(r, MAX_CHANNEL_ELEMENTS)) < 0) return e;
    if (r.value === 0) return Err.MsgBadField;
    out.chCount[i] = r.value;
    if ((e = readUintMax(r, 0xffffffff)) < 0) return e;
    out.chHz[i] = r.value;
  }
  out.channelCount = n;
  return 0;
}

/** hello cn: an array of [name, unit] labels, one per channel of ch (checked after the map). */
function readLabels(r: CborReader, out: ControlMessage): number {
  let e = r.readArray();
  if (e < 0) return fieldError(e);
  const n = r.len;
  if (n > out.chNameOff.length) return Err.MsgBadField;
  for (let i = 0; i < n; i++) {
    e = r.readArray();
    if (e < 0) return fieldError(e);
    if (r.len !== CHANNEL_LABEL_ITEMS) return Err.MsgBadField;
    if ((e = readTextIn(r, 1, 0xff)) < 0) return e;
    if (!isChannelNameBytes(r.buf, r.off, r.len)) return Err.MsgBadField;
    out.chNameOff[i] = r.off;
    out.chNameLen[i] = r.len;
    if ((e = readTextIn(r, 0, MAX_CHANNEL_UNIT_BYTES)) < 0) return e;
    out.chUnitOff[i] = r.off;
    out.chUnitLen[i] = r.len;
  }
  out.labelCount = n;
  return 0;
}

/** status c: an array of u32 counters. */
function readCounters(r: CborReader, out: ControlMessage): number {
  let e = r.readArray();
  if (e < 0) return fieldError(e);
  const n = r.len;
  if (n > out.counters.length) return Err.MsgBadField;
  for (let i = 0; i < n; i++) {
    if ((e = readUintMax(r, 0xffffffff)) < 0) return e;
    out.counters[i] = r.value;
  }
  out.counterCount = n;
  return 0;
}

/** Agent id: 1..20 bytes of [A-Za-z0-9_-]. */
function readAgentId(r: CborReader): number {
  const e = readTextIn(r, 1, AGENT_ID_MAX_CHARS);
  if (e < 0) return e;
  for (let i = r.off; i < r.off + r.len; i++) if (!isAgentIdChar(r.buf[i])) return Err.MsgBadField;
  return 0;
}

/** The Field bit for a key code, or 0 for keys this version does not know. */
function fieldOf(key: number): number {
  switch (key) {
    case Key.v: return Field.V;
    case Key.fw: return Field.Fw;
    case Key.id: return Field.Id;
    case Key.g: return Field.G;
    case Key.n: return Field.N;
    case Key.mfb: return Field.Mfb;
    case Key.ch: return Field.Ch;
    case Key.an: return Field.An;
    case Key.p: return Field.P;
    case Key.s: return Field.S;
    case Key.st: return Field.St;
    case Key.mt: return Field.Mt;
    case Key.mhz: return Field.Mhz;
    case Key.hb: return Field.Hb;
    case Key.md: return Field.Md;
    case Key.tb: return Field.Tb;
    case Key.r: return Field.R;
    case Key.m: return Field.M;
    case Key.ra: return Field.Ra;
    case Key.ta: return Field.Ta;
    case Key.rtt: return Field.Rtt;
    case Key.dl: return Field.Dl;
    case Key.ph: return Field.Ph;
    case Key.off: return Field.Off;
    case Key.c: return Field.C;
    case Key.lr: return Field.Lr;
    case Key.cn: return Field.Cn;
    default: return 0;
  }
}

/** Reads the value of field f into out. Returns 0 or an Err code. */
function readField(r: CborReader, f: number, out: ControlMessage): number {
  let e: number;
  switch (f) {
    case Field.Fw:
      if ((e = readTextIn(r, 0, MAX_FW_BYTES)) < 0) return e;
      out.fwOff = r.off;
      out.fwLen = r.len;
      return 0;
    case Field.Id:
      if ((e = readAgentId(r)) < 0) return e;
      out.idOff = r.off;
      out.idLen = r.len;
      return 0;
    case Field.N:
      if ((e = readFixedBytes(r, NONCE_BYTES)) < 0) return e;
      out.nonceOff = r.off;
      return 0;
    case Field.An:
      if ((e = readFixedBytes(r, NONCE_BYTES)) < 0) return e;
      out.agentNonceOff = r.off;
      return 0;
    case Field.P:
      if ((e = readFixedBytes(r, PROOF_BYTES)) < 0) return e;
      out.proofOff = r.off;
      return 0;
    case Field.St:
      if ((e = readTopic(r)) < 0) return e;
      out.sensorTopicOff = r.off;
      out.sensorTopicLen = r.len;
      return 0;
    case Field.Mt:
      if ((e = readTopic(r)) < 0) return e;
      out.motorTopicOff = r.off;
      out.motorTopicLen = r.len;
      return 0;
    case Field.M:
      if ((e = readTextIn(r, 0, MAX_TEXT_BYTES)) < 0) return e;
      out.textOff = r.off;
      out.textLen = r.len;
      return 0;
    case Field.Ch:
      return readChannels(r, out);
    case Field.C:
      return readCounters(r, out);
    case Field.Cn:
      return readLabels(r, out);
    case Field.Off:
      if ((e = readI32(r)) < 0) return e;
      out.clockOffsetMs = r.value;
      return 0;
    case Field.Lr:
      if ((e = readI32(r)) < 0) return e;
      out.lastReason = r.value;
      return 0;
  }
  // Every other field is a u32.
  if ((e = readUintMax(r, 0xffffffff)) < 0) return e;
  const v = r.value;
  switch (f) {
    case Field.V: out.version = v; break;
    case Field.G: out.generation = v; break;
    case Field.Mfb: out.maxFrameBytes = v; break;
    case Field.S:
      if (out.type === MsgType.Registered) out.sessionId = v;
      else out.seq = v;
      break;
    case Field.Mhz: out.maxSensorHz = v; break;
    case Field.Hb: out.heartbeatMs = v; break;
    case Field.Md: out.motorDeadlineMs = v; break;
    case Field.Tb: out.brainTime = v; break;
    case Field.R: out.reason = v; break;
    case Field.Ra: out.retryAfterMs = v; break;
    case Field.Ta: out.agentTime = v; break;
    case Field.Rtt: out.rttMs = v; break;
    case Field.Dl: out.drainDeadlineMs = v; break;
    case Field.Ph: out.phase = v; break;
  }
  return 0;
}

/**
 * Decodes the control message in buf[off..off+len) into out. Returns the message type
 * (MsgType, >= 1) or: VALUE_RANGE (range outside buf), MSG_UNKNOWN_TYPE, MSG_BAD_FIELD,
 * MSG_MISSING_FIELD, REG_MISSING_ENDPOINT (registered without st or mt), CBOR_TRUNCATED,
 * CBOR_TRAILING, CBOR_TYPE (not a map), CBOR_UNSUPPORTED, CBOR_TOO_DEEP (an unknown key's
 * value nests too deep), CBOR_BAD_TYPED_ARRAY. After an error out.type may hold the type
 * that was read; other fields are unspecified. out stays usable for the next message.
 */
export function decodeControl(buf: Uint8Array, off: number, len: number, out: ControlMessage): number {
  if (!(off >= 0 && len >= 0 && off + len <= buf.length)) return Err.ValueRange;
  if (len >= ACK_MIN_BYTES && len <= ACK_MAX_BYTES && decodeHeartbeatAck(buf, off, off + len, out)) return MsgType.HeartbeatAck;
  return decodeControlInFull(buf, off, len, out);
}

/** decodeControl without the heartbeat-ack shortcut (the range is checked): the reference the shortcut is tested against. */
export function decodeControlInFull(buf: Uint8Array, off: number, len: number, out: ControlMessage): number {
  const r = out.reader;
  r.reset(buf, off, off + len);
  out.buf = buf;
  out.type = 0;
  out.present = 0;
  clearOffsets(out);
  out.offsetsSet = true; // the fields below may set some
  let e = r.readMap();
  if (e < 0) return e;
  const pairs = r.len;
  if (pairs === 0) return Err.MsgMissingField;
  e = r.readKey();
  if (e < 0) return fieldError(e);
  if (e !== Key.t) return Err.MsgMissingField; // protocol.md: "t" is the first key
  if ((e = readUintMax(r, 0xffffffff)) < 0) return e;
  const type = r.value;
  if (type < 1 || type > MSG_TYPE_MAX) return Err.MsgUnknownType;
  out.type = type;
  const allowed = MSG_FIELDS[type];
  let present = Field.T;
  for (let i = 1; i < pairs; i++) {
    const key = r.readKey();
    if (key < 0) return fieldError(key);
    const f = key === Key.t ? Field.T : fieldOf(key);
    if ((f & present) !== 0) return Err.MsgBadField; // RFC 8949 §5.6: no duplicate keys
    if ((f & allowed) === 0) {
      e = r.skip(); // unknown key: ignore its value, whatever it is
      if (e < 0) return e;
      continue;
    }
    e = readField(r, f, out);
    if (e < 0) return e;
    present |= f;
  }
  out.present = present;
  if ((e = r.finish()) < 0) return e;
  if ((present & Field.Cn) !== 0 && out.labelCount !== out.channelCount) return Err.MsgBadField; // one label per channel
  const missing = MSG_REQUIRED[type] & ~present;
  if (missing !== 0) {
    if (type === MsgType.Registered && (missing & (Field.St | Field.Mt)) !== 0) return Err.RegMissingEndpoint;
    return Err.MsgMissingField;
  }
  return type;
}
