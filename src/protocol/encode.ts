/*
 * protocol/encode: control message encoders, both directions (protocol.md §Control messages).
 *
 * Theory of operation: each encoder writes one CBOR map {t, fields...} at dst[off], keys in
 * the order of the spec table, and returns the end offset or a negative Err code:
 * BUFFER_TOO_SMALL, or VALUE_RANGE when a field is out of its range (u32 fields, fixed-size
 * byte fields, text limits). The output is byte-for-byte what cbor-x writes for the same
 * object with the options in protocol.md §Encoding. Byte fields (nonces, proofs) are passed
 * as (array, offset) and must have their fixed size available there. Keys are written from
 * numeric key codes (no strings). Text fields (fw, id, topics, m) are JS strings: only hello,
 * registered and rejected carry them, once per connection; on XS touching a string boxes it,
 * so the messages sent while Active (heartbeat, status, deregister, death) use numbers only
 * and allocate nothing. Agent-side encoders run once per event, not
 * per frame; brain-side encoders exist for the reference brain, scripted fake brains and tests.
 */
import { Err } from "../errors";
import { utf8Length } from "../codec/bytes";
import { writeArrayHeader, writeBytes, writeInt, writeKey, writeMapHeader, writeText, writeUint } from "../codec/cbor/writer";
import type { ChannelTable } from "../codec/frames/channels";
import { validateChannelName, validateChannelUnit, type ChannelLabel } from "./channel-labels";
import { PROTOCOL_VERSION, validateAgentId } from "./topics";
import { CHANNEL_LABEL_ITEMS, Key, MAX_FW_BYTES, MAX_TEXT_BYTES, MAX_TOPIC_BYTES, MsgType, NONCE_BYTES, PROOF_BYTES } from "./wire";

function isU32(v: number): boolean {
  return (v >>> 0) === v;
}

function isI32(v: number): boolean {
  return (v | 0) === v;
}

function hasBytes(src: Uint8Array, off: number, len: number): boolean {
  return off >= 0 && (off | 0) === off && off + len <= src.length;
}

/** Writes the u32 v as a CBOR uint in the shortest form (RFC 8949 §4.2.1) at dst[off]; the caller checked the room. */
function putUint(dst: Uint8Array, off: number, v: number): number {
  if (v < 24) {
    dst[off] = v;
    return off + 1;
  }
  if (v < 0x100) {
    dst[off] = 0x18;
    dst[off + 1] = v;
    return off + 2;
  }
  if (v < 0x10000) {
    dst[off] = 0x19;
    dst[off + 1] = v >>> 8;
    dst[off + 2] = v & 0xff;
    return off + 3;
  }
  dst[off] = 0x1a;
  dst[off + 1] = v >>> 24;
  dst[off + 2] = (v >>> 16) & 0xff;
  dst[off + 3] = (v >>> 8) & 0xff;
  dst[off + 4] = v & 0xff;
  return off + 5;
}

/** Writes the map head and the type entry "t": type. */
function begin(dst: Uint8Array, off: number, pairs: number, type: number): number {
  off = writeMapHeader(dst, off, pairs);
  off = writeKey(dst, off, Key.t);
  return writeUint(dst, off, type);
}

/** Writes key: uint. */
function kvUint(dst: Uint8Array, off: number, key: number, v: number): number {
  return writeUint(dst, writeKey(dst, off, key), v);
}

/**
 * hello (t 1, A -> B): protocol version, firmware version, agent id, generation, agent nonce
 * nonce[nonceOff..+16), requested max frame bytes and every channel of the table; with
 * `labels` (one per table entry, same order) also `cn`, each channel's [name, unit].
 * VALUE_RANGE also for labels of the wrong length, a bad name or a unit over 16 bytes.
 */
