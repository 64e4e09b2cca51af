/*
 * cbor/writer: free functions that write the brainstem CBOR subset into caller buffers.
 *
 * Theory of operation: every function writes one item (or one item head) at dst[off] and
 * returns the offset just past it, or a negative Err code: BUFFER_TOO_SMALL when dst ends
 * first, VALUE_RANGE when the value has no encoding in the subset. A negative `off` is
 * passed through unchanged, so a run of writes can be chained and checked once at the end:
 *     off = writeMapHeader(dst, off, 2); off = writeText(dst, off, "t"); ... if (off < 0) ...
 * On error the bytes of dst from the original off onwards are unspecified.
 * Integers and lengths always use the shortest head (RFC 8949 §4.2.1 preferred
 * serialization), which is also what cbor-x writes, so both produce the same bytes.
 * Nothing here allocates. Floats go through a caller-owned FloatScratch (a DataView made
 * once), because typed-array scratch must not be module-level mutable state.
 */
import { Err } from "../../errors";
import { utf8Length, writeUtf8 } from "../bytes";
import { MAX_SAFE_UINT, TAG_UINT8, typedArrayElementBytes } from "./types";

/** An 8-byte scratch with a DataView over it, for the IEEE 754 float writers and the reader. */
export class FloatScratch {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor() {
    this.bytes = new Uint8Array(8);
    this.view = new DataView(this.bytes.buffer);
  }
}

/**
 * Writes an item head: major type (0..7) and argument v, a non-negative integer up to
 * 2^53 - 1, in the shortest form (RFC 8949 §3 and §4.2.1). The caller checks v.
 * Returns the new offset or BUFFER_TOO_SMALL.
 */
export function writeHead(dst: Uint8Array, off: number, major: number, v: number): number {
  if (off < 0) return off;
  const mt = major << 5;
  if (v < 24) {
    if (off + 1 > dst.length) return Err.BufferTooSmall;
    dst[off] = mt | v;
    return off + 1;
  }
  if (v < 0x100) {
    if (off + 2 > dst.length) return Err.BufferTooSmall;
    dst[off] = mt | 24;
    dst[off + 1] = v;
    return off + 2;
  }
  if (v < 0x10000) {
    if (off + 3 > dst.length) return Err.BufferTooSmall;
    dst[off] = mt | 25;
    dst[off + 1] = v >>> 8;
    dst[off + 2] = v & 0xff;
    return off + 3;
  }
  if (v < 0x100000000) {
    if (off + 5 > dst.length) return Err.BufferTooSmall;
    dst[off] = mt | 26;
    dst[off + 1] = v >>> 24;
    dst[off + 2] = (v >>> 16) & 0xff;
    dst[off + 3] = (v >>> 8) & 0xff;
    dst[off + 4] = v & 0xff;
    return off + 5;
  }
  if (off + 9 > dst.length) return Err.BufferTooSmall;
  const hi = Math.floor(v / 0x100000000);
  const lo = v - hi * 0x100000000;
  dst[off] = mt | 27;
  dst[off + 1] = hi >>> 24;
  dst[off + 2] = (hi >>> 16) & 0xff;
  dst[off + 3] = (hi >>> 8) & 0xff;
  dst[off + 4] = hi & 0xff;
  dst[off + 5] = lo >>> 24;
  dst[off + 6] = (lo >>> 16) & 0xff;
  dst[off + 7] = (lo >>> 8) & 0xff;
  dst[off + 8] = lo & 0xff;
  return off + 9;
}

/** True when v is an integer in 0 .. 2^53 - 1. */
function isUint(v: number): boolean {
  return (v >>> 0) === v || (v >= 0 && v <= MAX_SAFE_UINT && Math.floor(v) === v);
}

/**
 * Writes an unsigned integer 0 .. 2^53 - 1 (major type 0, RFC 8949 §3.1).
 * Returns the new offset, VALUE_RANGE (negative, fractional, too large) or BUFFER_TOO_SMALL.
 */
