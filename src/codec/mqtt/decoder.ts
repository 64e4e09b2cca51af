/*
 * mqtt/decoder: a streaming, allocation-free decoder for every MQTT 3.1.1 control packet,
 * in both directions (server → client for the agent, client → server for test brokers).
 *
 * Theory of operation:
 *   - The decoder owns ONE receive buffer, `buf`, of maxPacketBytes + 5 bytes (the largest
 *     body plus the largest fixed header, §2.2), allocated in the constructor and never
 *     grown. Bytes come in through `push()` (a copy) or through `writeOffset()` + `commit()`
 *     (the host reads its socket straight into `buf`). Unparsed bytes live in
 *     buf[readOff .. filled); when new bytes do not fit after them, they are moved to the
 *     front first (compaction), so a packet of up to maxPacketBytes always fits.
 *   - `next()` looks at the bytes from readOff on: it validates the first byte's type and
 *     flags (§2.2.1, §2.2.2) as soon as it is there, the remaining length (§2.2.3) as soon as
 *     it is complete (MQTT_TOO_LARGE before any of the body arrives), and the body once it is
 *     all there. A whole valid packet yields its type and sets the decoder's numeric fields;
 *     otherwise it returns NEED_MORE (0) or an error. A header split across reads is simply
 *     parsed again on the next call; nothing is half-remembered. A remaining length
 *     written in more bytes than needed is accepted (3.1.1, unlike MQTT 5, does not forbid it).
 *   - Errors are sticky: the stream has lost framing, so `next()` returns the same code and
 *     `push()` drops its input until `reset()` (which the session calls on reconnect).
 *
 * Field validity: after `next()` returns a type, the fields documented for that type hold
 * offsets into `buf` (and values); fields of other packet types hold stale, unspecified
 * values. The offsets are valid until the next call to `next()`, `push()`, `writeOffset()`,
 * `commit()` or `reset()`: each of those may move or overwrite bytes. Copy anything you
 * need to keep.
 *
 * Topic cache: topic names (§3.3.2.1) are validated (UTF-8, no wildcards) on every PUBLISH,
 * which is half the decoder's time on XS (a JS loop costs ~100-200 ns per byte there), unless
 * the topic is byte-identical to the last topic that passed validation: validity depends on
 * the bytes alone, so skipping the check is exact. The last valid topic (8 bytes up to
 * topicCacheBytes) is kept as float64 words read through a DataView over buf and compared 8
 * bytes per call. Float64 equality implies identical bits except for NaN (never equal: a
 * miss, which only costs the full check) and +0/-0; a word of a valid topic can be neither,
 * since their bytes include 0x00 and U+0000 is refused (§1.5.3).
 *
 * Nothing on the path of push/next allocates: no objects, strings, views or closures.
 */
import { Err, NEED_MORE } from "../../errors";
import {
  CONNACK_FLAG_SESSION_PRESENT,
  ConnectFlag,
  MAX_CONNACK_CODE,
  MAX_FIXED_HEADER_BYTES,
  MAX_REMAINING_LENGTH_BYTES,
  MAX_STRING_BYTES,
  PROTOCOL_LEVEL_3_1_1,
  PROTOCOL_NAME_M,
  PROTOCOL_NAME_Q,
  PROTOCOL_NAME_T,
  PacketType,
  SUBACK_FAILURE,
} from "./constants";
import { copyInto } from "./header";
import { checkTopicFilter, checkTopicName } from "./topic";
import { isValidUtf8 } from "../bytes";

/** Default longest topic whose validation is cached (covers every brainstem topic). */
export const DEFAULT_TOPIC_CACHE_BYTES = 128;
/** Topics shorter than one float64 word are simply validated. */
const TOPIC_CACHE_MIN_BYTES = 8;

