/*
 * bytes: the shared byte helpers every codec uses.
 *
 * Theory of operation: all codecs work on caller-owned Uint8Arrays with explicit offsets.
 * Writers return the new offset or a negative error code (src/errors.ts); readers never read
 * past the `end` they are given. Nothing here allocates, except `utf8Bytes`/`asciiBytes`,
 * which are for setup code (topics, keys) and never run on the hot path.
 * Multi-byte integers here are big-endian (network order), as MQTT and CBOR use.
 */
import { Err } from "../errors";

/** Writes a big-endian u16. Returns the new offset or BUFFER_TOO_SMALL. */
export function writeU16(dst: Uint8Array, off: number, v: number): number {
  if (off + 2 > dst.length) return Err.BufferTooSmall;
  dst[off] = (v >>> 8) & 0xff;
  dst[off + 1] = v & 0xff;
  return off + 2;
}

/** Writes a big-endian u32. Returns the new offset or BUFFER_TOO_SMALL. */
export function writeU32(dst: Uint8Array, off: number, v: number): number {
  if (off + 4 > dst.length) return Err.BufferTooSmall;
  dst[off] = (v >>> 24) & 0xff;
  dst[off + 1] = (v >>> 16) & 0xff;
  dst[off + 2] = (v >>> 8) & 0xff;
  dst[off + 3] = v & 0xff;
  return off + 4;
}

/** Reads a big-endian u16 at off. The caller checks bounds. */
export function readU16(src: Uint8Array, off: number): number {
  return (src[off] << 8) | src[off + 1];
}

/** Reads a big-endian u32 at off as a non-negative number. The caller checks bounds. */
export function readU32(src: Uint8Array, off: number): number {
  return ((src[off] << 24) >>> 0) + ((src[off + 1] << 16) | (src[off + 2] << 8) | src[off + 3]);
}

/** Copies len bytes from src[srcOff..] to dst[dstOff..]. Returns the new dst offset or BUFFER_TOO_SMALL. */
export function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): number {
  if (dstOff + len > dst.length || srcOff + len > src.length) return Err.BufferTooSmall;
  if (len > 32) {
    dst.set(srcOff === 0 && len === src.length ? src : src.subarray(srcOff, srcOff + len), dstOff);
  } else {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i];
  }
  return dstOff + len;
}

/** True when a[aOff..aOff+len) equals b[bOff..bOff+len). Not constant-time; see constantTimeEqual. */
export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** Compares two byte ranges in time independent of where they differ (for MACs and proofs). */
export function constantTimeEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  let diff = 0;
  for (let i = 0; i < len; i++) diff |= a[aOff + i] ^ b[bOff + i];
  return diff === 0;
}

/** Number of bytes the UTF-8 encoding of s takes. Lone surrogates count as U+FFFD (3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes the UTF-8 encoding of s at off. Returns the new offset or BUFFER_TOO_SMALL. */
export function writeUtf8(dst: Uint8Array, off: number, s: string): number {
  if (off + utf8Length(s) > dst.length) return Err.BufferTooSmall;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      dst[off++] = c;
    } else if (c < 0x800) {
      dst[off++] = 0xc0 | (c >> 6);
      dst[off++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      dst[off++] = 0xf0 | (c >> 18);
      dst[off++] = 0x80 | ((c >> 12) & 0x3f);
      dst[off++] = 0x80 | ((c >> 6) & 0x3f);
      dst[off++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
      dst[off++] = 0xe0 | (c >> 12);
      dst[off++] = 0x80 | ((c >> 6) & 0x3f);
      dst[off++] = 0x80 | (c & 0x3f);
    }
  }
  return off;
}

/**
 * Validates UTF-8 in src[off..end) (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
 * When rejectNul is set, U+0000 is refused too (MQTT 3.1.1 §1.5.3). Returns true when valid.
 */
export function isValidUtf8(src: Uint8Array, off: number, end: number, rejectNul: boolean): boolean {
  let i = off;
  while (i < end) {
    const b = src[i];
    if (b < 0x80) {
      if (b === 0 && rejectNul) return false;
      i++;
      continue;
    }
    let need: number, min: number, cp: number;
    if ((b & 0xe0) === 0xc0) { need = 1; min = 0x80; cp = b & 0x1f; }
    else if ((b & 0xf0) === 0xe0) { need = 2; min = 0x800; cp = b & 0x0f; }
    else if ((b & 0xf8) === 0xf0) { need = 3; min = 0x10000; cp = b & 0x07; }
    else return false;
    if (i + need >= end) return false; // truncated sequence
    for (let k = 1; k <= need; k++) {
      const c = src[i + k];
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Decodes UTF-8 src[off..end) to a string. Allocates: setup and logging only, never hot. */
export function readUtf8(src: Uint8Array, off: number, end: number): string {
  let s = "";
  let i = off;
  while (i < end) {
    const b = src[i++];
    let cp: number;
    if (b < 0x80) cp = b;
    else if ((b & 0xe0) === 0xc0) cp = ((b & 0x1f) << 6) | (src[i++] & 0x3f);
    else if ((b & 0xf0) === 0xe0) cp = ((b & 0x0f) << 12) | ((src[i++] & 0x3f) << 6) | (src[i++] & 0x3f);
    else cp = ((b & 0x07) << 18) | ((src[i++] & 0x3f) << 12) | ((src[i++] & 0x3f) << 6) | (src[i++] & 0x3f);
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** UTF-8 bytes of s in a new array. Allocates: setup only. */
export function utf8Bytes(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  writeUtf8(out, 0, s);
  return out;
}

const hexDigits = "0123456789abcdef";

/** Lowercase hex of src[off..end). Allocates: logs, tests and docs only. */
export function toHex(src: Uint8Array, off = 0, end = src.length): string {
  let s = "";
  for (let i = off; i < end; i++) s += hexDigits[src[i] >> 4] + hexDigits[src[i] & 15];
  return s;
}

/** The parts one after another in a new array. Allocates: tests, tools and setup only. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Value of one hex digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  code |= 32; // lower case
  return code >= 97 && code <= 102 ? code - 87 : -1; // a-f
}

/** True when `s` is non-empty and every character is a hex digit. */
export function isHexDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

/**
 * Parses hex (whitespace ignored) into a new array. Throws on odd length or a non-hex digit:
 * tests and setup only. No RegExp, so it runs the same on every engine and on small boards.
 */
export function fromHex(hex: string): Uint8Array {
  const digits: number[] = [];
  for (let i = 0; i < hex.length; i++) {
    const code = hex.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) continue; // whitespace
    const v = hexValue(code);
    if (v < 0) throw new Error(`fromHex: not a hex digit at ${i}`);
    digits.push(v);
  }
  if (digits.length % 2 !== 0) throw new Error("fromHex: odd length");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (digits[2 * i] << 4) | digits[2 * i + 1];
  return out;
}
