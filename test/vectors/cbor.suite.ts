/*
 * cbor.suite: the CBOR subset writer and reader (src/codec/cbor), run on V8 and on XS.
 *
 * Vectors: RFC 8949 Appendix A examples inside the subset, used both ways (encode -> hex,
 * hex -> value), plus the subset's edges and RFC 8746 typed arrays; the Appendix A examples
 * outside the subset (indefinite lengths, float16, simple values, undefined, tags, bignums)
 * must fail with CBOR_UNSUPPORTED. Every valid vector is also decoded as each truncated prefix
 * (CBOR_TRUNCATED) and with a trailing byte (CBOR_TRAILING); every writer is run against every
 * too-short buffer (BUFFER_TOO_SMALL). A seeded garbage run checks that only reader codes come
 * out and the instances stay usable (the 100,000-input runs live in test/cbor-garbage.test.ts).
 *
 * The test-side value model (F32, F64, Typed, CMap, encodeValue, ValueDecoder, diag) is
 * exported for the V8-only differential tests against cbor-x.
 */
import type { Check } from "../helpers/suite";
import { Prng } from "../../testkit/prng";
import { Err } from "../../src/errors";
import { fromHex, readUtf8, toHex } from "../../src/codec/bytes";
import { Kind, typedArrayElementBytes } from "../../src/codec/cbor/types";
import { CborReader, KEY_OTHER, keyCode } from "../../src/codec/cbor/reader";
import {
  FloatScratch,
  writeArrayHeader,
  writeBool,
  writeBytes,
  writeBytesHeader,
  writeFloat32,
  writeFloat64,
  writeInt,
  writeKey,
  writeMapHeader,
  writeNull,
  writeText,
  writeTextBytes,
  writeTypedArray,
  writeUint,
} from "../../src/codec/cbor/writer";

// ---------------------------------------------------------------------------------------
// Test-side value model: integers, F32/F64 floats, strings, bytes, typed arrays, arrays, maps
// ---------------------------------------------------------------------------------------

export class F32 {
  constructor(readonly v: number) {}
}
export class F64 {
  constructor(readonly v: number) {}
}
export class Typed {
  constructor(
    readonly tag: number,
    readonly bytes: Uint8Array,
  ) {}
}
export class CMap {
  constructor(readonly entries: Array<[CValue, CValue]>) {}
}
export type CValue = number | string | boolean | null | Uint8Array | F32 | F64 | Typed | CMap | CValue[];

/** Encodes v at dst[off]. Returns the new offset or an Err code. */
export function encodeValue(dst: Uint8Array, off: number, v: CValue, scratch: FloatScratch): number {
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? writeInt(dst, off, v) : writeFloat64(dst, off, v, scratch);
  if (typeof v === "string") return writeText(dst, off, v);
  if (typeof v === "boolean") return writeBool(dst, off, v);
  if (v === null) return writeNull(dst, off);
  if (v instanceof Uint8Array) return writeBytes(dst, off, v, 0, v.length);
  if (v instanceof F32) return writeFloat32(dst, off, v.v, scratch);
  if (v instanceof F64) return writeFloat64(dst, off, v.v, scratch);
  if (v instanceof Typed) return writeTypedArray(dst, off, v.tag, v.bytes, 0, v.bytes.length);
  if (v instanceof CMap) {
    off = writeMapHeader(dst, off, v.entries.length);
    for (const [k, x] of v.entries) {
      off = encodeValue(dst, off, k, scratch);
      off = encodeValue(dst, off, x, scratch);
    }
    return off;
  }
  off = writeArrayHeader(dst, off, v.length);
  for (const x of v) off = encodeValue(dst, off, x, scratch);
  return off;
}

/** Encodes v into a new array (sized generously). Throws on an Err code: tests only. */
export function encodeToBytes(v: CValue, size = 1 << 16): Uint8Array {
  const dst = new Uint8Array(size);
  const end = encodeValue(dst, 0, v, new FloatScratch());
  if (end < 0) throw new Error(`encodeValue failed: ${end}`);
  return dst.slice(0, end);
}

/** Decodes whole items with a CborReader into CValues; errors are reported in `err`. */
export class ValueDecoder {
  err = 0;
  readonly reader: CborReader;
  constructor(maxDepth = 16) {
    this.reader = new CborReader(maxDepth);
  }

