/*
 * mqtt/packet-reader: the streaming, allocation-free framing that both MQTT 3.1.1 decoders
 * share: the client's (decoder.ts, server → client) and the test broker's
 * (testkit/mqtt-server-codec.ts, client → server).
 *
 * Theory of operation:
 *   - The reader owns ONE receive buffer, `buf`, of maxPacketBytes + 5 bytes (the largest
 *     body plus the largest fixed header, §2.2), allocated in the constructor and never
 *     grown. Bytes come in through `push()` (a copy) or through `writeOffset()` + `commit()`
 *     (the host reads its socket straight into `buf`). Unparsed bytes live in
 *     buf[readOff .. filled); when new bytes do not fit after them, they are moved to the
 *     front first (compaction), so a packet of up to maxPacketBytes always fits.
 *   - `next()` looks at the bytes from readOff on. As soon as the first byte is there it
 *     checks the type (§2.2.1: 0 and 15 are reserved), the direction (a subclass names the
 *     types its side receives, Table 2.1) and the flags (§2.2.2, Table 2.2); as soon as the
 *     remaining length (§2.2.3) is complete, its size (MQTT_TOO_LARGE, and the sizes that
 *     the packet type fixes, before any of the body arrives); once the body is all there,
 *     its fields. PUBLISH and the packets that are only a packet identifier or only a header
 *     are parsed here; the others by the subclass (`parseBody`). Then the subclass may check
 *     the packet against what its side has sent (`checkSequence`). A whole valid packet
 *     yields its type and sets the fields; otherwise next() returns NEED_MORE (0) or an
 *     error. A header split across reads is simply parsed again on the next call; nothing is
 *     half-remembered. A remaining length written in more bytes than needed is accepted
 *     (3.1.1, unlike MQTT 5, does not forbid it).
 *   - Errors are sticky: the stream has lost framing, or the peer broke the protocol
 *     (MQTT-4.8.0-1: close the connection), so `next()` returns the same code and `push()`
 *     drops its input until `reset()` (a new connection).
 *
 * Field validity: after `next()` returns a type, the fields documented for that type hold
 * offsets into `buf` (and values); fields of other packet types hold stale, unspecified
 * values. The offsets are valid until the next call to `next()`, `push()`, `writeOffset()`,
 * `commit()` or `reset()`: each of those may move or overwrite bytes. Copy anything you
 * need to keep.
 *
 * Topic slots: topic names (§3.3.2.1) are validated (UTF-8, no wildcards) on every PUBLISH,
 * which is half the decoder's time on XS (a JS loop costs ~100-200 ns per byte there), unless
 * the topic is byte-identical to a topic known to be valid: validity depends on the bytes
 * alone, so skipping the check is exact. Slot 0 holds the last topic that passed validation;
 * slots 1 .. TOPIC_SLOTS-1 hold topics the owner expects (`watchTopic`: a client's
 * subscriptions), checked once when they are set. After a PUBLISH, `topicSlot` names the
 * watched slot its topic equals (0: none), so the owner tells its topics apart with one
 * number instead of comparing bytes again. A topic of 8 bytes up to topicCacheBytes is kept
 * as float64 words read through a DataView and compared 8 bytes per call (a shorter watched
 * topic byte by byte). Float64 equality implies identical bits except for NaN (never equal: a
 * miss, which only costs the full check) and +0/-0; a word of a valid topic can be neither,
 * since their bytes include 0x00 and U+0000 is refused (§1.5.3).
 *
 * Repeat path: a steady stream brings PUBLISHes whose header (fixed header and topic name
 * field) is the same every time: QoS 0, one topic, one payload length. After a QoS 0 PUBLISH
 * parsed in full whose topic the cache would keep (8 bytes up to topicCacheBytes), its header
 * bytes are kept as float64 words; a packet whose header bytes are all equal has the same type, flags,
 * remaining length and topic, all checked already, so next() only checks that the whole
 * packet is there, sets the fields from the remembered ones and takes the subclass's rules'
 * verdict for a QoS 0 PUBLISH (qos0Rules: what checkSequence would answer). Equality
 * is exact by the argument above: the first word holds the PUBLISH byte (0x30 or 0x31), every
 * other word at least one topic byte, so no remembered word is +0 or -0. watchTopic and
 * reset() forget the header (a slot may have changed).
 *
 * Nothing on the path of push/next allocates: no objects, strings, views or closures.
 */