export class MqttDecoder {
  /** The receive buffer. All offsets below point into it. */
  readonly buf: Uint8Array;
  /** Largest remaining length (variable header + payload, §2.2.3) accepted, in bytes. */
  readonly maxPacketBytes: number;
  /** Offset of the first byte not yet returned as part of a packet. Read-only. */
  readOff = 0;
  /** Offset after the last received byte: buf[readOff .. filled) is unparsed. Read-only. */
  filled = 0;
  /** PUBLISH topic checks skipped because the topic equalled the last valid one (diagnostics). */
  topicChecksSkipped = 0;
  /** The sticky error, or 0. */
  private err = 0;
  // Scratch result of readField(): offset and length of the last length-prefixed field.
  private fieldOff = 0;
  private fieldLen = 0;
  // Topic validation cache (see the header comment): the last valid topic as float64 words.
  private readonly dv: DataView;
  private readonly topicCacheBytes: number;
  private readonly topicWords: Float64Array;
  /** Length of the cached topic, or -1 when none is cached. */
  private topicCacheLen = -1;

  // ---- all packet types ----
  /** Packet type 1..14 (PacketType). */
  type = 0;
  /** Low nibble of the first byte (§2.2.2). */
  flags = 0;
  /** Remaining length: bytes after the fixed header. */
  remainingLength = 0;
  /** The whole packet is buf[packetOff .. packetEnd). */
  packetOff = 0;
  packetEnd = 0;
  /** Packet identifier (§2.3.1): PUBLISH QoS > 0, PUBACK..PUBCOMP, (UN)SUBSCRIBE, (UN)SUBACK; else 0. */
  packetId = 0;
  // ---- PUBLISH (0 for other types) ----
  /** DUP flag, 1 or 0 (§3.3.1.1). */
  dup = 0;
  /** QoS 0..2 (§3.3.1.2). */
  qos = 0;
  /** RETAIN flag, 1 or 0 (§3.3.1.3). */
  retain = 0;
  /** PUBLISH: the topic name. SUBSCRIBE/UNSUBSCRIBE: the first topic filter. Else 0, 0. */
  topicOff = 0;
  topicLen = 0;
  /** PUBLISH: the application message. SUBSCRIBE/UNSUBSCRIBE: the whole filter list. Else 0, 0. */
  payloadOff = 0;
  payloadLen = 0;
  // ---- CONNACK ----
  /** Session Present, 1 or 0 (§3.2.2.2). */
  sessionPresent = 0;
  /** Connect return code 0..5 (§3.2.2.3, ConnackCode). */
  returnCode = 0;
  // ---- SUBACK ----
  /** The return codes, one byte each: 0..2 granted QoS or 0x80 failure (§3.9.3). */
  returnCodesOff = 0;
  returnCodesLen = 0;
  // ---- SUBSCRIBE / UNSUBSCRIBE (walk the list with filterAt) ----
  /** Number of topic filters in the list. */
  filterCount = 0;
  /** Set by filterAt(): one filter and, for SUBSCRIBE, its requested QoS. */
  filterOff = 0;
  filterLen = 0;
  filterQos = 0;
  // ---- CONNECT (§3.1); a field whose flag is 0 reads as an empty range inside the packet ----
  /** Protocol level (always 4: other levels are MQTT_BAD_PROTOCOL). */
  protocolLevel = 0;
  /** Raw connect flags byte (§3.1.2.3). */
  connectFlags = 0;
  cleanSession = 0;
  keepAliveS = 0;
  /** Client identifier (UTF-8, may be empty; an empty id with cleanSession 0 must get CONNACK 2, §3.1.3-8). */
  clientIdOff = 0;
  clientIdLen = 0;
  /** 1 when the will topic (a valid topic name) and will message are present. */
  hasWill = 0;
  willQos = 0;
  willRetain = 0;
  willTopicOff = 0;
  willTopicLen = 0;
  willPayloadOff = 0;
  willPayloadLen = 0;
  /** 1 when a user name (UTF-8) is present. */
  hasUsername = 0;
  usernameOff = 0;
  usernameLen = 0;
  /** 1 when a password (binary) is present. */
  hasPassword = 0;
  passwordOff = 0;
  passwordLen = 0;