export function writeUint(dst: Uint8Array, off: number, v: number): number {
  if (off < 0) return off;
  if (!isUint(v)) return Err.ValueRange;
  return writeHead(dst, off, 0, v);
}

/**
 * Writes an integer -2^53 .. 2^53 - 1: major type 0 when v >= 0, else major type 1 with
 * argument -1 - v (RFC 8949 §3.1). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL.
 */
export function writeInt(dst: Uint8Array, off: number, v: number): number {
  if (off < 0) return off;
  if (v >= 0) return writeUint(dst, off, v);
  const arg = -1 - v;
  if (!isUint(arg)) return Err.ValueRange;
  return writeHead(dst, off, 1, arg);
}

/** Writes a byte-string head for len bytes (major type 2). The caller writes the bytes. */
export function writeBytesHeader(dst: Uint8Array, off: number, len: number): number {
  if (off < 0) return off;
  if (!isUint(len)) return Err.ValueRange;
  return writeHead(dst, off, 2, len);
}

/**
 * Writes src[srcOff..srcOff+len) as a byte string (major type 2). Returns the new offset,
 * VALUE_RANGE (the range is outside src) or BUFFER_TOO_SMALL.
 */
export function writeBytes(dst: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number): number {
  if (off < 0) return off;
  if (!(srcOff >= 0 && len >= 0 && srcOff + len <= src.length) || (len | 0) !== len || (srcOff | 0) !== srcOff) return Err.ValueRange;
  off = writeHead(dst, off, 2, len);
  if (off < 0) return off;
  if (off + len > dst.length) return Err.BufferTooSmall;
  if (len > 16 && srcOff === 0 && len === src.length) {
    dst.set(src, off); // whole-array copy: native and allocation-free
  } else {
    for (let i = 0; i < len; i++) dst[off + i] = src[srcOff + i];
  }
  return off + len;
}

/**
 * Writes s as a text string (major type 3) in UTF-8; lone surrogates become U+FFFD.
 * Returns the new offset or BUFFER_TOO_SMALL. Creates no objects on V8, but XS boxes the
 * string on each character access: keep it off paths that must not allocate on XS (use
 * writeTextBytes with bytes made at setup, or writeKey for keys).
 */
export function writeText(dst: Uint8Array, off: number, s: string): number {
  if (off < 0) return off;
  const len = utf8Length(s);
  off = writeHead(dst, off, 3, len);
  if (off < 0) return off;
  return writeUtf8(dst, off, s);
}

/**
 * Writes a 1..3 byte text key given as its keyCode (cbor/reader.ts: length * 2^24 + bytes,
 * first byte lowest). No string is touched: on XS every method call on a primitive string
 * boxes it, so encoders that run while Active write keys from numeric constants.
 * Returns the new offset, VALUE_RANGE (not a key code) or BUFFER_TOO_SMALL.
 */
export function writeKey(dst: Uint8Array, off: number, code: number): number {
  if (off < 0) return off;
  const len = Math.floor(code / 0x1000000);
  if (len < 1 || len > 3) return Err.ValueRange;
  if (off + 1 + len > dst.length) return Err.BufferTooSmall;
  dst[off] = 0x60 | len; // RFC 8949 §3.1 major type 3
  dst[off + 1] = code & 0xff;
  if (len > 1) dst[off + 2] = (code >>> 8) & 0xff;
  if (len > 2) dst[off + 3] = (code >>> 16) & 0xff;
  return off + 1 + len;
}

/**
 * Writes utf8[utf8Off..utf8Off+len) as a text string (major type 3). The bytes must already
 * be valid UTF-8 (e.g. made once at setup with utf8Bytes); they are not checked here.
 * Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL.
 */
export function writeTextBytes(dst: Uint8Array, off: number, utf8: Uint8Array, utf8Off: number, len: number): number {
  if (off < 0) return off;
  if (!(utf8Off >= 0 && len >= 0 && utf8Off + len <= utf8.length) || (len | 0) !== len || (utf8Off | 0) !== utf8Off) return Err.ValueRange;
  off = writeHead(dst, off, 3, len);
  if (off < 0) return off;
  if (off + len > dst.length) return Err.BufferTooSmall;
  for (let i = 0; i < len; i++) dst[off + i] = utf8[utf8Off + i];
  return off + len;
}