import { Err, NEED_MORE } from "../../errors";
import { isValidUtf8 } from "../bytes";
import { MAX_FIXED_HEADER_BYTES, MAX_REMAINING_LENGTH_BYTES, MAX_STRING_BYTES, PacketType } from "./constants";
import { copyInto } from "./header";
import { checkTopicName } from "./topic";

/** Default longest topic whose validation is cached (covers every brainstem topic). */
export const DEFAULT_TOPIC_CACHE_BYTES = 128;
/** Topics shorter than one float64 word are not cached (watched ones are compared by byte). */
const TOPIC_CACHE_MIN_BYTES = 8;
/** Slot 0 (the last valid topic) and the watched slots 1 .. TOPIC_SLOTS-1. */
export const TOPIC_SLOTS = 4;
/** Most bytes next() moves to the front after a packet (moveRestToFront): a small packet or two. */
const MOVE_REST_MAX = 512;
/** Longest PUBLISH header the repeat path keeps: fixed header (5), topic length (2), topic (128). */
const REPEAT_HEADER_MAX = 5 + 2 + 128;

/** Bit t set: packet type t. Subclasses build their direction's set from these. */
export function typeBit(type: number): number {
  return 1 << type;
}

export abstract class MqttPacketReader {
  // Fields in order of use per packet: XS finds an own property by walking the object's list.
  /** The sticky error, or 0. */
  private err = 0;
  /** The receive buffer. All offsets below point into it. */
  readonly buf: Uint8Array;
  /**
   * Offset of the first byte not yet returned as part of a packet. Read-only. Once every
   * received byte is parsed, next() may set readOff and filled to 0 (an empty reader).
   */
  readOff = 0;
  /** Offset after the last received byte: buf[readOff .. filled) is unparsed. Read-only. */
  filled = 0;
  /** The repeat path's header (see the header comment): its bytes (0: none), packet bytes and fields. */
  private repeatHead = 0;
  private readonly dv: DataView;
  private repeatWords: Float64Array;
  private repeatTotal = 0;
  /** True while the fields hold the remembered header's values (no packet parsed in full since). */
  private repeatFieldsSet = false;
  private repeatTopicLen = 0;
  /**
   * The subclass's sequence rules, when checkSequence consults them: what they answer for a
   * QoS 0 PUBLISH (the repeat path reads it instead of calling checkSequence). Null: accept.
   */
  protected qos0Rules: { readonly qos0PublishVerdict: number } | null = null;

  // ---- all packet types ----
  /** The whole packet is buf[packetOff .. packetEnd). */
  packetOff = 0;
  packetEnd = 0;
  // ---- PUBLISH (0 for other types) ----
  /** PUBLISH: the topic name. Subclasses may reuse it (the first topic filter). Else 0, 0. */
  topicOff = 0;
  /** PUBLISH: the application message. Subclasses may reuse it (a filter list). Else 0, 0. */
  payloadOff = 0;
  /** PUBLISH topic checks skipped because the topic equalled a known valid one (diagnostics). */
  topicChecksSkipped = 0;
  /** PUBLISHes that took the repeat path (diagnostics). */
  publishRepeats = 0;
  payloadLen = 0;
  /** PUBLISH: the watched slot (1 .. TOPIC_SLOTS-1, see watchTopic) whose topic it has, or 0. */
  topicSlot = 0;
  /** QoS 0..2 (§3.3.1.2). */
  qos = 0;
  topicLen = 0;
  /** Packet type 1..14 (PacketType). */
  type = 0;
  /** Low nibble of the first byte (§2.2.2). */
  flags = 0;
  /** Packet identifier (§2.3.1): PUBLISH QoS > 0, PUBACK..PUBCOMP, (UN)SUBSCRIBE, (UN)SUBACK; else 0. */
  packetId = 0;
  /** DUP flag, 1 or 0 (§3.3.1.1). */
  dup = 0;
  /** RETAIN flag, 1 or 0 (§3.3.1.3). */
  retain = 0;
  /** Remaining length: bytes after the fixed header. */
  remainingLength = 0;

