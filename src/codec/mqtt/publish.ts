/*
 * mqtt/publish: PUBLISH (§3.3) and PUBACK (§3.4) encoders.
 *
 * Theory of operation: PUBLISH is the hot path (one per sensor frame), so it takes the
 * topic pre-encoded as UTF-8 bytes and the payload as a byte range, never allocates, and
 * makes no per-byte checks of the topic: validate the topic once at setup with
 * `checkTopicName` (topic.ts). Two ways to build one:
 *   - `encodePublish` writes header, topic, packet id and then copies the payload;
 *   - `encodePublishHeaderBefore` is zero-copy: the caller has already written the payload
 *     into dst at payloadStart (leaving `publishHeaderMaxBytes(topicLen)` bytes free before
 *     it), and the header is written so that it ends exactly at payloadStart. The packet is
 *     then dst[headerStart .. payloadStart + payloadLen).
 * Only QoS 0 and 1 are sent by this client, so of the acknowledgements it needs only PUBACK,
 * a 4-byte packet (fixed header + packet id); the QoS 2 ones are in testkit/mqtt-server-codec.ts.
 * All return an offset (or the header start) on success and a negative Err code on error;
 * on error the bytes of dst are unspecified.
 */
import { Err } from "../../errors";
import { MAX_FIXED_HEADER_BYTES, MAX_PACKET_ID, MAX_REMAINING_LENGTH_BYTES, MAX_STRING_BYTES, PacketType } from "./constants";
import { copyInto, writeIdOnlyPacket } from "./header";

/**
 * Most bytes that the fixed header, topic and packet id of a PUBLISH with a topicLen-byte
 * topic can take: reserve this much before the payload for `encodePublishHeaderBefore`.
 */
export function publishHeaderMaxBytes(topicLen: number): number {
  return MAX_FIXED_HEADER_BYTES + 2 + topicLen + 2;
}

/**
 * Total size in bytes of a PUBLISH with this topic length, payload length and QoS, or
 * VALUE_RANGE when the remaining length would exceed 268,435,455 (§2.2.3).
 */
export function publishPacketBytes(topicLen: number, payloadLen: number, qos: number): number {
  const remLen = 2 + topicLen + (qos > 0 ? 2 : 0) + payloadLen;
  if (remLen > MAX_REMAINING_LENGTH_BYTES) return Err.ValueRange;
  return 1 + (remLen < 128 ? 1 : remLen < 16_384 ? 2 : remLen < 2_097_152 ? 3 : 4) + remLen;
}

/**
 * Checks the PUBLISH arguments shared by both encoders and returns the remaining length,
 * or VALUE_RANGE / TOPIC_TOO_LONG.
 */
function publishRemainingLength(topic: Uint8Array, topicLen: number, payloadLen: number, qos: number, packetId: number, dup: boolean): number {
  if (qos !== 0 && qos !== 1) return Err.ValueRange; // this client sends QoS 0 and 1 only
  if (topicLen > MAX_STRING_BYTES) return Err.TopicTooLong; // §1.5.3: u16 length prefix
  if (!(topicLen >= 1 && topicLen <= topic.length) || (topicLen | 0) !== topicLen) return Err.ValueRange; // §4.7.3
  if (qos === 1) {
    if (!(packetId >= 1 && packetId <= MAX_PACKET_ID) || (packetId | 0) !== packetId) return Err.ValueRange; // §2.3.1
  } else if (dup) {
    return Err.ValueRange; // §3.3.1-2: DUP is 0 for QoS 0
  }
  if (!(payloadLen >= 0) || (payloadLen | 0) !== payloadLen) return Err.ValueRange;
  const remLen = 2 + topicLen + (qos << 1) + payloadLen;
  if (remLen > MAX_REMAINING_LENGTH_BYTES) return Err.ValueRange; // §2.2.3
  return remLen;
}

/**
 * Writes fixed header, topic and (QoS 1) packet id at dst[p]; the caller checked bounds.
 * Returns the offset where the payload goes.
 */
