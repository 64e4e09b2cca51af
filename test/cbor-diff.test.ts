/*
 * CBOR subset vs cbor-x (V8 only): 10,000 seeded random values.
 *
 * cbor-x writes plain RFC 8949 §4.2.1 preferred serialization, byte-for-byte like our writer,
 * with these options (the set documented in docs/protocol.md §Encoding):
 *   useRecords: false       plain maps, not cbor-x record extensions (tag 105 / 57344+)
 *   mapsAsObjects: true     maps decode to plain objects
 *   variableMapSize: true   shortest map heads (the default always writes a 0xb9 map16 head)
 *   tagUint8Array: false    Uint8Array as a plain byte string (the default under Node tags it 64)
 *   int64AsNumber: true     decode 0x1b / 0x3b integers to numbers, not BigInt
 * Two places where cbor-x and the subset differ by design, so the generator avoids them in
 * the byte-equality check and tests them separately below:
 *   - integers beyond the 32-bit range: cbor-x writes them as float64; we write 0x1b/0x3b
 *     (every protocol integer is u32 or i32, so frames and messages never meet this);
 *   - float32 scalars: cbor-x never writes them (useFloat32 off); it reads ours fine.
 */
import test from "ava";
import { Encoder } from "cbor-x";
import { Prng } from "../testkit/prng.ts";
import { toHex } from "../src/codec/bytes.ts";
import { CMap, diag, encodeToBytes, F32, F64, Typed, ValueDecoder, type CValue } from "./vectors/cbor.suite.ts";

export const cborxOptions = { useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, int64AsNumber: true } as const;

type TypedCtor = new (buffer: ArrayBuffer) => ArrayBufferView;
const typedCtors: ReadonlyArray<readonly [number, number, TypedCtor]> = [
  [72, 1, Int8Array],
  [69, 2, Uint16Array],
  [77, 2, Int16Array],
  [70, 4, Uint32Array],
  [78, 4, Int32Array],
  [85, 4, Float32Array],
  [86, 8, Float64Array],
];

/** The plain JS value cbor-x should write / read for a model value. */
function toJs(v: CValue): unknown {
  if (v instanceof F32 || v instanceof F64) return v.v;
  if (v instanceof Typed) {
    const ctor = typedCtors.find(([tag]) => tag === v.tag)![2];
    return new ctor(v.bytes.slice().buffer);
  }
  if (v instanceof CMap) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.entries) o[k as string] = toJs(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(toJs);
  return v;
}

function randomString(rng: Prng, maxLen: number): string {
  const n = rng.int(0, maxLen);
  let s = "";
  for (let i = 0; i < n; i++) {
    const kind = rng.int(0, 9);
    if (kind < 6) s += String.fromCharCode(rng.int(0x20, 0x7e));
    else if (kind < 8) s += String.fromCharCode(rng.int(0x80, 0x7ff));
    else if (kind < 9) s += String.fromCharCode(rng.pick([rng.int(0x800, 0xd7ff), rng.int(0xe000, 0xfffd)]));
    else s += String.fromCodePoint(rng.int(0x10000, 0x10ffff));
  }
  return s;
}

function randomLength(rng: Prng): number {
  const r = rng.float();
  if (r < 0.6) return rng.int(0, 23);
  if (r < 0.9) return rng.int(24, 300);
  if (r < 0.999) return rng.int(256, 2000);
  return rng.int(65536, 70000); // 4-byte length heads
}