  /** Bit t set (typeBit): this side receives packet type t. */
  private readonly inbound: number;
  /** buf.length, as a number (on XS a typed array's length is a getter call). */
  readonly capacity: number;
  /** Largest remaining length (variable header + payload, §2.2.3) accepted, in bytes. */
  readonly maxPacketBytes: number;
  private repeatFlags = 0;
  private repeatRemLen = 0;
  private repeatSlot = 0;
  /** The alternate header (see the header comment): the same fields for a second topic. */
  private altHead = 0;
  private altWords: Float64Array;
  private altTotal = 0;
  private altTopicLen = 0;
  private altFlags = 0;
  private altRemLen = 0;
  private altSlot = 0;
  /** publishRepeats after the last packet that came on the alternate header. */
  private altRepeatAt = -1;

  // Topic slots (see the header comment): per slot, the topic's length (-1: empty), its
  // float64 words (8 bytes and more) and its bytes (watched topics under 8 bytes).
  private readonly slotLen: number[] = [];
  /** The filled slots in the order parsePublish tries them: watched ones, then slot 0. */
  private readonly slotOrder: number[] = [];
  private slotOrderLen = 0;
  private readonly slotWords: Float64Array[] = [];
  private readonly slotBytes: Uint8Array[] = [];
  private readonly topicCacheBytes: number;
  // Scratch result of readField(): offset and length of the last length-prefixed field.
  protected fieldOff = 0;
  protected fieldLen = 0;

  /**
   * maxPacketBytes: the largest remaining length to accept (0..268,435,455); larger packets
   * yield MQTT_TOO_LARGE. topicCacheBytes: the longest PUBLISH topic whose validation is
   * cached (0..65,535; 0 turns the cache off; see the header comment). inbound: the packet
   * types this side receives (typeBit of each). Allocates buf once.
   * Throws RangeError on a bad size (setup bug).
   */
  protected constructor(maxPacketBytes: number, topicCacheBytes: number, inbound: number) {
    if (!(maxPacketBytes >= 0 && maxPacketBytes <= MAX_REMAINING_LENGTH_BYTES) || maxPacketBytes !== Math.floor(maxPacketBytes)) {
      throw new RangeError("MqttDecoder: maxPacketBytes must be an integer in 0..268435455");
    }
    if (!(topicCacheBytes >= 0 && topicCacheBytes <= MAX_STRING_BYTES) || topicCacheBytes !== Math.floor(topicCacheBytes)) {
      throw new RangeError("MqttDecoder: topicCacheBytes must be an integer in 0..65535");
    }
    this.maxPacketBytes = maxPacketBytes;
    this.inbound = inbound;
    this.buf = new Uint8Array(maxPacketBytes + MAX_FIXED_HEADER_BYTES);
    this.capacity = this.buf.length;
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.topicCacheBytes = topicCacheBytes;
    // the repeat path needs the topic cache (its topics are the ones known to be valid)
    this.repeatWords = new Float64Array(topicCacheBytes > 0 ? (REPEAT_HEADER_MAX + 7) >>> 3 : 0);
    this.altWords = new Float64Array(this.repeatWords.length);
    for (let k = 0; k < TOPIC_SLOTS; k++) {
      this.slotLen.push(-1);
      this.slotWords.push(new Float64Array((topicCacheBytes + 7) >>> 3));
      this.slotBytes.push(new Uint8Array(TOPIC_CACHE_MIN_BYTES));
      this.slotOrder.push(0);
    }
  }

  /** Rebuilds slotOrder from slotLen (setup-time: a topic is watched, or slot 0 is first filled). */
  private orderSlots(): void {
    let n = 0;
    for (let s = 1; s <= TOPIC_SLOTS; s++) {
      const slot = s === TOPIC_SLOTS ? 0 : s;
      if (this.slotLen[slot] >= 0) this.slotOrder[n++] = slot;
    }
    this.slotOrderLen = n;
  }