export function encodeHello(
  dst: Uint8Array,
  off: number,
  fw: string,
  agentId: string,
  generation: number,
  nonce: Uint8Array,
  nonceOff: number,
  maxFrameBytes: number,
  table: ChannelTable,
  labels: readonly ChannelLabel[] | null = null,
): number {
  if (utf8Length(fw) > MAX_FW_BYTES || validateAgentId(agentId) !== 0) return Err.ValueRange;
  if (!isU32(generation) || !isU32(maxFrameBytes) || !hasBytes(nonce, nonceOff, NONCE_BYTES)) return Err.ValueRange;
  if (labels !== null) {
    if (labels.length !== table.size) return Err.ValueRange;
    for (let i = 0; i < labels.length; i++) if (validateChannelName(labels[i].name) !== 0 || validateChannelUnit(labels[i].unit) !== 0) return Err.ValueRange;
  }
  off = begin(dst, off, labels === null ? 8 : 9, MsgType.Hello);
  off = kvUint(dst, off, Key.v, PROTOCOL_VERSION);
  off = writeText(dst, writeKey(dst, off, Key.fw), fw);
  off = writeText(dst, writeKey(dst, off, Key.id), agentId);
  off = kvUint(dst, off, Key.g, generation);
  off = writeBytes(dst, writeKey(dst, off, Key.n), nonce, nonceOff, NONCE_BYTES);
  off = kvUint(dst, off, Key.mfb, maxFrameBytes);
  off = writeArrayHeader(dst, writeKey(dst, off, Key.ch), table.size);
  for (let i = 0; i < table.size; i++) {
    const s = table.specs[i];
    off = writeArrayHeader(dst, off, 5);
    off = writeUint(dst, off, s.id);
    off = writeUint(dst, off, s.kind);
    off = writeUint(dst, off, s.elementType);
    off = writeUint(dst, off, s.count);
    off = writeUint(dst, off, s.rateHz);
  }
  if (labels === null) return off;
  off = writeArrayHeader(dst, writeKey(dst, off, Key.cn), labels.length);
  for (let i = 0; i < labels.length; i++) {
    off = writeArrayHeader(dst, off, CHANNEL_LABEL_ITEMS);
    off = writeText(dst, off, labels[i].name);
    off = writeText(dst, off, labels[i].unit ?? "");
  }
  return off;
}

/** challenge (t 2, B -> A): brain nonce, echo of the agent nonce, brain proof. */
export function encodeChallenge(
  dst: Uint8Array,
  off: number,
  brainNonce: Uint8Array,
  brainNonceOff: number,
  agentNonce: Uint8Array,
  agentNonceOff: number,
  proof: Uint8Array,
  proofOff: number,
): number {
  if (!hasBytes(brainNonce, brainNonceOff, NONCE_BYTES) || !hasBytes(agentNonce, agentNonceOff, NONCE_BYTES) || !hasBytes(proof, proofOff, PROOF_BYTES)) {
    return Err.ValueRange;
  }
  off = begin(dst, off, 4, MsgType.Challenge);
  off = writeBytes(dst, writeKey(dst, off, Key.n), brainNonce, brainNonceOff, NONCE_BYTES);
  off = writeBytes(dst, writeKey(dst, off, Key.an), agentNonce, agentNonceOff, NONCE_BYTES);
  return writeBytes(dst, writeKey(dst, off, Key.p), proof, proofOff, PROOF_BYTES);
}

/** proof (t 3, A -> B): the agent proof proof[proofOff..+32). */
export function encodeProof(dst: Uint8Array, off: number, proof: Uint8Array, proofOff: number): number {
  if (!hasBytes(proof, proofOff, PROOF_BYTES)) return Err.ValueRange;
  off = begin(dst, off, 2, MsgType.Proof);
  return writeBytes(dst, writeKey(dst, off, Key.p), proof, proofOff, PROOF_BYTES);
}

/** Checks a data topic for `registered`: 1..128 UTF-8 bytes, no NUL and no wildcards (MQTT 3.1.1 §4.7.1). */
function topicOk(topic: string): boolean {
  const n = utf8Length(topic);
  if (n < 1 || n > MAX_TOPIC_BYTES) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0 || c === 0x2b || c === 0x23) return false;
  }
  return true;
}

/**
 * registered (t 4, B -> A): session id, generation echo, sensor and motor topics, max frame
 * bytes, max sensor rate (Hz), heartbeat interval (ms), motor deadline (ms), brain time (ms).
 */
