/*
 * mqtt/header: the fixed header every MQTT 3.1.1 packet starts with (§2.2).
 *
 * Theory of operation: byte 0 holds the packet type (high nibble) and flags (low nibble);
 * then the remaining length, the count of bytes that follow, as a little-endian base-128
 * varint of 1..4 bytes (§2.2.3). Encoders first compute the remaining length, then call
 * `writeFixedHeader`, then write the body. Reading the header is the decoder's job
 * (decoder.ts), because it must cope with a header split across reads.
 * Also here: the small field writers the packet files share (length-prefixed strings and
 * bytes, allocation-free copies, packet-id-only and header-only packets).
 */
import { Err } from "../../errors";
import { utf8Length, writeUtf8 } from "../bytes";
import { MAX_PACKET_ID, MAX_REMAINING_LENGTH_BYTES, MAX_STRING_BYTES } from "./constants";

/**
 * Bytes the remaining-length field takes for n (§2.2.3): 1 up to 127, 2 up to 16,383,
 * 3 up to 2,097,151, 4 up to 268,435,455. Returns VALUE_RANGE for negative, non-integer or
 * larger n.
 */
export function remainingLengthBytes(n: number): number {
  if (n < 128) return n >= 0 && n === Math.floor(n) ? 1 : Err.ValueRange;
  if (n < 16_384) return n === Math.floor(n) ? 2 : Err.ValueRange;
  if (n < 2_097_152) return n === Math.floor(n) ? 3 : Err.ValueRange;
  if (n <= MAX_REMAINING_LENGTH_BYTES) return n === Math.floor(n) ? 4 : Err.ValueRange;
  return Err.ValueRange;
}

/**
 * Writes byte0 and the remaining length remLen at dst[off]. Returns the offset after the
 * header, VALUE_RANGE when remLen is not 0..268,435,455, or BUFFER_TOO_SMALL when the
 * header plus remLen body bytes would not fit in dst (so callers may write the body unchecked).
 */
export function writeFixedHeader(dst: Uint8Array, off: number, byte0: number, remLen: number): number {
  const n = remainingLengthBytes(remLen);
  if (n < 0) return n;
  if (!(off >= 0) || off + 1 + n + remLen > dst.length) return Err.BufferTooSmall;
  dst[off] = byte0;
  return putRemainingLength(dst, off + 1, remLen);
}

/**
 * Writes only the remaining-length field for n at dst[off] (§2.2.3). Returns the new offset,
 * VALUE_RANGE when n is not 0..268,435,455, or BUFFER_TOO_SMALL.
 */
export function writeRemainingLength(dst: Uint8Array, off: number, n: number): number {
  const len = remainingLengthBytes(n);
  if (len < 0) return len;
  if (!(off >= 0) || off + len > dst.length) return Err.BufferTooSmall;
  return putRemainingLength(dst, off, n);
}

/** §2.2.3: seven bits per byte, least significant group first, bit 7 = "more follows". */
function putRemainingLength(dst: Uint8Array, off: number, v: number): number {
  while (v >= 128) {
    dst[off++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  dst[off++] = v;
  return off;
}

/**
 * Writes an MQTT string length prefix and the bytes of src[srcOff..srcOff+len) at dst[off]
 * without bounds checks (the caller has checked them). Returns the new offset. Copies by
 * loop unless src is passed whole, so it never allocates a view.
 */
export function writeLengthPrefixed(dst: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number): number {
  dst[off] = len >>> 8;
  dst[off + 1] = len & 0xff;
  off += 2;
  copyInto(dst, off, src, srcOff, len);
  return off + len;
}

/**
 * Copies src[srcOff..srcOff+len) to dst[dstOff..] without allocating and without bounds
 * checks (the caller has checked them). Whole-array copies and copies within one buffer use
 * the engine's memmove; other ranges copy by loop (a `subarray` view would allocate).
 */
export function copyInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len === 0) return;
  if (src === dst) {
    if (srcOff !== dstOff) dst.copyWithin(dstOff, srcOff, srcOff + len);
  } else if (srcOff === 0 && len === src.length) {
    dst.set(src, dstOff);
  } else {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i];
  }
}

/**
 * Bytes an MQTT UTF-8 string field takes for s: 2 + its UTF-8 length (§1.5.3). Returns
 * VALUE_RANGE when the UTF-8 form exceeds 65,535 bytes or s contains U+0000 (§1.5.3).
 * Setup-time helper for the non-hot encoders.
 */
export function stringFieldBytes(s: string): number {
  // Each UTF-16 unit gives at least one UTF-8 byte: refuse long strings without scanning
  // them (charCodeAt is O(index) on XS, so scans of long strings are quadratic there).
  if (s.length > MAX_STRING_BYTES) return Err.ValueRange;
  const n = utf8Length(s);
  if (n > MAX_STRING_BYTES || s.indexOf("\u0000") >= 0) return Err.ValueRange;
  return 2 + n;
}

/**
 * Writes a u16 length prefix and the UTF-8 of s at dst[off]; n is utf8Length(s). The caller
 * has checked the bounds. Returns the new offset.
 */
export function writeStringField(dst: Uint8Array, off: number, s: string, n: number): number {
  dst[off] = n >>> 8;
  dst[off + 1] = n & 0xff;
  return writeUtf8(dst, off + 2, s);
}

/**
 * Writes a packet that is only a fixed header and a packet identifier (PUBACK, PUBREC,
 * PUBREL, PUBCOMP, UNSUBACK: §3.4, §3.5, §3.6, §3.7, §3.11). packetId must be 1..65,535
 * (§2.3.1). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL.
 */
export function writeIdOnlyPacket(dst: Uint8Array, off: number, byte0: number, packetId: number): number {
  if (!(packetId >= 1 && packetId <= MAX_PACKET_ID) || (packetId | 0) !== packetId) return Err.ValueRange;
  if (off < 0 || off + 4 > dst.length) return Err.BufferTooSmall;
  dst[off] = byte0;
  dst[off + 1] = 2;
  dst[off + 2] = packetId >>> 8;
  dst[off + 3] = packetId & 0xff;
  return off + 4;
}

/** Writes a 2-byte packet with remaining length 0 (PINGREQ, PINGRESP, DISCONNECT). */
export function writeHeaderOnlyPacket(dst: Uint8Array, off: number, byte0: number): number {
  if (off < 0 || off + 2 > dst.length) return Err.BufferTooSmall;
  dst[off] = byte0;
  dst[off + 1] = 0;
  return off + 2;
}