  /**
   * Watches topic[off..off+len) in slot 1 .. TOPIC_SLOTS-1: a PUBLISH with exactly this topic
   * then gets topicSlot = slot (and skips the topic check). len 0 empties the slot. Returns 0,
   * VALUE_RANGE (bad slot or range, longer than topicCacheBytes) or the topic check's code
   * (MQTT_BAD_TOPIC_NAME, MQTT_BAD_UTF8), leaving the slot empty. Setup-time work: allocates
   * a DataView over the topic.
   */
  watchTopic(slot: number, topic: Uint8Array, off: number, len: number): number {
    if (!(slot >= 1 && slot < TOPIC_SLOTS) || (slot | 0) !== slot) return Err.ValueRange;
    this.slotLen[slot] = -1;
    this.repeatHead = this.altHead = 0; // their topicSlot may change
    this.orderSlots();
    if (len === 0) return 0;
    if (!(off >= 0 && len > 0 && off + len <= topic.length) || len > this.topicCacheBytes) return Err.ValueRange;
    const c = checkTopicName(topic, off, len);
    if (c !== 0) return c;
    if (len < TOPIC_CACHE_MIN_BYTES) copyInto(this.slotBytes[slot], 0, topic, off, len);
    else fillWords(new DataView(topic.buffer, topic.byteOffset, topic.byteLength), off, len, this.slotWords[slot]);
    this.slotLen[slot] = len;
    this.orderSlots();
    return 0;
  }