/** Writes an array head for n items (major type 4). The caller writes the items. */
export function writeArrayHeader(dst: Uint8Array, off: number, n: number): number {
  if (off < 0) return off;
  if (!isUint(n)) return Err.ValueRange;
  return writeHead(dst, off, 4, n);
}

/** Writes a map head for n key/value pairs (major type 5). The caller writes 2n items. */
export function writeMapHeader(dst: Uint8Array, off: number, n: number): number {
  if (off < 0) return off;
  if (!isUint(n)) return Err.ValueRange;
  return writeHead(dst, off, 5, n);
}

/** Writes false (0xf4) or true (0xf5), RFC 8949 §3.3. */
export function writeBool(dst: Uint8Array, off: number, v: boolean): number {
  if (off < 0) return off;
  if (off + 1 > dst.length) return Err.BufferTooSmall;
  dst[off] = v ? 0xf5 : 0xf4;
  return off + 1;
}

/** Writes null (0xf6), RFC 8949 §3.3. */
export function writeNull(dst: Uint8Array, off: number): number {
  if (off < 0) return off;
  if (off + 1 > dst.length) return Err.BufferTooSmall;
  dst[off] = 0xf6;
  return off + 1;
}

/**
 * Writes v as a float32 (0xfa + 4 bytes big-endian, RFC 8949 §3.3). v must be exactly
 * representable in binary32 (Math.fround(v) === v) or NaN, else VALUE_RANGE: this writer never
 * rounds silently. Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL.
 */
export function writeFloat32(dst: Uint8Array, off: number, v: number, scratch: FloatScratch): number {
  if (off < 0) return off;
  if (Math.fround(v) !== v && v === v) return Err.ValueRange;
  if (off + 5 > dst.length) return Err.BufferTooSmall;
  scratch.view.setFloat32(0, v); // DataView default is big-endian, as CBOR wants
  const b = scratch.bytes;
  dst[off] = 0xfa;
  dst[off + 1] = b[0];
  dst[off + 2] = b[1];
  dst[off + 3] = b[2];
  dst[off + 4] = b[3];
  return off + 5;
}

/** Writes v as a float64 (0xfb + 8 bytes big-endian, RFC 8949 §3.3). Returns the new offset or BUFFER_TOO_SMALL. */
export function writeFloat64(dst: Uint8Array, off: number, v: number, scratch: FloatScratch): number {
  if (off < 0) return off;
  if (off + 9 > dst.length) return Err.BufferTooSmall;
  scratch.view.setFloat64(0, v);
  const b = scratch.bytes;
  dst[off] = 0xfb;
  for (let i = 0; i < 8; i++) dst[off + 1 + i] = b[i];
  return off + 9;
}

/**
 * Writes an RFC 8746 typed array: tag(elementTag) + byte string of bytes[bytesOff..+bytesLen),
 * whose bytes are already in the tag's byte order (brainstem uses the little-endian tags and
 * little-endian hosts, so a byte view over the host typed array is written as is).
 * uint8 (tag 64) is written as a plain untagged byte string, as cbor-x does (protocol.md §Frames).
 * Returns the new offset, VALUE_RANGE (unknown tag, length not a whole number of elements,
 * range outside bytes) or BUFFER_TOO_SMALL.
 */
export function writeTypedArray(dst: Uint8Array, off: number, elementTag: number, bytes: Uint8Array, bytesOff: number, bytesLen: number): number {
  if (off < 0) return off;
  if (elementTag === TAG_UINT8) return writeBytes(dst, off, bytes, bytesOff, bytesLen);
  const size = typedArrayElementBytes(elementTag);
  if (size === 0 || bytesLen % size !== 0) return Err.ValueRange;
  off = writeHead(dst, off, 6, elementTag); // RFC 8746 §2: tag 64..87 is always 0xd8 nn
  return writeBytes(dst, off, bytes, bytesOff, bytesLen);
}