  /**
   * maxPacketBytes: the largest remaining length to accept (0..268,435,455); larger packets
   * yield MQTT_TOO_LARGE. topicCacheBytes: the longest PUBLISH topic whose validation is
   * cached (0..65,535; 0 turns the cache off; see the header comment). Allocates buf once.
   * Throws RangeError on a bad size (setup bug).
   */
  constructor(maxPacketBytes: number, topicCacheBytes: number = DEFAULT_TOPIC_CACHE_BYTES) {
    if (!(maxPacketBytes >= 0 && maxPacketBytes <= MAX_REMAINING_LENGTH_BYTES) || maxPacketBytes !== Math.floor(maxPacketBytes)) {
      throw new RangeError("MqttDecoder: maxPacketBytes must be an integer in 0..268435455");
    }
    if (!(topicCacheBytes >= 0 && topicCacheBytes <= MAX_STRING_BYTES) || topicCacheBytes !== Math.floor(topicCacheBytes)) {
      throw new RangeError("MqttDecoder: topicCacheBytes must be an integer in 0..65535");
    }
    this.maxPacketBytes = maxPacketBytes;
    this.buf = new Uint8Array(maxPacketBytes + MAX_FIXED_HEADER_BYTES);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.topicCacheBytes = topicCacheBytes;
    this.topicWords = new Float64Array((topicCacheBytes + 7) >>> 3);
  }

  /** Drops all buffered bytes and the sticky error: the decoder is as new (reconnect). */
  reset(): void {
    this.readOff = 0;
    this.filled = 0;
    this.err = 0;
    this.type = 0;
  }

  /** Moves unparsed bytes to the front of buf, so all free space is at the end. */
  private compact(): void {
    const head = this.readOff;
    if (head === 0) return;
    const fill = this.filled;
    if (head < fill) this.buf.copyWithin(0, head, fill);
    this.filled = fill - head;
    this.readOff = 0;
  }

  /**
   * Appends src[off .. off+len) to the receive buffer. Returns how many bytes were taken:
   * fewer than len when the buffer is full (call next() to consume packets, then push the
   * rest); all of len, dropped, while an error is pending (reset() to recover); VALUE_RANGE
   * for a range outside src. Invalidates the views of the last packet.
   * A whole array (off 0, len src.length) is copied natively; a range of a larger array by a
   * loop, since a `subarray` view would allocate (on XS about 100 ns/byte: prefer
   * writeOffset()/commit() there, or pass whole arrays).
   */
  push(src: Uint8Array, off: number, len: number): number {
    if (!(off >= 0 && len >= 0 && off + len <= src.length)) return Err.VALUE_RANGE;
    if (this.err !== 0) return len;
    if (this.readOff === this.filled) {
      this.readOff = 0;
      this.filled = 0;
    } else if (len > this.buf.length - this.filled) {
      this.compact();
    }
    const fill = this.filled;
    const room = this.buf.length - fill;
    const n = len < room ? len : room;
    copyInto(this.buf, fill, src, off, n);
    this.filled = fill + n;
    return n;
  }

  /**
   * Zero-copy receive, step 1: makes all free space contiguous at the end of buf and returns
   * its start; the host may write up to `buf.length - writeOffset()` bytes there, then calls
   * commit(n). Invalidates the views of the last packet.
   */
  writeOffset(): number {
    if (this.readOff === this.filled) {
      this.readOff = 0;
      this.filled = 0;
    } else {
      this.compact();
    }
    return this.filled;
  }

  /**
   * Zero-copy receive, step 2: declares that n bytes were written at writeOffset(). Returns
   * n, or VALUE_RANGE when n is negative or larger than the free space. While an error is
   * pending the bytes are dropped.
   */
  commit(n: number): number {
    if (!(n >= 0 && this.filled + n <= this.buf.length) || (n | 0) !== n) return Err.VALUE_RANGE;
    if (this.err === 0) this.filled += n;
    return n;
  }