  /** Drops all buffered bytes and the sticky error: the reader is as new (a new connection). */
  reset(): void {
    this.readOff = 0;
    this.filled = 0;
    this.err = 0;
    this.type = 0;
    this.repeatHead = this.altHead = 0;
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
    if (!(off >= 0 && len >= 0 && off + len <= src.length)) return Err.ValueRange;
    if (this.err !== 0) return len;
    if (this.readOff === this.filled) {
      this.readOff = 0;
      this.filled = 0;
    } else if (len > this.capacity - this.filled) {
      this.compact();
    }
    const fill = this.filled;
    const room = this.capacity - fill;
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
    if (!(n >= 0 && this.filled + n <= this.capacity) || (n | 0) !== n) return Err.ValueRange;
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
   * reset(): MQTT_BAD_TYPE (type 0 or 15), MQTT_WRONG_DIRECTION (a type this side never
   * receives), MQTT_BAD_FLAGS (fixed-header flags, PUBLISH QoS 3 or DUP with QoS 0),
   * MQTT_BAD_LENGTH (remaining length over 4 bytes), MQTT_TOO_LARGE (remaining length over
   * maxPacketBytes, reported before the body arrives), MQTT_LENGTH_MISMATCH (a size the type
   * does not allow), MQTT_ZERO_PACKET_ID, MQTT_BAD_TOPIC_NAME, MQTT_BAD_UTF8,
   * MQTT_MALFORMED (fields disagree with the length), or a code of the subclass.
   */
  next(): number {
    if (this.err !== 0) return this.err;
    let head = this.readOff;
    let fill = this.filled;
    if (head >= fill) return NEED_MORE;
    if (head !== 0 && fill - head <= MOVE_REST_MAX) {
      this.moveRestToFront();
      head = 0;
      fill = this.filled;
    }

    // The repeat path (header comment): the remembered QoS 0 PUBLISH header, 8 bytes a call,
    // then the alternate one.
    let rh = this.repeatHead;
    let hit = false;
    if (rh !== 0 && fill - head >= rh) {
      const dv = this.dv;
      const words = this.repeatWords;
      const last = head + rh - 8;
      let w = 0;
      let at = head;
      while (at < last && dv.getFloat64(at) === words[w]) {
        at += 8;
        w++;
      }
      hit = at >= last && dv.getFloat64(last) === words[(rh - 1) >>> 3];
    }
    let fromAlternate = false;
    if (!hit && this.altHead !== 0 && this.alternateMatches(head, fill)) {
      rh = this.altHead;
      hit = fromAlternate = true;
    }
    if (hit) {
      const end = head + (fromAlternate ? this.altTotal : this.repeatTotal);
      if (end > fill) return NEED_MORE;
      // the fields that do not depend on where the packet lies: for the remembered header,
      // set again only after another packet was parsed in full or came on the alternate
      if (fromAlternate) {
        this.setRepeatFields(this.altFlags, this.altRemLen, this.altTopicLen, this.altTotal - rh, this.altSlot);
        this.repeatFieldsSet = false;
        // the alternate twice in a row (no repeat in between): it becomes the one tried first
        if (this.altRepeatAt === this.publishRepeats) {
          this.swapHeaders();
          this.repeatFieldsSet = true;
        }
        this.altRepeatAt = this.publishRepeats + 1;
      } else if (!this.repeatFieldsSet) {
        this.setRepeatFields(this.repeatFlags, this.repeatRemLen, this.repeatTopicLen, this.repeatTotal - rh, this.repeatSlot);
        this.repeatFieldsSet = true;
      }
      this.packetOff = head;
      this.packetEnd = end;
      this.topicOff = head + rh - this.topicLen;
      this.payloadOff = head + rh;
      this.topicChecksSkipped++;
      this.publishRepeats++;
      const rules = this.qos0Rules; // checkSequence's answer for a QoS 0 PUBLISH, in one read
      const r = rules === null ? 0 : rules.qos0PublishVerdict;
      if (r !== 0) return this.fail(r);
      if (end === fill) this.readOff = this.filled = 0; // all parsed: the next read starts at the front (writeOffset has nothing to do)
      else this.readOff = end;
      return PacketType.Publish;
    }
    return this.parseNext(head, fill);
  }

  /**
   * After a packet returned from somewhere past the front, next() moves the bytes after it
   * to the front when they are few (at most MOVE_REST_MAX), so that a packet that came after
   * another in one read lies where the same packet lies when it comes alone, and the
   * offset-keyed caches of its payload's decoder (frames/view.ts) still hold. Few bytes per
   * call, so a burst of packets costs linear time.
   */
  private moveRestToFront(): void {
    const head = this.readOff;
    const fill = this.filled;
    this.buf.copyWithin(0, head, fill);
    this.filled = fill - head;
    this.readOff = 0;
  }

  /** Whether the alternate header's bytes are at buf[head..] (fill - head bytes are there). */
  private alternateMatches(head: number, fill: number): boolean {
    const rh = this.altHead;
    if (fill - head < rh) return false;
    const dv = this.dv;
    const words = this.altWords;
    const last = head + rh - 8;
    let w = 0;
    for (let at = head; at < last; at += 8) if (dv.getFloat64(at) !== words[w++]) return false;
    return dv.getFloat64(last) === words[(rh - 1) >>> 3];
  }

  /** The fields of a QoS 0 PUBLISH on the repeat path that do not depend on where it lies. */
  private setRepeatFields(flags: number, remLen: number, topicLen: number, payloadLen: number, slot: number): void {
    this.type = PacketType.Publish;
    this.flags = flags;
    this.remainingLength = remLen;
    this.packetId = 0;
    this.qos = 0;
    this.dup = 0;
    this.retain = flags & 1;
    this.topicLen = topicLen;
    this.payloadLen = payloadLen;
    this.topicSlot = slot;
  }

  /** Swaps the remembered header and the alternate one. The fields then hold neither. */
  private swapHeaders(): void {
    const words = this.repeatWords;
    this.repeatWords = this.altWords;
    this.altWords = words;
    let v = this.repeatHead;
    this.repeatHead = this.altHead;
    this.altHead = v;
    v = this.repeatTotal;
    this.repeatTotal = this.altTotal;
    this.altTotal = v;
    v = this.repeatTopicLen;
    this.repeatTopicLen = this.altTopicLen;
    this.altTopicLen = v;
    v = this.repeatFlags;
    this.repeatFlags = this.altFlags;
    this.altFlags = v;
    v = this.repeatRemLen;
    this.repeatRemLen = this.altRemLen;
    this.altRemLen = v;
    v = this.repeatSlot;
    this.repeatSlot = this.altSlot;
    this.altSlot = v;
    this.repeatFieldsSet = false;
  }

  /**
   * next() past the repeat path: parses the packet at buf[head..fill). A method of its own, so
   * that next() declares few locals (XS sets up every local of a function on each call).
   */
  private parseNext(head: number, fill: number): number {
    const buf = this.buf;
    // §2.2.1 type and direction, §2.2.2 flags: checked as soon as the first byte is here.
    const b0 = buf[head];
    const type = b0 >>> 4;
    const flags = b0 & 0x0f;
    if (type === 0 || type === 15) return this.fail(Err.MqttBadType); // §2.2.1: reserved
    if ((this.inbound & (1 << type)) === 0) return this.fail(Err.MqttWrongDirection); // Table 2.1
    if (type === PacketType.Publish) {
      if ((flags & 0x6) === 0x6) return this.fail(Err.MqttBadFlags); // MQTT-3.3.1-4: QoS 3
      if ((flags & 0xe) === 0x8) return this.fail(Err.MqttBadFlags); // MQTT-3.3.1-2: DUP with QoS 0
    } else if (flags !== (type === PacketType.Pubrel || type === PacketType.Subscribe || type === PacketType.Unsubscribe ? 2 : 0)) {
      return this.fail(Err.MqttBadFlags); // MQTT-2.2.2-1, Table 2.2
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
      if (i === 3) return this.fail(Err.MqttBadLength);
      mul *= 128;
    }
    if (remLen > this.maxPacketBytes) return this.fail(Err.MqttTooLarge);
    // Sizes the type fixes: a wrong one is known before the body arrives.
    if (type >= PacketType.Pingreq) {
      if (remLen !== 0) return this.fail(Err.MqttLengthMismatch); // §3.12.1 – §3.14.1
    } else if (type === PacketType.Connack || (type >= PacketType.Puback && type <= PacketType.Pubcomp) || type === PacketType.Unsuback) {
      if (remLen !== 2) return this.fail(Err.MqttLengthMismatch); // §3.2.1, §3.4.1 – §3.7.1, §3.11.1
    } else if (type === PacketType.Suback) {
      if (remLen < 3) return this.fail(Err.MqttLengthMismatch); // §3.9: packet id and at least one code
    }
    const end = p + remLen;
    if (end > fill) return NEED_MORE;

    this.repeatFieldsSet = false;
    this.type = type;
    this.flags = flags;
    this.remainingLength = remLen;
    this.packetOff = head;
    this.packetEnd = end;
    let r: number;
    if (type === PacketType.Publish) {
      r = this.parsePublish(p, end, flags); // sets every PUBLISH field
    } else {
      this.packetId = 0;
      this.dup = 0;
      this.qos = 0;
      this.retain = 0;
      this.topicOff = 0;
      this.topicLen = 0;
      this.payloadOff = 0;
      this.payloadLen = 0;
      this.topicSlot = 0;
      if ((type >= PacketType.Puback && type <= PacketType.Pubcomp) || type === PacketType.Unsuback) {
        r = this.parsePacketId(p);
      } else if (type >= PacketType.Pingreq) {
        r = 0; // PINGREQ, PINGRESP, DISCONNECT: nothing after the fixed header
      } else {
        r = this.parseBody(type, p, end);
      }
    }
    if (r === 0) r = this.checkSequence(type);
    if (r !== 0) return this.fail(r);
    if (type === PacketType.Publish && this.qos === 0) this.rememberHeader(head, end);
    this.readOff = end;
    return type;
  }

  /**
   * The body of a packet type that this class does not parse (CONNACK, SUBACK on the client;
   * CONNECT, SUBSCRIBE, UNSUBSCRIBE on the server): buf[p .. end). Returns 0 after setting
   * the subclass's fields, or a negative Err code.
   */
  protected abstract parseBody(type: number, p: number, end: number): number;

  /**
   * Called for every well-formed packet before next() returns it (the fields are set):
   * returns 0 when the packet may come now, or a negative Err code. The default accepts all.
   * A subclass whose override can refuse a QoS 0 PUBLISH also sets qos0Rules, which the repeat
   * path reads instead of calling this.
   */
  protected checkSequence(_type: number): number {
    return 0;
  }

  /** §3.3.2: topic name, packet id when QoS > 0, then the payload to the end. */
  private parsePublish(p: number, end: number, flags: number): number {
    const buf = this.buf;
    const qos = (flags >>> 1) & 3;
    if (end - p < 2) return Err.MqttMalformed;
    const topicLen = (buf[p] << 8) | buf[p + 1];
    const topicOff = p + 2;
    let q = topicOff + topicLen;
    if (q + (qos !== 0 ? 2 : 0) > end) return Err.MqttMalformed;
    // MQTT-3.3.2-1, -2, §1.5.3, MQTT-4.7.3-1; skipped for a copy of a known valid topic (header comment).
    // Watched slots first (the owner's own topics), slot 0 (the last valid topic) last.
    const lens = this.slotLen;
    const order = this.slotOrder;
    const filled = this.slotOrderLen;
    let slot = -1;
    if (topicLen >= TOPIC_CACHE_MIN_BYTES) {
      const dv = this.dv;
      const last = topicOff + topicLen - 8;
      words: for (let k = 0; k < filled; k++) {
        const s = order[k];
        if (lens[s] !== topicLen) continue;
        const words = this.slotWords[s];
        let w = 0;
        for (let at = topicOff; at < last; at += 8) if (dv.getFloat64(at) !== words[w++]) continue words;
        if (dv.getFloat64(last) === words[w]) {
          slot = s;
          break;
        }
      }
    } else {
      bytes: for (let k = 0; k < filled; k++) {
        const s = order[k];
        if (lens[s] !== topicLen) continue;
        const b = this.slotBytes[s];
        for (let i = 0; i < topicLen; i++) if (buf[topicOff + i] !== b[i]) continue bytes;
        slot = s;
        break;
      }
    }
    if (slot >= 0) this.topicChecksSkipped++;
    else {
      const c = checkTopicName(buf, topicOff, topicLen);
      if (c !== 0) return c;
      if (topicLen >= TOPIC_CACHE_MIN_BYTES && topicLen <= this.topicCacheBytes) {
        fillWords(this.dv, topicOff, topicLen, this.slotWords[0]);
        if (lens[0] < 0) {
          lens[0] = topicLen;
          this.orderSlots();
        } else lens[0] = topicLen;
      }
    }
    this.topicSlot = slot > 0 ? slot : 0;
    let id = 0;
    if (qos !== 0) {
      id = (buf[q] << 8) | buf[q + 1];
      if (id === 0) return Err.MqttZeroPacketId; // MQTT-2.3.1-1
      q += 2;
    }
    this.packetId = id;
    this.dup = flags >>> 3;
    this.qos = qos;
    this.retain = flags & 1;
    this.topicOff = topicOff;
    this.topicLen = topicLen;
    this.payloadOff = q;
    this.payloadLen = end - q;
    return 0;
  }

  /** Keeps the header of the QoS 0 PUBLISH just parsed at buf[head..end) for the repeat path. */
  private rememberHeader(head: number, end: number): void {
    const rh = this.payloadOff - head;
    const topicLen = this.topicLen;
    // the topics the cache would keep (so a check is skipped only for those), in headers that fit
    if (topicLen < TOPIC_CACHE_MIN_BYTES || topicLen > this.topicCacheBytes || (rh + 7) >>> 3 > this.repeatWords.length) return;
    // a header of another topic than the remembered one's: that one becomes the alternate
    if (this.repeatHead !== 0 && this.repeatSlot !== this.topicSlot) this.swapHeaders();
    const dv = this.dv;
    const words = this.repeatWords;
    const last = head + rh - 8;
    let w = 0;
    for (let at = head; at < last; at += 8) words[w++] = dv.getFloat64(at);
    words[(rh - 1) >>> 3] = dv.getFloat64(last);
    this.repeatHead = rh;
    this.repeatTotal = end - head;
    this.repeatFlags = this.flags;
    this.repeatRemLen = this.remainingLength;
    this.repeatTopicLen = topicLen;
    this.repeatSlot = this.topicSlot;
  }

  /** A non-zero packet id at buf[p] (§2.3.1). Returns 0 or MQTT_ZERO_PACKET_ID. */
  protected parsePacketId(p: number): number {
    const id = (this.buf[p] << 8) | this.buf[p + 1];
    if (id === 0) return Err.MqttZeroPacketId; // MQTT-2.3.1-1
    this.packetId = id;
    return 0;
  }

  /**
   * Reads a u16-length-prefixed field at p that must end by end. Returns the offset after
   * it (and sets fieldOff/fieldLen), or -1 when it runs past end.
   */
  protected readField(p: number, end: number): number {
    if (p + 2 > end) return -1;
    const n = (this.buf[p] << 8) | this.buf[p + 1];
    p += 2;
    if (p + n > end) return -1;
    this.fieldOff = p;
    this.fieldLen = n;
    return p + n;
  }

  /** Reads a UTF-8 string field (§1.5.3). Returns the offset after it or a negative Err code. */
  protected readString(p: number, end: number): number {
    p = this.readField(p, end);
    if (p < 0) return Err.MqttMalformed;
    if (!isValidUtf8(this.buf, this.fieldOff, p, true)) return Err.MqttBadUtf8;
    return p;
  }
}

/** Writes bytes off..off+len of dv (len >= 8) into words as float64 words, the last one ending at off+len. */
function fillWords(dv: DataView, off: number, len: number, words: Float64Array): void {
  const last = off + len - 8;
  let k = 0;
  for (let at = off; at < last; at += 8) words[k++] = dv.getFloat64(at);
  words[k] = dv.getFloat64(last);
}