export function encodeRegistered(
  dst: Uint8Array,
  off: number,
  sessionId: number,
  generation: number,
  sensorTopic: string,
  motorTopic: string,
  maxFrameBytes: number,
  maxSensorHz: number,
  heartbeatMs: number,
  motorDeadlineMs: number,
  brainTimeMs: number,
): number {
  if (!isU32(sessionId) || !isU32(generation) || !isU32(maxFrameBytes) || !isU32(maxSensorHz)) return Err.ValueRange;
  if (!isU32(heartbeatMs) || !isU32(motorDeadlineMs) || !isU32(brainTimeMs)) return Err.ValueRange;
  if (!topicOk(sensorTopic) || !topicOk(motorTopic)) return Err.ValueRange;
  off = begin(dst, off, 10, MsgType.Registered);
  off = kvUint(dst, off, Key.s, sessionId);
  off = kvUint(dst, off, Key.g, generation);
  off = writeText(dst, writeKey(dst, off, Key.st), sensorTopic);
  off = writeText(dst, writeKey(dst, off, Key.mt), motorTopic);
  off = kvUint(dst, off, Key.mfb, maxFrameBytes);
  off = kvUint(dst, off, Key.mhz, maxSensorHz);
  off = kvUint(dst, off, Key.hb, heartbeatMs);
  off = kvUint(dst, off, Key.md, motorDeadlineMs);
  return kvUint(dst, off, Key.tb, brainTimeMs);
}

/**
 * rejected (t 5, B -> A): reason (RejectReason), optional message text (null: absent) and
 * optional retry-after in ms (negative: absent).
 */
export function encodeRejected(dst: Uint8Array, off: number, reason: number, message: string | null, retryAfterMs: number): number {
  if (!isU32(reason) || (retryAfterMs >= 0 && !isU32(retryAfterMs))) return Err.ValueRange;
  if (message !== null && utf8Length(message) > MAX_TEXT_BYTES) return Err.ValueRange;
  off = begin(dst, off, 2 + (message !== null ? 1 : 0) + (retryAfterMs >= 0 ? 1 : 0), MsgType.Rejected);
  off = kvUint(dst, off, Key.r, reason);
  if (message !== null) off = writeText(dst, writeKey(dst, off, Key.m), message);
  if (retryAfterMs >= 0) off = kvUint(dst, off, Key.ra, retryAfterMs);
  return off;
}

/** The constant bytes of a heartbeat: map of 4, "t": 6, "s"; then "ta"; then "rtt" (RFC 8949 §3.1). */
const HEARTBEAT_HEAD = new Uint8Array([0xa4, 0x61, 0x74, MsgType.Heartbeat, 0x61, 0x73]);
const KEY_TA = new Uint8Array([0x62, 0x74, 0x61]);
const KEY_RTT = new Uint8Array([0x63, 0x72, 0x74, 0x74]);
/** The longest heartbeat: the constant bytes plus three 5-byte u32s. */
const HEARTBEAT_MAX_BYTES = 6 + 3 + 4 + 3 * 5;

/**
 * heartbeat (t 6, A -> B): heartbeat seq, agent time (ms), last RTT (ms, 0 if none).
 * Sent every heartbeat interval, so written straight: when the longest heartbeat fits, the
 * constant bytes are three native copies and the numbers go in unchecked (putUint); the
 * bytes are those of the general writer (kvUint), which handles a buffer near its end.
 */
export function encodeHeartbeat(dst: Uint8Array, off: number, seq: number, agentTimeMs: number, rttMs: number): number {
  if ((seq >>> 0) !== seq || (agentTimeMs >>> 0) !== agentTimeMs || (rttMs >>> 0) !== rttMs) return Err.ValueRange;
  if (off >= 0 && off + HEARTBEAT_MAX_BYTES <= dst.length) {
    dst.set(HEARTBEAT_HEAD, off);
    off = putUint(dst, off + 6, seq);
    dst.set(KEY_TA, off);
    off = putUint(dst, off + 3, agentTimeMs);
    dst.set(KEY_RTT, off);
    return putUint(dst, off + 4, rttMs);
  }
  off = begin(dst, off, 4, MsgType.Heartbeat);
  off = kvUint(dst, off, Key.s, seq);
  off = kvUint(dst, off, Key.ta, agentTimeMs);
  return kvUint(dst, off, Key.rtt, rttMs);
}

