/*
 * mqtt/subscribe: SUBSCRIBE (§3.8) and UNSUBSCRIBE (§3.10) encoders. Their answers, SUBACK and
 * UNSUBACK, only a server sends: testkit/mqtt-server-codec.ts encodes them.
 *
 * Theory of operation: subscriptions are made at setup and after each reconnect, not per
 * frame, so SUBSCRIBE and UNSUBSCRIBE take arrays of plain strings. Each encoder measures
 * all fields first, writes the fixed header (which checks that the whole packet fits), then
 * writes the packet id and the list, validating every topic filter in place (§4.7.1).
 * Both return the offset after the packet or a negative Err code; on error the bytes of dst
 * are unspecified.
 */
import { Err } from "../../errors";
import { FLAGS_RESERVED_0010, MAX_PACKET_ID, PacketType } from "./constants";
import { stringFieldBytes, writeFixedHeader, writeStringField } from "./header";
import { checkTopicFilter } from "./topic";

/** One requested subscription: a topic filter (may hold '+' and '#') and its maximum QoS. */
export interface SubscribeFilter {
  filter: string;
  qos: 0 | 1 | 2;
}

function badPacketId(packetId: number): boolean {
  return !(packetId >= 1 && packetId <= MAX_PACKET_ID) || (packetId | 0) !== packetId;
}

/**
 * Encodes a SUBSCRIBE (§3.8; fixed-header flags 0010) at dst[off] with one or more filters.
 * Returns the new offset, or VALUE_RANGE (packet id not 1..65,535, empty list (§3.8.3-3),
 * QoS not 0..2, a filter that is empty, over 65,535 bytes, holds U+0000 or misuses a
 * wildcard (§4.7.1)), or BUFFER_TOO_SMALL.
 */
export function encodeSubscribe(dst: Uint8Array, off: number, packetId: number, filters: ReadonlyArray<SubscribeFilter>): number {
  if (badPacketId(packetId) || filters.length === 0) return Err.ValueRange;
  let remLen = 2;
  for (let i = 0; i < filters.length; i++) {
    const q = filters[i].qos;
    if (q !== 0 && q !== 1 && q !== 2) return Err.ValueRange; // §3.8.3-4
    const n = stringFieldBytes(filters[i].filter);
    if (n < 0) return n;
    remLen += n + 1;
  }
  let p = writeFixedHeader(dst, off, (PacketType.Subscribe << 4) | FLAGS_RESERVED_0010, remLen); // §3.8.1
  if (p < 0) return p;
  dst[p++] = packetId >>> 8; // §3.8.2
  dst[p++] = packetId & 0xff;
  for (let i = 0; i < filters.length; i++) {
    const start = p + 2;
    const f = filters[i].filter;
    p = writeStringField(dst, p, f, stringFieldBytes(f) - 2);
    if (checkTopicFilter(dst, start, p - start) !== 0) return Err.ValueRange;
    dst[p++] = filters[i].qos; // §3.8.3.1 requested QoS, bits 7-2 reserved 0
  }
  return p;
}

/**
 * Encodes an UNSUBSCRIBE (§3.10; fixed-header flags 0010) at dst[off] with one or more
 * filters. Returns the new offset, VALUE_RANGE (as for encodeSubscribe; empty list:
 * §3.10.3-2) or BUFFER_TOO_SMALL.
 */
export function encodeUnsubscribe(dst: Uint8Array, off: number, packetId: number, filters: ReadonlyArray<string>): number {
  if (badPacketId(packetId) || filters.length === 0) return Err.ValueRange;
  let remLen = 2;
  for (let i = 0; i < filters.length; i++) {
    const n = stringFieldBytes(filters[i]);
    if (n < 0) return n;
    remLen += n;
  }
  let p = writeFixedHeader(dst, off, (PacketType.Unsubscribe << 4) | FLAGS_RESERVED_0010, remLen); // §3.10.1
  if (p < 0) return p;
  dst[p++] = packetId >>> 8; // §3.10.2
  dst[p++] = packetId & 0xff;
  for (let i = 0; i < filters.length; i++) {
    const start = p + 2;
    const f = filters[i];
    p = writeStringField(dst, p, f, stringFieldBytes(f) - 2);
    if (checkTopicFilter(dst, start, p - start) !== 0) return Err.ValueRange;
  }
  return p;
}