  private fail(code: number): number {
    this.err = code;
    return code;
  }

  /**
   * Parses the next packet. Returns its type (1..14, PacketType) and sets the fields;
   * NEED_MORE (0) when the buffered bytes end before the packet does; or, sticky until
   * reset(): MQTT_BAD_TYPE (type 0 or 15), MQTT_BAD_FLAGS (fixed-header flags, PUBLISH QoS 3
   * or DUP with QoS 0), MQTT_BAD_LENGTH (remaining length over 4 bytes), MQTT_TOO_LARGE
   * (remaining length over maxPacketBytes, reported before the body arrives),
   * MQTT_MALFORMED (fields disagree with the length or the spec), MQTT_BAD_UTF8,
   * MQTT_BAD_PROTOCOL (CONNECT not "MQTT" level 4).
   */
  next(): number {
    if (this.err !== 0) return this.err;
    const buf = this.buf;
    const head = this.readOff;
    const fill = this.filled;
    if (head >= fill) return NEED_MORE;

    // §2.2.1 type, §2.2.2 flags: checked as soon as the first byte is here.
    const b0 = buf[head];
    const type = b0 >>> 4;
    const flags = b0 & 0x0f;
    if (type === PacketType.PUBLISH) {
      if ((flags & 0x6) === 0x6) return this.fail(Err.MQTT_BAD_FLAGS); // §3.3.1-4: QoS 3
      if ((flags & 0xe) === 0x8) return this.fail(Err.MQTT_BAD_FLAGS); // §3.3.1-2: DUP with QoS 0
    } else if (type === 0 || type === 15) {
      return this.fail(Err.MQTT_BAD_TYPE); // §2.2.1: reserved
    } else if (flags !== (type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0)) {
      return this.fail(Err.MQTT_BAD_FLAGS); // §2.2.2, Table 2.2
    }

    // §2.2.3 remaining length: 1..4 bytes, 7 bits each, least significant first.
    let p = head + 1;
    let remLen = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (p >= fill) return NEED_MORE;
      const b = buf[p++];
      remLen += (b & 0x7f) * mul;
      if (b < 0x80) break;
      if (i === 3) return this.fail(Err.MQTT_BAD_LENGTH);
      mul *= 128;
    }
    if (remLen > this.maxPacketBytes) return this.fail(Err.MQTT_TOO_LARGE);
    // Fixed-size packets: a wrong length is known before the body arrives.
    if (type >= PacketType.PINGREQ) {
      if (remLen !== 0) return this.fail(Err.MQTT_MALFORMED); // §3.12 – §3.14
    } else if (type === PacketType.CONNACK || (type >= PacketType.PUBACK && type <= PacketType.PUBCOMP) || type === PacketType.UNSUBACK) {
      if (remLen !== 2) return this.fail(Err.MQTT_MALFORMED); // §3.2.1, §3.4.1 – §3.7.1, §3.11.1
    }
    const end = p + remLen;
    if (end > fill) return NEED_MORE;