/** A random model value that cbor-x writes exactly as we do (see the header). */
function randomValue(rng: Prng, depth: number, withF32: boolean): CValue {
  const k = rng.int(0, depth < 4 ? 15 : 11);
  switch (k) {
    case 0:
      return rng.int(0, 23);
    case 1:
      return rng.pick([rng.int(24, 255), rng.int(256, 65535), rng.u32()]);
    case 2:
      return -1 - rng.pick([rng.int(0, 23), rng.int(24, 255), rng.int(256, 65535), rng.u32()]);
    case 3: {
      const x = (rng.float() - 0.5) * Math.pow(10, rng.int(-10, 30));
      return Number.isInteger(x) || x === 0 ? 0.25 : new F64(x);
    }
    case 4:
      return withF32 && rng.chance(0.5) ? new F32(Math.fround((rng.float() - 0.5) * 1e6)) : new F64(rng.pick([NaN, Infinity, -Infinity, 1e300, -4.1]));
    case 5:
      return randomString(rng, rng.chance(0.9) ? 30 : 300);
    case 6:
      return rng.bytes(randomLength(rng));
    case 7: {
      const [tag, size] = rng.pick(typedCtors);
      return new Typed(tag, rng.bytes(size * rng.int(0, 40)));
    }
    case 8:
    case 9:
      return rng.chance(0.5);
    case 10:
    case 11:
      return null;
    case 12:
    case 13: {
      const n = rng.chance(0.9) ? rng.int(0, 6) : rng.int(20, 30);
      const a: CValue[] = [];
      for (let i = 0; i < n; i++) a.push(randomValue(rng, depth + 1, withF32));
      return a;
    }
    default: {
      // Text keys that are not array indices, so JS object key order is insertion order.
      const n = rng.chance(0.9) ? rng.int(0, 6) : rng.int(20, 30);
      const entries: Array<[CValue, CValue]> = [];
      const used = new Set<string>();
      for (let i = 0; i < n; i++) {
        const key = "k" + randomString(rng, 6);
        if (used.has(key) || key === "__proto__") continue;
        used.add(key);
        entries.push([key, randomValue(rng, depth + 1, withF32)]);
      }
      return new CMap(entries);
    }
  }
}

test("10,000 random values: our bytes === cbor-x bytes, and each side decodes the other", (t) => {
  const rng = new Prng(0xc0b0);
  const enc = new Encoder(cborxOptions);
  const dec = new ValueDecoder();
  let checked = 0;
  for (let i = 0; i < 10_000; i++) {
    const v = randomValue(rng, 0, false);
    const ours = encodeToBytes(v, 1 << 20);
    const theirs = Uint8Array.from(enc.encode(toJs(v)));
    if (toHex(ours) !== toHex(theirs)) {
      t.fail(`value ${i} ${diag(v).slice(0, 200)}: ours ${toHex(ours).slice(0, 200)} cbor-x ${toHex(theirs).slice(0, 200)}`);
      return;
    }
    t.deepEqual(enc.decode(ours), toJs(v), `cbor-x decodes our value ${i}`);
    const back = dec.decode(theirs);
    t.is(back === undefined ? `error ${dec.err}` : diag(back), diag(v), `we decode cbor-x's value ${i}`);
    checked++;
  }
  t.is(checked, 10_000);
});

test("cbor-x reads our float32 scalars and 64-bit integers; we read its float64 form of big integers", (t) => {
  const rng = new Prng(0xf32);
  const enc = new Encoder(cborxOptions);
  const dec = new ValueDecoder();
  for (let i = 0; i < 2_000; i++) {
    const v = randomValue(rng, 0, true);
    t.deepEqual(enc.decode(encodeToBytes(v, 1 << 20)), toJs(v));
  }
  const bigs = [4294967296, 9007199254740991, 1e12 + 7, -4294967297, -9007199254740992];
  for (let i = 0; i < 1_000; i++) bigs.push(rng.pick([1, -1]) * (4294967296 + rng.u32() * rng.int(1, 2097151)));
  for (const b of bigs) {
    const ours = encodeToBytes(b);
    t.is(ours[0], b >= 0 ? 0x1b : 0x3b, `${b}: 9-byte integer head`);
    t.is(enc.decode(ours), b, `cbor-x reads our ${b}`);
    const theirs = Uint8Array.from(enc.encode(b));
    t.is(theirs[0], 0xfb, `cbor-x writes ${b} as float64`);
    const back = dec.decode(theirs);
    t.true(back instanceof F64 && back.v === b, `we read cbor-x's ${b}`);
  }
});