/** heartbeat-ack (t 7, B -> A): echoes of seq and agent time, brain time when answered (ms). */
export function encodeHeartbeatAck(dst: Uint8Array, off: number, seq: number, agentTimeMs: number, brainTimeMs: number): number {
  if (!isU32(seq) || !isU32(agentTimeMs) || !isU32(brainTimeMs)) return Err.ValueRange;
  off = begin(dst, off, 4, MsgType.HeartbeatAck);
  off = kvUint(dst, off, Key.s, seq);
  off = kvUint(dst, off, Key.ta, agentTimeMs);
  return kvUint(dst, off, Key.tb, brainTimeMs);
}

/** drain (t 8, B -> A): reason (DrainReason), retry-after (ms), drain deadline (ms from now). */
export function encodeDrain(dst: Uint8Array, off: number, reason: number, retryAfterMs: number, drainDeadlineMs: number): number {
  if (!isU32(reason) || !isU32(retryAfterMs) || !isU32(drainDeadlineMs)) return Err.ValueRange;
  off = begin(dst, off, 4, MsgType.Drain);
  off = kvUint(dst, off, Key.r, reason);
  off = kvUint(dst, off, Key.ra, retryAfterMs);
  return kvUint(dst, off, Key.dl, drainDeadlineMs);
}

/** deregister (t 9, A -> B): reason (DeregisterReason). */
export function encodeDeregister(dst: Uint8Array, off: number, reason: number): number {
  if (!isU32(reason)) return Err.ValueRange;
  return kvUint(dst, begin(dst, off, 2, MsgType.Deregister), Key.r, reason);
}

/** deregistered (t 10, B -> A): reason (DeregisteredReason). */
export function encodeDeregistered(dst: Uint8Array, off: number, reason: number): number {
  if (!isU32(reason)) return Err.ValueRange;
  return kvUint(dst, begin(dst, off, 2, MsgType.Deregistered), Key.r, reason);
}

/**
 * status (t 11, A -> B): phase, generation, RTT (ms), clock offset (ms, signed i32), the first
 * counterCount counters (u32 each, order fixed by the session's counter table) and the last
 * reason code (an Err code or 0, i32).
 */
export function encodeStatus(
  dst: Uint8Array,
  off: number,
  phase: number,
  generation: number,
  rttMs: number,
  clockOffsetMs: number,
  counters: ArrayLike<number>,
  counterCount: number,
  lastReason: number,
): number {
  if (!isU32(phase) || !isU32(generation) || !isU32(rttMs) || !isI32(clockOffsetMs) || !isI32(lastReason)) return Err.ValueRange;
  if (!(counterCount >= 0 && counterCount <= counters.length)) return Err.ValueRange;
  for (let i = 0; i < counterCount; i++) if (!isU32(counters[i])) return Err.ValueRange;
  off = begin(dst, off, 7, MsgType.Status);
  off = kvUint(dst, off, Key.ph, phase);
  off = kvUint(dst, off, Key.g, generation);
  off = kvUint(dst, off, Key.rtt, rttMs);
  off = writeInt(dst, writeKey(dst, off, Key.off), clockOffsetMs);
  off = writeArrayHeader(dst, writeKey(dst, off, Key.c), counterCount);
  for (let i = 0; i < counterCount; i++) off = writeUint(dst, off, counters[i]);
  return writeInt(dst, writeKey(dst, off, Key.lr), lastReason);
}

/** status-request (t 12, B -> A): no fields. */
export function encodeStatusRequest(dst: Uint8Array, off: number): number {
  return begin(dst, off, 1, MsgType.StatusRequest);
}

/** death (t 13, A -> B, the MQTT Last Will payload): the session generation. */
export function encodeDeath(dst: Uint8Array, off: number, generation: number): number {
  if (!isU32(generation)) return Err.ValueRange;
  return kvUint(dst, begin(dst, off, 2, MsgType.Death), Key.g, generation);
}