    if (type === PacketType.PUBLISH) {
      // §3.3.2: topic name, packet id when QoS > 0, then the payload to the end.
      const qos = (flags >>> 1) & 3;
      if (remLen < 2) return this.fail(Err.MQTT_MALFORMED);
      const topicLen = (buf[p] << 8) | buf[p + 1];
      const topicOff = p + 2;
      let q = topicOff + topicLen;
      if (q + (qos !== 0 ? 2 : 0) > end) return this.fail(Err.MQTT_MALFORMED);
      // §3.3.2.1, §1.5.3, §4.7.3; skipped for a copy of the last valid topic (header comment).
      let cached = false;
      if (topicLen === this.topicCacheLen) {
        const dv = this.dv;
        const words = this.topicWords;
        const last = topicOff + topicLen - 8;
        let k = 0;
        let at = topicOff;
        cached = true;
        for (; at < last; at += 8) {
          if (dv.getFloat64(at) !== words[k++]) {
            cached = false;
            break;
          }
        }
        if (cached && dv.getFloat64(last) !== words[k]) cached = false;
      }
      if (cached) this.topicChecksSkipped++;
      else {
        const c = checkTopicName(buf, topicOff, topicLen);
        if (c !== 0) return this.fail(c);
        if (topicLen >= TOPIC_CACHE_MIN_BYTES && topicLen <= this.topicCacheBytes) this.cacheTopic(topicOff, topicLen);
      }
      let id = 0;
      if (qos !== 0) {
        id = (buf[q] << 8) | buf[q + 1];
        if (id === 0) return this.fail(Err.MQTT_MALFORMED); // §2.3.1-1
        q += 2;
      }
      this.type = type;
      this.flags = flags;
      this.remainingLength = remLen;
      this.packetOff = head;
      this.packetEnd = end;
      this.packetId = id;
      this.dup = flags >>> 3;
      this.qos = qos;
      this.retain = flags & 1;
      this.topicOff = topicOff;
      this.topicLen = topicLen;
      this.payloadOff = q;
      this.payloadLen = end - q;
      this.readOff = end;
      return type;
    }