  /** Decodes buf[off..end) as exactly one item. Returns the value, or undefined with err set. */
  decode(buf: Uint8Array, off = 0, end = buf.length): CValue | undefined {
    this.err = 0;
    this.reader.reset(buf, off, end);
    const v = this.item(0);
    if (this.err < 0) return undefined;
    const e = this.reader.finish();
    if (e < 0) {
      this.err = e;
      return undefined;
    }
    return v;
  }

  private item(depth: number): CValue {
    const r = this.reader;
    const start = r.pos;
    const k = r.next();
    if (k < 0) {
      this.err = k;
      return null;
    }
    switch (k) {
      case Kind.Uint:
      case Kind.Negint:
        return r.value;
      case Kind.Bytes:
        return r.buf.slice(r.off, r.off + r.len);
      case Kind.Text:
        return readUtf8(r.buf, r.off, r.off + r.len);
      case Kind.Typed:
        return new Typed(r.tag, r.buf.slice(r.off, r.off + r.len));
      case Kind.Float:
        // The head byte tells the width: 0xfa float32, 0xfb float64.
        return r.buf[start] === 0xfa ? new F32(r.value) : new F64(r.value);
      case Kind.Bool:
        return r.value === 1;
      case Kind.Null:
        return null;
      case Kind.Array: {
        const n = r.len;
        if (n > 0 && depth >= r.maxDepth) {
          this.err = Err.CborTooDeep; // as skip() reports it
          return null;
        }
        const out: CValue[] = [];
        for (let i = 0; i < n && this.err === 0; i++) out.push(this.item(depth + 1));
        return out;
      }
      default: {
        const n = r.len;
        if (n > 0 && depth >= r.maxDepth) {
          this.err = Err.CborTooDeep;
          return null;
        }
        const out: Array<[CValue, CValue]> = [];
        for (let i = 0; i < n && this.err === 0; i++) {
          const key = this.item(depth + 1);
          if (this.err !== 0) break;
          out.push([key, this.item(depth + 1)]);
        }
        return new CMap(out);
      }
    }
  }
}

function num(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0 && 1 / v < 0) return "-0.0";
  const s = String(v);
  return /[.e]/.test(s) ? s : s + ".0";
}

/** RFC 8949 §8 diagnostic notation, with _f32/_f64 suffixes on floats and h'..' for bytes. */
export function diag(v: CValue): string {
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : num(v) + "_f64";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (v === null) return "null";
  if (v instanceof Uint8Array) return `h'${toHex(v)}'`;
  if (v instanceof F32) return num(v.v) + "_f32";
  if (v instanceof F64) return num(v.v) + "_f64";
  if (v instanceof Typed) return `${v.tag}(h'${toHex(v.bytes)}')`;
  if (v instanceof CMap) return "{" + v.entries.map(([k, x]) => diag(k) + ": " + diag(x)).join(", ") + "}";
  return "[" + v.map(diag).join(", ") + "]";
}

// ---------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------