function writePublishHead(dst: Uint8Array, p: number, remLen: number, topic: Uint8Array, topicLen: number, qos: number, packetId: number, retain: boolean, dup: boolean): number {
  // §3.3.1: type 3, DUP bit 3, QoS bits 2-1, RETAIN bit 0.
  dst[p++] = (PacketType.Publish << 4) | (dup ? 0x8 : 0) | (qos << 1) | (retain ? 1 : 0);
  // §2.2.3 remaining length.
  let v = remLen;
  while (v >= 128) {
    dst[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  dst[p++] = v;
  // §3.3.2.1 topic name: u16 length + UTF-8 bytes.
  dst[p++] = topicLen >>> 8;
  dst[p++] = topicLen & 0xff;
  if (topicLen === topic.length) {
    dst.set(topic, p);
  } else {
    for (let i = 0; i < topicLen; i++) dst[p + i] = topic[i];
  }
  p += topicLen;
  if (qos !== 0) {
    // §3.3.2.2 packet identifier, QoS 1 and 2 only.
    dst[p++] = packetId >>> 8;
    dst[p++] = packetId & 0xff;
  }
  return p;
}

/**
 * Encodes a PUBLISH (§3.3) at dst[off]: topic[0..topicLen) is the UTF-8 topic name,
 * payload[payloadOff..payloadOff+payloadLen) the application message. qos is 0 or 1;
 * packetId (1..65,535) is written for QoS 1 only; dup must be false for QoS 0 (§3.3.1-2).
 * The payload is copied with `set` when passed whole (payloadOff 0, payloadLen its length),
 * with `copyWithin` when it already lies in dst, by loop otherwise (no view is allocated).
 * Returns the offset after the packet, or: TOPIC_TOO_LONG (topicLen > 65,535), VALUE_RANGE
 * (bad qos, topicLen, packet id, payload range, dup with QoS 0, packet over 256 MB),
 * BUFFER_TOO_SMALL.
 */
export function encodePublish(
  dst: Uint8Array,
  off: number,
  topic: Uint8Array,
  topicLen: number,
  payload: Uint8Array,
  payloadOff: number,
  payloadLen: number,
  qos: 0 | 1,
  packetId: number,
  retain: boolean,
  dup: boolean,
): number {
  const remLen = publishRemainingLength(topic, topicLen, payloadLen, qos, packetId, dup);
  if (remLen < 0) return remLen;
  if (!(payloadOff >= 0) || (payloadOff | 0) !== payloadOff || payloadOff + payloadLen > payload.length) return Err.ValueRange;
  const total = 1 + (remLen < 128 ? 1 : remLen < 16_384 ? 2 : remLen < 2_097_152 ? 3 : 4) + remLen;
  if (!(off >= 0) || off + total > dst.length) return Err.BufferTooSmall;
  const p = writePublishHead(dst, off, remLen, topic, topicLen, qos, packetId, retain, dup);
  copyInto(dst, p, payload, payloadOff, payloadLen);
  return p + payloadLen;
}

/**
 * Zero-copy PUBLISH: the payload already lies in dst[payloadStart .. payloadStart+payloadLen);
 * writes the fixed header, topic and (QoS 1) packet id so that they end exactly at
 * payloadStart. Arguments as for `encodePublish`.
 * Returns headerStart (the packet is dst[headerStart .. payloadStart+payloadLen)), or:
 * BUFFER_TOO_SMALL when the header does not fit before payloadStart (reserve
 * `publishHeaderMaxBytes(topicLen)`), TOPIC_TOO_LONG, VALUE_RANGE (as encodePublish, or a
 * payload range outside dst).
 */
export function encodePublishHeaderBefore(
  dst: Uint8Array,
  payloadStart: number,
  payloadLen: number,
  topic: Uint8Array,
  topicLen: number,
  qos: 0 | 1,
  packetId: number,
  retain: boolean,
  dup: boolean,
): number {
  const remLen = publishRemainingLength(topic, topicLen, payloadLen, qos, packetId, dup);
  if (remLen < 0) return remLen;
  if (!(payloadStart >= 0) || (payloadStart | 0) !== payloadStart || payloadStart + payloadLen > dst.length) return Err.ValueRange;
  const headLen = 1 + (remLen < 128 ? 1 : remLen < 16_384 ? 2 : remLen < 2_097_152 ? 3 : 4) + remLen - payloadLen;
  const start = payloadStart - headLen;
  if (start < 0) return Err.BufferTooSmall;
  writePublishHead(dst, start, remLen, topic, topicLen, qos, packetId, retain, dup);
  return start;
}

/**
 * The topic name field of a PUBLISH (§3.3.2.1: u16 length, then the topic's bytes) for
 * topic[0..topicLen), made once per topic for `encodeQos0HeaderBefore`. Returns the field, or
 * TOPIC_TOO_LONG / VALUE_RANGE as encodePublish. Allocates: setup-time work.
 */
export function topicNameField(topic: Uint8Array, topicLen: number): Uint8Array | number {
  const r = publishRemainingLength(topic, topicLen, 0, 0, 0, false);
  if (r < 0) return r;
  const field = new Uint8Array(2 + topicLen);
  field[0] = topicLen >>> 8;
  field[1] = topicLen & 0xff;
  copyInto(field, 2, topic, 0, topicLen);
  return field;
}

/**
 * `encodePublishHeaderBefore` for the packets sent most: QoS 0, no DUP or RETAIN, to a topic
 * whose name field was made (and checked) once by `topicNameField`. Per packet: the fixed
 * header's bytes and one native copy of the field. Returns headerStart, BUFFER_TOO_SMALL or
 * VALUE_RANGE (no topic in the field, payload range outside dst, packet over 256 MB).
 */
export function encodeQos0HeaderBefore(dst: Uint8Array, payloadStart: number, payloadLen: number, topicField: Uint8Array): number {
  const fieldLen = topicField.length;
  const remLen = fieldLen + payloadLen;
  if (fieldLen < 3 || !(payloadLen >= 0 && payloadStart >= 0) || payloadStart + payloadLen > dst.length || remLen > MAX_REMAINING_LENGTH_BYTES) return Err.ValueRange;
  let p = payloadStart - fieldLen - (remLen < 128 ? 2 : remLen < 16_384 ? 3 : remLen < 2_097_152 ? 4 : 5);
  if (p < 0) return Err.BufferTooSmall;
  const start = p;
  dst[p++] = PacketType.Publish << 4; // §3.3.1: QoS 0, no DUP, no RETAIN
  let v = remLen; // §2.2.3
  while (v >= 128) {
    dst[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  dst[p++] = v;
  dst.set(topicField, p);
  return start;
}

/** Encodes a PUBACK (§3.4) for packetId 1..65,535. Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL. */
export function encodePuback(dst: Uint8Array, off: number, packetId: number): number {
  return writeIdOnlyPacket(dst, off, PacketType.Puback << 4, packetId);
}