    this.type = type;
    this.flags = flags;
    this.remainingLength = remLen;
    this.packetOff = head;
    this.packetEnd = end;
    this.packetId = 0;
    this.dup = 0;
    this.qos = 0;
    this.retain = 0;
    this.topicOff = 0;
    this.topicLen = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    let r: number;
    switch (type) {
      case PacketType.CONNACK:
        r = this.parseConnack(p);
        break;
      case PacketType.PUBACK:
      case PacketType.PUBREC:
      case PacketType.PUBREL:
      case PacketType.PUBCOMP:
      case PacketType.UNSUBACK:
        r = this.parsePacketId(p);
        break;
      case PacketType.SUBACK:
        r = this.parseSuback(p, end);
        break;
      case PacketType.SUBSCRIBE:
      case PacketType.UNSUBSCRIBE:
        r = this.parseFilterList(p, end, type === PacketType.SUBSCRIBE);
        break;
      case PacketType.CONNECT:
        r = this.parseConnect(p, end);
        break;
      default:
        r = 0; // PINGREQ, PINGRESP, DISCONNECT: nothing after the fixed header
    }
    if (r !== 0) return this.fail(r);
    this.readOff = end;
    return type;
  }

  /** Remembers the valid topic buf[off..off+len) (8 <= len <= topicCacheBytes) as float64 words. */
  private cacheTopic(off: number, len: number): void {
    const dv = this.dv;
    const words = this.topicWords;
    const last = off + len - 8;
    let k = 0;
    for (let at = off; at < last; at += 8) words[k++] = dv.getFloat64(at);
    words[k] = dv.getFloat64(last);
    this.topicCacheLen = len;
  }

  /**
   * SUBSCRIBE/UNSUBSCRIBE (after next() returned one): reads the list entry at pos and
   * returns the position of the next one; sets filterOff, filterLen and (SUBSCRIBE)
   * filterQos. Start at payloadOff; stop at payloadOff + payloadLen. The list was validated
   * by next(), so no checks are made here.
   */
  filterAt(pos: number): number {
    const buf = this.buf;
    const n = (buf[pos] << 8) | buf[pos + 1];
    this.filterOff = pos + 2;
    this.filterLen = n;
    pos += 2 + n;
    if (this.type === PacketType.SUBSCRIBE) {
      this.filterQos = buf[pos];
      return pos + 1;
    }
    this.filterQos = 0;
    return pos;
  }

  /** §3.2.2: acknowledge flags (bits 7-1 reserved 0), return code 0..5. Length is 2. */
  private parseConnack(p: number): number {
    const ackFlags = this.buf[p];
    const rc = this.buf[p + 1];
    if ((ackFlags & ~CONNACK_FLAG_SESSION_PRESENT) !== 0) return Err.MQTT_MALFORMED; // §3.2.2.1
    if (rc > MAX_CONNACK_CODE) return Err.MQTT_MALFORMED; // §3.2.2.3: 6..255 reserved
    if (ackFlags !== 0 && rc !== 0) return Err.MQTT_MALFORMED; // §3.2.2-4
    this.sessionPresent = ackFlags;
    this.returnCode = rc;
    return 0;
  }

  /** PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK: a non-zero packet id (§2.3.1). Length is 2. */
  private parsePacketId(p: number): number {
    const id = (this.buf[p] << 8) | this.buf[p + 1];
    if (id === 0) return Err.MQTT_MALFORMED;
    this.packetId = id;
    return 0;
  }

  /** §3.9: packet id, then one or more return codes in {0, 1, 2, 0x80}. */
  private parseSuback(p: number, end: number): number {
    if (end - p < 3) return Err.MQTT_MALFORMED;
    const r = this.parsePacketId(p);
    if (r !== 0) return r;
    const buf = this.buf;
    for (let i = p + 2; i < end; i++) {
      const c = buf[i];
      if (c > 2 && c !== SUBACK_FAILURE) return Err.MQTT_MALFORMED; // §3.9.3
    }
    this.returnCodesOff = p + 2;
    this.returnCodesLen = end - p - 2;
    return 0;
  }

  /**
   * §3.8.2/§3.8.3 and §3.10.2/§3.10.3: packet id, then one or more topic filters, each
   * followed by a requested-QoS byte (bits 7-2 zero, QoS <= 2) in SUBSCRIBE.
   */
  private parseFilterList(p: number, end: number, withQos: boolean): number {
    if (end - p < 2) return Err.MQTT_MALFORMED;
    const r = this.parsePacketId(p);
    if (r !== 0) return r;
    p += 2;
    const listOff = p;
    let count = 0;
    while (p < end) {
      p = this.readField(p, end);
      if (p < 0) return Err.MQTT_MALFORMED;
      // Framing first (is the QoS byte there?), then the content of the filter.
      if (withQos) {
        if (p >= end) return Err.MQTT_MALFORMED;
        if (this.buf[p++] > 2) return Err.MQTT_MALFORMED; // §3.8.3-4: reserved bits, QoS 3
      }
      const c = checkTopicFilter(this.buf, this.fieldOff, this.fieldLen); // §4.7
      if (c !== 0) return c;
      if (count === 0) {
        this.topicOff = this.fieldOff;
        this.topicLen = this.fieldLen;
      }
      count++;
    }
    if (count === 0) return Err.MQTT_MALFORMED; // §3.8.3-3, §3.10.3-2
    this.filterCount = count;
    this.payloadOff = listOff;
    this.payloadLen = end - listOff;
    return 0;
  }

  /**
   * Reads a u16-length-prefixed field at p that must end by end. Returns the offset after
   * it (and sets fieldOff/fieldLen), or -1 when it runs past end.
   */
  private readField(p: number, end: number): number {
    if (p + 2 > end) return -1;
    const n = (this.buf[p] << 8) | this.buf[p + 1];
    p += 2;
    if (p + n > end) return -1;
    this.fieldOff = p;
    this.fieldLen = n;
    return p + n;
  }

  /** Reads a UTF-8 string field (§1.5.3). Returns the offset after it or a negative Err code. */
  private readString(p: number, end: number): number {
    p = this.readField(p, end);
    if (p < 0) return Err.MQTT_MALFORMED;
    if (!isValidUtf8(this.buf, this.fieldOff, p, true)) return Err.MQTT_BAD_UTF8;
    return p;
  }

  /** §3.1.2 variable header and §3.1.3 payload of a CONNECT. */
  private parseConnect(p: number, end: number): number {
    const buf = this.buf;
    // §3.1.2.1 protocol name: a string that must be "MQTT".
    p = this.readField(p, end);
    if (p < 0) return Err.MQTT_MALFORMED;
    const n = this.fieldOff;
    if (this.fieldLen !== 4 || buf[n] !== PROTOCOL_NAME_M || buf[n + 1] !== PROTOCOL_NAME_Q || buf[n + 2] !== PROTOCOL_NAME_T || buf[n + 3] !== PROTOCOL_NAME_T) {
      return Err.MQTT_BAD_PROTOCOL;
    }
    if (p + 4 > end) return Err.MQTT_MALFORMED;
    const level = buf[p];
    if (level !== PROTOCOL_LEVEL_3_1_1) return Err.MQTT_BAD_PROTOCOL; // §3.1.2.2
    const f = buf[p + 1];
    if ((f & ConnectFlag.RESERVED) !== 0) return Err.MQTT_MALFORMED; // §3.1.2-3
    const willQos = (f & ConnectFlag.WILL_QOS_MASK) >>> ConnectFlag.WILL_QOS_SHIFT;
    const hasWill = (f & ConnectFlag.WILL) !== 0 ? 1 : 0;
    if (hasWill === 0 && (f & (ConnectFlag.WILL_QOS_MASK | ConnectFlag.WILL_RETAIN)) !== 0) return Err.MQTT_MALFORMED; // §3.1.2-11, -13, -15
    if (willQos === 3) return Err.MQTT_MALFORMED; // §3.1.2-14
    const hasUsername = (f & ConnectFlag.USERNAME) !== 0 ? 1 : 0;
    const hasPassword = (f & ConnectFlag.PASSWORD) !== 0 ? 1 : 0;
    if (hasUsername === 0 && hasPassword !== 0) return Err.MQTT_MALFORMED; // §3.1.2-22
    this.protocolLevel = level;
    this.connectFlags = f;
    this.cleanSession = (f & ConnectFlag.CLEAN_SESSION) !== 0 ? 1 : 0;
    this.keepAliveS = (buf[p + 2] << 8) | buf[p + 3]; // §3.1.2.10
    p += 4;
    // §3.1.3.1 client identifier.
    p = this.readString(p, end);
    if (p < 0) return p;
    this.clientIdOff = this.fieldOff;
    this.clientIdLen = this.fieldLen;
    this.hasWill = hasWill;
    this.willQos = willQos;
    this.willRetain = (f & ConnectFlag.WILL_RETAIN) !== 0 ? 1 : 0;
    // Absent fields read as empty ranges at the position they would have had.
    this.willTopicOff = this.willPayloadOff = p;
    this.willTopicLen = this.willPayloadLen = 0;
    if (hasWill !== 0) {
      // §3.1.3.2 will topic (a topic name), §3.1.3.3 will message (binary).
      p = this.readField(p, end);
      if (p < 0) return Err.MQTT_MALFORMED;
      const c = checkTopicName(buf, this.fieldOff, this.fieldLen);
      if (c !== 0) return c;
      this.willTopicOff = this.fieldOff;
      this.willTopicLen = this.fieldLen;
      p = this.readField(p, end);
      if (p < 0) return Err.MQTT_MALFORMED;
      this.willPayloadOff = this.fieldOff;
      this.willPayloadLen = this.fieldLen;
    }
    this.hasUsername = hasUsername;
    this.usernameOff = p;
    this.usernameLen = 0;
    if (hasUsername !== 0) {
      p = this.readString(p, end); // §3.1.3.4
      if (p < 0) return p;
      this.usernameOff = this.fieldOff;
      this.usernameLen = this.fieldLen;
    }
    this.hasPassword = hasPassword;
    this.passwordOff = p;
    this.passwordLen = 0;
    if (hasPassword !== 0) {
      p = this.readField(p, end); // §3.1.3.5 binary data
      if (p < 0) return Err.MQTT_MALFORMED;
      this.passwordOff = this.fieldOff;
      this.passwordLen = this.fieldLen;
    }
    return p === end ? 0 : Err.MQTT_MALFORMED; // nothing may follow the payload
  }
}