function arr(n: number): number[] {
  const a: number[] = [];
  for (let i = 1; i <= n; i++) a.push(i);
  return a;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/**
 * [value, hex]: RFC 8949 Appendix A examples inside the subset (used both ways), plus the
 * subset's edges. Floats carry their width: F32 / F64. The 2^53 - 1 and -2^53 edges and the
 * typed arrays are ours.
 */
export const bothWays: ReadonlyArray<readonly [CValue, string]> = [
  [0, "00"],
  [1, "01"],
  [10, "0a"],
  [23, "17"],
  [24, "1818"],
  [25, "1819"],
  [100, "1864"],
  [1000, "1903e8"],
  [1000000, "1a000f4240"],
  [1000000000000, "1b000000e8d4a51000"],
  [9007199254740991, "1b001fffffffffffff"],
  [-1, "20"],
  [-10, "29"],
  [-100, "3863"],
  [-1000, "3903e7"],
  [-9007199254740992, "3b001fffffffffffff"],
  [255, "18ff"],
  [256, "190100"],
  [65535, "19ffff"],
  [65536, "1a00010000"],
  [4294967295, "1affffffff"],
  [4294967296, "1b0000000100000000"],
  [-24, "37"],
  [-25, "3818"],
  [-256, "38ff"],
  [-257, "390100"],
  [-65537, "3a00010000"],
  [-4294967296, "3affffffff"],
  [-4294967297, "3b0000000100000000"],
  [new F64(1.1), "fb3ff199999999999a"],
  [new F32(100000.0), "fa47c35000"],
  [new F32(3.4028234663852886e38), "fa7f7fffff"],
  [new F64(1.0e300), "fb7e37e43c8800759c"],
  [new F64(-4.1), "fbc010666666666666"],
  [new F32(Infinity), "fa7f800000"],
  [new F32(NaN), "fa7fc00000"],
  [new F32(-Infinity), "faff800000"],
  [new F64(Infinity), "fb7ff0000000000000"],
  [new F64(NaN), "fb7ff8000000000000"],
  [new F64(-Infinity), "fbfff0000000000000"],
  [1.5, "fb3ff8000000000000"], // a non-integer number is a float64, as cbor-x writes it
  [false, "f4"],
  [true, "f5"],
  [null, "f6"],
  [new Uint8Array(0), "40"],
  [new Uint8Array([1, 2, 3, 4]), "4401020304"],
  ["", "60"],
  ["a", "6161"],
  ["IETF", "6449455446"],
  ['"\\', "62225c"],
  ["\u00fc", "62c3bc"],
  ["\u6c34", "63e6b0b4"],
  ["\ud800\udd51", "64f0908591"],
  [[], "80"],
  [[1, 2, 3], "83010203"],
  [[1, [2, 3], [4, 5]], "8301820203820405"],
  [arr(25), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"],
  [new CMap([]), "a0"],
  [new CMap([[1, 2], [3, 4]]), "a201020304"],
  [new CMap([["a", 1], ["b", [2, 3]]]), "a26161016162820203"],
  [["a", new CMap([["b", "c"]])], "826161a161626163"],
  [new CMap([["a", "A"], ["b", "B"], ["c", "C"], ["d", "D"], ["e", "E"]]), "a56161614161626142616361436164614461656145"],
  // RFC 8746 typed arrays: tag + little-endian bytes.
  [new Typed(85, f32Bytes([1.5])), "d855440000c03f"],
  [new Typed(77, new Uint8Array([1, 0, 0xff, 0xff])), "d84d440100ffff"],
  [new Typed(86, new Uint8Array(0)), "d85640"],
  [new Typed(72, new Uint8Array([0x80])), "d8484180"],
  ["x".repeat(24), "7818" + "78".repeat(24)],
  [new Uint8Array(256), "590100" + "00".repeat(256)],
];

/** [value as decoded, hex]: accepted by the reader but not what the writer emits. */
export const decodeOnly: ReadonlyArray<readonly [CValue, string]> = [
  [new Typed(64, new Uint8Array([1, 2])), "d840420102"], // tagged uint8: readers accept both forms
  [0, "1800"], // non-shortest heads are accepted (RFC 8949 §5.2 leaves it to the application)
  [1, "190001"],
  [2, "1a00000002"],
  [3, "1b0000000000000003"],
  ["a", "780161"],
  [new F64(1.5), "fb3ff8000000000000"],
  [new Typed(85, f32Bytes([1.5])), "d9005544 0000c03f"],
];

/** [description, hex, expected error]: outside the subset or malformed. */
export const rejected: ReadonlyArray<readonly [string, string, number]> = [
  // RFC 8949 Appendix A examples outside the subset
  ["18446744073709551615", "1bffffffffffffffff", Err.CborUnsupported],
  ["18446744073709551616 (bignum)", "c249010000000000000000", Err.CborUnsupported],
  ["-18446744073709551616", "3bffffffffffffffff", Err.CborUnsupported],
  ["-18446744073709551617 (bignum)", "c349010000000000000000", Err.CborUnsupported],
  ["-9007199254740993", "3b0020000000000000", Err.CborUnsupported],
  ["9007199254740992", "1b0020000000000000", Err.CborUnsupported],
  ["0.0 (float16)", "f90000", Err.CborUnsupported],
  ["-0.0 (float16)", "f98000", Err.CborUnsupported],
  ["1.0 (float16)", "f93c00", Err.CborUnsupported],
  ["1.5 (float16)", "f93e00", Err.CborUnsupported],
  ["65504.0 (float16)", "f97bff", Err.CborUnsupported],
  ["5.960464477539063e-8 (float16)", "f90001", Err.CborUnsupported],
  ["Infinity (float16)", "f97c00", Err.CborUnsupported],
  ["NaN (float16)", "f97e00", Err.CborUnsupported],
  ["undefined", "f7", Err.CborUnsupported],
  ["simple(16)", "f0", Err.CborUnsupported],
  ["simple(255)", "f8ff", Err.CborUnsupported],
  ['0("2013-03-21T20:04:00Z")', "c074323031332d30332d32315432303a30343a30305a", Err.CborUnsupported],
  ["1(1363896240)", "c11a514b67b0", Err.CborUnsupported],
  ["1(1363896240.5)", "c1fb41d452d9ec200000", Err.CborUnsupported],
  ["23(h'01020304')", "d74401020304", Err.CborUnsupported],
  ["24(h'6449455446')", "d818456449455446", Err.CborUnsupported],
  ['32("http://www.example.com")', "d82076687474703a2f2f7777772e6578616d706c652e636f6d", Err.CborUnsupported],
  ["(_ h'0102', h'030405')", "5f42010243030405ff", Err.CborUnsupported],
  ['(_ "strea", "ming")', "7f657374726561646d696e67ff", Err.CborUnsupported],
  ["[_ ]", "9fff", Err.CborUnsupported],
  ["[_ 1, [2, 3], [_ 4, 5]]", "9f018202039f0405ffff", Err.CborUnsupported],
  ["[_ 1, [2, 3], [4, 5]]", "9f01820203820405ff", Err.CborUnsupported],
  ["[1, [2, 3], [_ 4, 5]]", "83018202039f0405ff", Err.CborUnsupported],
  ["[1, [_ 2, 3], [4, 5]]", "83019f0203ff820405", Err.CborUnsupported],
  ["[_ 1, ..., 25]", "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", Err.CborUnsupported],
  ['{_ "a": 1, "b": [_ 2, 3]}', "bf61610161629f0203ffff", Err.CborUnsupported],
  ['["a", {_ "b": "c"}]', "826161bf61626163ff", Err.CborUnsupported],
  ['{_ "Fun": true, "Amt": -2}', "bf6346756ef563416d7421ff", Err.CborUnsupported],
  // malformed or outside the subset, ours
  ["break outside an indefinite item", "ff", Err.CborUnsupported],
  ["reserved additional info 28", "1c", Err.CborUnsupported],
  ["reserved additional info 30 on bytes", "5e", Err.CborUnsupported],
  ["simple(24) two-byte form", "f818", Err.CborUnsupported],
  ["reserved major 7 info 28", "fc", Err.CborUnsupported],
  ["text: invalid UTF-8 (c3 28)", "62c328", Err.CborType],
  ["text: overlong '/' (c0 af)", "62c0af", Err.CborType],
  ["text: surrogate (ed a0 80)", "63eda080", Err.CborType],
  ["text: truncated sequence inside the string", "61e6", Err.CborType],
  ["typed float32 array of 3 bytes", "d85543000000", Err.CborBadTypedArray],
  ["typed int16 array of 1 byte", "d84d4100", Err.CborBadTypedArray],
  ["typed array tag around an integer", "d85501", Err.CborBadTypedArray],
  ["typed array tag around text", "d8556100", Err.CborBadTypedArray],
  ["typed array tag around an indefinite byte string", "d8555fff", Err.CborUnsupported],
  ["reserved typed array tag 76", "d84c4100", Err.CborUnsupported],
  ["tag 88 (outside 64..87)", "d8584100", Err.CborUnsupported],
  ["tag 63 (outside 64..87)", "d83f4100", Err.CborUnsupported],
  ["two items", "0000", Err.CborTrailing],
  ["empty input", "", Err.CborTruncated],
  ["array count beyond the input", "9a7fffffff00", Err.CborTruncated],
  ["map count beyond the input", "bb001fffffffffffff", Err.CborTruncated],
  ["byte string length beyond the input", "5b001fffffffffffff", Err.CborTruncated],
  ["byte string length beyond 2^53 - 1", "5bffffffffffffffff00", Err.CborUnsupported],
];

/** Every reader error code: a decoder must return only these (and never throw). */
export const readerErrors: readonly number[] = [
  Err.CborTruncated,
  Err.CborUnsupported,
  Err.CborType,
  Err.CborTooDeep,
  Err.CborTrailing,
  Err.CborBadTypedArray,
];

/** Walks buf[0..len) as one item with skip() and finish(). Returns 0 or the error. */
export function walk(r: CborReader, buf: Uint8Array, len: number): number {
  r.reset(buf, 0, len);
  const e = r.skip();
  if (e < 0) return e;
  return r.finish();
}

function nested(depth: number): string {
  return "81".repeat(depth) + "00";
}

// ---------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------

export function run(check: Check): void {
  const dec = new ValueDecoder();
  const r = new CborReader();
  const scratch = new FloatScratch();

  // 1. Vectors both ways, fed whole, as every truncated prefix, and with a trailing byte.
  for (const [value, hex] of bothWays) {
    const bytes = fromHex(hex);
    const name = diag(value);
    const dst = new Uint8Array(bytes.length + 16);
    const end = encodeValue(dst, 3, value, scratch);
    check.bytes(dst.subarray(3, end < 0 ? 3 : end), bytes, `encode ${name}`);
    checkDecodes(check, dec, r, bytes, name, `decode ${hex}`);
  }
  for (const [value, hex] of decodeOnly) checkDecodes(check, dec, r, fromHex(hex), diag(value), `decode-only ${hex}`);

  // 2. Rejected inputs: the value decoder and the generic walk agree on the error.
  for (const [what, hex, err] of rejected) {
    const bytes = fromHex(hex);
    check.ok(dec.decode(bytes) === undefined, `${what}: rejected`);
    check.is(dec.err, err, `${what}: value decoder error`);
    check.is(walk(r, bytes, bytes.length), err, `${what}: skip() error`);
  }

  // 3. Nesting: maxDepth arrays deep is fine, one more is CBOR_TOO_DEEP.
  const ok16 = fromHex(nested(16));
  const deep17 = fromHex(nested(17));
  check.is(walk(r, ok16, ok16.length), 0, "16 nested arrays pass skip()");
  check.is(walk(r, deep17, deep17.length), Err.CborTooDeep, "17 nested arrays: CBOR_TOO_DEEP");
  check.is(dec.decode(deep17) === undefined ? dec.err : 0, Err.CborTooDeep, "value decoder agrees on depth");
  const r2 = new CborReader(2);
  const deepMap = fromHex("a161618182 0001"); // {"a": [[0, 1]]}: map > array > array
  check.is(walk(r2, deepMap, deepMap.length), Err.CborTooDeep, "maxDepth 2: map > array > array is too deep");
  const shallow = fromHex("83a0808100"); // [{}, [], [0]]
  check.is(walk(r2, shallow, shallow.length), 0, "maxDepth 2: [{}, [], [0]] passes (empty containers add no level)");

  // 4. Writers: every shorter buffer is BUFFER_TOO_SMALL, never a partial success.
  for (const [value, hex] of bothWays) {
    const n = hex.length / 2;
    for (let size = 0; size < n; size++) {
      const e = encodeValue(new Uint8Array(size), 0, value, scratch);
      if (e !== Err.BufferTooSmall) check.is(e, Err.BufferTooSmall, `encode ${diag(value)} into ${size} bytes`);
    }
    check.ok(true, `encode ${diag(value)}: all short buffers refused`);
  }
  writerRanges(check, scratch);

  // 5. Reader API details.
  readerApi(check);

  // 6. Seeded garbage: only our codes, no throw, pos within bounds, reader reusable.
  garbage(check, 20240611, 3000);
}

function checkDecodes(check: Check, dec: ValueDecoder, r: CborReader, bytes: Uint8Array, want: string, what: string): void {
  const v = dec.decode(bytes);
  check.is(v === undefined ? `error ${dec.err}` : diag(v), want, what);
  check.is(walk(r, bytes, bytes.length), 0, `${what}: skip() walks it`);
  check.is(r.pos, bytes.length, `${what}: skip() ends at the end`);
  let truncOk = true;
  for (let k = 0; k < bytes.length; k++) {
    const p = bytes.slice(0, k);
    if (dec.decode(p) !== undefined || dec.err !== Err.CborTruncated) {
      truncOk = false;
      check.is(dec.err, Err.CborTruncated, `${what}: prefix of ${k} bytes`);
    }
    const e = walk(r, p, k);
    if (e !== Err.CborTruncated) {
      truncOk = false;
      check.is(e, Err.CborTruncated, `${what}: skip() on prefix of ${k} bytes`);
    }
  }
  check.ok(truncOk, `${what}: every prefix is CBOR_TRUNCATED`);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  check.ok(dec.decode(longer) === undefined, `${what}: trailing byte refused`);
  check.is(dec.err, Err.CborTrailing, `${what}: trailing byte is CBOR_TRAILING`);
  check.is(walk(r, longer, longer.length), Err.CborTrailing, `${what}: skip()+finish() with a trailing byte`);
}

function writerRanges(check: Check, scratch: FloatScratch): void {
  const dst = new Uint8Array(32);
  check.is(writeUint(dst, 0, -1), Err.ValueRange, "writeUint(-1)");
  check.is(writeUint(dst, 0, 1.5), Err.ValueRange, "writeUint(1.5)");
  check.is(writeUint(dst, 0, 9007199254740992), Err.ValueRange, "writeUint(2^53)");
  check.is(writeUint(dst, 0, NaN), Err.ValueRange, "writeUint(NaN)");
  check.is(writeUint(dst, 0, Infinity), Err.ValueRange, "writeUint(Infinity)");
  check.is(writeInt(dst, 0, -9007199254740994), Err.ValueRange, "writeInt(-2^53 - 2)");
  check.is(writeInt(dst, 0, -1e300), Err.ValueRange, "writeInt(-1e300)");
  check.is(writeInt(dst, 0, -0.5), Err.ValueRange, "writeInt(-0.5)");
  check.is(writeInt(dst, 0, -9007199254740992), 9, "writeInt(-2^53) fits in 9 bytes");
  check.is(writeFloat32(dst, 0, 1.1, scratch), Err.ValueRange, "writeFloat32(1.1) would round");
  check.is(writeFloat32(dst, 0, 1e300, scratch), Err.ValueRange, "writeFloat32(1e300) would overflow");
  check.is(writeFloat32(dst, 0, 0.5, scratch), 5, "writeFloat32(0.5)");
  check.is(writeTypedArray(dst, 0, 85, new Uint8Array(3), 0, 3), Err.ValueRange, "writeTypedArray: 3 bytes of float32");
  check.is(writeTypedArray(dst, 0, 76, new Uint8Array(1), 0, 1), Err.ValueRange, "writeTypedArray: reserved tag 76");
  check.is(writeTypedArray(dst, 0, 90, new Uint8Array(1), 0, 1), Err.ValueRange, "writeTypedArray: tag 90");
  check.is(writeBytes(dst, 0, new Uint8Array(4), 2, 3), Err.ValueRange, "writeBytes: range outside src");
  check.is(writeTextBytes(dst, 0, new Uint8Array(4), -1, 2), Err.ValueRange, "writeTextBytes: negative offset");
  check.is(writeArrayHeader(dst, 0, -1), Err.ValueRange, "writeArrayHeader(-1)");
  check.is(writeMapHeader(dst, 0, 0.5), Err.ValueRange, "writeMapHeader(0.5)");
  check.is(writeBytesHeader(dst, 0, -3), Err.ValueRange, "writeBytesHeader(-3)");
  // A negative offset (an earlier error) passes through every writer.
  const e = Err.BufferTooSmall;
  check.is(writeUint(dst, e, 1), e, "writeUint passes an error through");
  check.is(writeInt(dst, e, -1), e, "writeInt passes an error through");
  check.is(writeText(dst, e, "a"), e, "writeText passes an error through");
  check.is(writeTextBytes(dst, e, dst, 0, 1), e, "writeTextBytes passes an error through");
  check.is(writeBytes(dst, e, dst, 0, 1), e, "writeBytes passes an error through");
  check.is(writeBytesHeader(dst, e, 1), e, "writeBytesHeader passes an error through");
  check.is(writeArrayHeader(dst, e, 1), e, "writeArrayHeader passes an error through");
  check.is(writeMapHeader(dst, e, 1), e, "writeMapHeader passes an error through");
  check.is(writeBool(dst, e, true), e, "writeBool passes an error through");
  check.is(writeNull(dst, e), e, "writeNull passes an error through");
  check.is(writeFloat32(dst, e, 1, scratch), e, "writeFloat32 passes an error through");
  check.is(writeFloat64(dst, e, 1, scratch), e, "writeFloat64 passes an error through");
  check.is(writeTypedArray(dst, e, 85, dst, 0, 4), e, "writeTypedArray passes an error through");
  // writeTextBytes and writeBytesHeader produce the same bytes as writeText / writeBytes.
  const a = new Uint8Array(16);
  const b = new Uint8Array(16);
  const utf8 = fromHex("e6b0b4");
  check.bytes(a.subarray(0, writeTextBytes(a, 0, utf8, 0, 3)), b.subarray(0, writeText(b, 0, "\u6c34")), "writeTextBytes === writeText");
  let o = writeBytesHeader(a, 0, 2);
  a[o] = 7;
  a[o + 1] = 8;
  check.bytes(a.subarray(0, o + 2), fromHex("420708"), "writeBytesHeader + payload");
  o = writeTypedArray(a, 0, 64, fromHex("0102"), 0, 2);
  check.bytes(a.subarray(0, o), fromHex("420102"), "uint8 typed array is an untagged byte string");
  o = writeKey(a, 0, keyCode("mfb"));
  check.bytes(a.subarray(0, o), fromHex("636d6662"), "writeKey of a 3-byte key");
  o = writeKey(a, 0, keyCode("t"));
  check.bytes(a.subarray(0, o), fromHex("6174"), "writeKey of a 1-byte key");
  check.is(writeKey(a, 0, KEY_OTHER), Err.ValueRange, "writeKey(KEY_OTHER)");
  check.is(writeKey(a, 0, 4 * 0x1000000), Err.ValueRange, "writeKey of a 4-byte code");
  check.is(writeKey(new Uint8Array(3), 0, keyCode("mfb")), Err.BufferTooSmall, "writeKey into 3 bytes");
  check.is(writeKey(a, e, keyCode("t")), e, "writeKey passes an error through");
  o = writeText(a, 0, "a\ud800b");
  check.bytes(a.subarray(0, o), fromHex("6561efbfbd62"), "lone surrogate written as U+FFFD");
}

function readerApi(check: Check): void {
  const r = new CborReader();
  // {"t": 1, "bmf": "foo", [float32 typed array, h'03']: null}
  const buf = fromHex("a3 6174 01 63626d66 63666f6f 82d85544000080bf4103 f6");
  r.reset(buf, 0, buf.length);
  check.is(r.peek(), Kind.Map, "peek sees a map");
  check.is(r.pos, 0, "peek does not consume");
  check.is(r.readArray(), Err.CborType, "readArray on a map is CBOR_TYPE");
  check.is(r.pos, 0, "a CBOR_TYPE read leaves pos unchanged");
  check.is(r.readMap(), 0, "readMap");
  check.is(r.len, 3, "map pair count");
  check.is(r.readKey(), keyCode("t"), "readKey t");
  check.is(r.readText(), Err.CborType, "readText on an integer");
  check.is(r.readUint(), 0, "readUint");
  check.is(r.value, 1, "value 1");
  check.is(r.readKey(), keyCode("bmf"), "readKey of a 3-byte key");
  check.ok(r.keyIs(fromHex("626d66")), "keyIs bmf");
  check.ok(!r.keyIs(fromHex("626d")), "keyIs: length differs");
  check.ok(!r.keyIs(fromHex("626d67")), "keyIs: bytes differ");
  check.is(r.readText(), 0, "readText");
  check.is(r.len, 3, "text length");
  check.is(r.readKey(), Err.CborType, "readKey on an array is CBOR_TYPE");
  check.is(r.skip(), 0, "skip the array key");
  check.is(r.skip(), 0, "skip the null value");
  check.is(r.finish(), 0, "finish at the end");
  // typed arrays and plain byte strings
  const ta = fromHex("82d85544000080bf4103");
  r.reset(ta, 0, ta.length);
  check.is(r.readArray(), 0, "array of typed arrays");
  check.is(r.readTypedArray(), 0, "readTypedArray tagged");
  check.is(r.tag, 85, "tag 85");
  check.is(r.off, 4, "payload offset");
  check.is(r.len, 4, "payload length");
  check.is(r.readTypedArray(), 0, "readTypedArray on a plain byte string");
  check.is(r.tag, 64, "plain byte string reads as uint8 (tag 64)");
  check.is(r.finish(), 0, "typed arrays consumed");
  // numbers
  const nums = fromHex("8320fa3fc0000001");
  r.reset(nums, 0, nums.length);
  check.is(r.readArray(), 0, "array of numbers");
  check.is(r.readUint(), Err.CborType, "readUint on -1");
  check.is(r.readNumber(), 0, "readNumber -1");
  check.is(r.value, -1, "value -1");
  check.is(r.readInt(), Err.CborType, "readInt on a float");
  check.is(r.readFloat(), 0, "readFloat");
  check.is(r.value, 1.5, "float32 1.5");
  check.is(r.readBool(), Err.CborType, "readBool on an integer");
  check.is(r.readNumber(), 0, "readNumber 1");
  check.is(r.finish(), 0, "numbers consumed");
  const misc = fromHex("83f5f6f4");
  r.reset(misc, 0, misc.length);
  check.is(r.readArray(), 0, "misc array");
  check.is(r.readBool(), 0, "readBool true");
  check.is(r.value, 1, "true is 1");
  check.is(r.readNull(), 0, "readNull");
  check.is(r.readNull(), Err.CborType, "readNull on false");
  check.is(r.readBool(), 0, "readBool false");
  check.is(r.value, 0, "false is 0");
  check.is(r.readBool(), Err.CborTruncated, "reading past the end is CBOR_TRUNCATED");
  // key codes: > 3-byte and empty keys are KEY_OTHER; the window is honoured
  const keys = fromHex("6474696d65606174");
  r.reset(keys, 0, keys.length);
  check.is(r.readKey(), KEY_OTHER, "4-byte key is KEY_OTHER");
  check.ok(r.keyIs(fromHex("74696d65")), "keyIs on a long key");
  check.is(r.readKey(), KEY_OTHER, "empty key is KEY_OTHER");
  r.reset(keys, 6, 7);
  check.is(r.readKey(), Err.CborTruncated, "reader stops at end, not at buf.length");
  r.reset(keys, 6, 100);
  check.is(r.end, keys.length, "end is clamped to buf.length");
  check.is(r.readKey(), keyCode("t"), "key in a window");
  check.ok(keyCode("t") !== KEY_OTHER && keyCode("\u0000") !== KEY_OTHER, "key codes never equal KEY_OTHER");
  check.ok(keyCode("ab") !== keyCode("ba") && keyCode("a") !== keyCode("a\u0000"), "key codes are distinct");
  // element sizes of RFC 8746 tags
  const sizes: Array<[number, number]> = [[64, 1], [65, 2], [66, 4], [67, 8], [68, 1], [69, 2], [70, 4], [71, 8], [72, 1], [73, 2], [74, 4], [75, 8], [76, 0], [77, 2], [78, 4], [79, 8], [80, 2], [81, 4], [82, 8], [83, 16], [84, 2], [85, 4], [86, 8], [87, 16], [63, 0], [88, 0]];
  for (const [tag, size] of sizes) check.is(typedArrayElementBytes(tag), size, `element size of tag ${tag}`);
}

/** Random bytes and mutated vectors through the value decoder and skip(). */
export function garbage(check: Check, seed: number, rounds: number): void {
  const rng = new Prng(seed);
  const dec = new ValueDecoder();
  const r = new CborReader();
  const seeds = bothWays.map(([, hex]) => fromHex(hex));
  const buf = new Uint8Array(64);
  let bad = 0;
  let accepted = 0;
  const codesSeen: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let n: number;
    if (rng.chance(0.5)) {
      n = rng.int(0, buf.length);
      for (let k = 0; k < n; k++) buf[k] = rng.u32() & 0xff;
    } else {
      const s = rng.pick(seeds);
      n = Math.min(s.length, buf.length);
      buf.set(s.subarray(0, n));
      const flips = rng.int(1, 3);
      for (let f = 0; f < flips && n > 0; f++) buf[rng.int(0, n - 1)] = rng.u32() & 0xff;
      if (rng.chance(0.2)) n = rng.int(0, n);
    }
    let e: number;
    try {
      dec.decode(buf, 0, n);
      e = dec.err;
      if (dec.reader.pos > n) bad++;
      const w = walk(r, buf, n);
      if (r.pos > n) bad++;
      if (w !== e && !(w === Err.CborTooDeep || e === Err.CborTooDeep)) bad++;
    } catch {
      bad++;
      continue;
    }
    if (e !== 0 && readerErrors.indexOf(e) < 0) bad++;
    if (e === 0) accepted++;
    else if (codesSeen.indexOf(e) < 0) codesSeen.push(e);
  }
  // The inputs must reach deep into the reader: valid items and most error paths.
  check.ok(accepted > rounds / 100, `garbage: some inputs are valid CBOR (${accepted})`);
  check.ok(codesSeen.length >= 5, `garbage: at least 5 distinct reader errors seen (${codesSeen.join(",")})`);
  check.is(bad, 0, `garbage: ${rounds} inputs give only reader codes, stay in bounds and agree with skip()`);
  // The same instances still work.
  const v = dec.decode(fromHex("8301820203820405"));
  check.is(v === undefined ? "error" : diag(v), "[1, [2, 3], [4, 5]]", "decoder reusable after garbage");
  const ok = fromHex("a26161016162820203");
  check.is(walk(r, ok, ok.length), 0, "reader reusable after garbage");
}
