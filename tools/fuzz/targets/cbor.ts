/*
 * fuzz target `cbor`: the CborReader (src/codec/cbor/reader.ts).
 *
 * Corpus: values written by src/codec/cbor/writer (integers at every head-size boundary,
 * float32/float64, text and byte strings around the 23/24 and 255/256 length boundaries,
 * nested arrays and maps, every typed-array tag, bools, null), plus control messages and
 * frames. Each input is read with ONE reused reader (reset first) in three ways:
 *   - a generic walk: next() over every item of every top-level item, containers by count,
 *     recording a trace (kind, value, payload offset/length relative to the start);
 *   - skip() from the start, which must agree with the walk: same error code, or the same end
 *     position (CBOR_TOO_DEEP exactly when the walk opened more than maxDepth containers);
 *   - every typed read (readUint .. readKey) at the start, each of which must agree with what
 *     next() says about the same item (success iff next() finds an accepted kind, the same
 *     value/offsets, CBOR_TYPE with pos unchanged otherwise, and next()'s error codes).
 * The walk is repeated on the input embedded at an offset in a larger buffer: same trace.
 * Failures: an exception; a kind outside Kind or an undocumented code; pos not advancing or
 * leaving [start, end]; a payload outside the input; a typed array whose length is not whole
 * elements; disagreements above; and a valid input that no longer reads after.
 */
import { CborReader, CBOR_DEFAULT_MAX_DEPTH, KEY_OTHER } from "../../../src/codec/cbor/reader";
import { Kind, TAG_UINT8, typedArrayElementBytes } from "../../../src/codec/cbor/types";
import {
  FloatScratch, writeArrayHeader, writeBool, writeBytes, writeFloat32, writeFloat64, writeInt, writeMapHeader, writeNull,
  writeText, writeTypedArray, writeUint,
} from "../../../src/codec/cbor/writer";
import { Err } from "../../../src/errors";
import { Prng } from "../../../testkit/prng";
import { CBOR_READ_ERRORS, checkError, codeText, embed, fail, inRange } from "../check";
import type { Failure, FuzzTarget, TargetInstance } from "../engine";
import { controlMessages } from "./control";
import { frameCorpus } from "./frames";

/** Our walk gives up (without failing) past this depth; deeper than the reader's own limit. */
const WALK_MAX_DEPTH = 64;
const WALK_MAX_ITEMS = 10_000;

type W = (d: Uint8Array, o: number) => number;

function build(parts: W[]): Uint8Array {
  const d = new Uint8Array(4096);
  let o = 0;
  for (const p of parts) o = p(d, o);
  if (o < 0) throw new Error(`fuzz corpus: a CBOR writer failed with ${codeText(o)}`);
  return d.slice(0, o);
}

/** CBOR values of every kind in the subset, deterministic in seed. */
export function cborValues(seed: number): Uint8Array[] {
  const rng = new Prng(seed ^ 0x63626f72);
  const fs = new FloatScratch();
  const out: Uint8Array[] = [];
  for (const v of [0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff, 0x100000000, 2 ** 53 - 1]) {
    out.push(build([(d, o) => writeUint(d, o, v)]));
    out.push(build([(d, o) => writeInt(d, o, -1 - v)]));
  }
  for (const v of [0, -0, 1.5, -2.25, Math.fround(3.4e38), NaN, Infinity]) out.push(build([(d, o) => writeFloat32(d, o, v, fs)]));
  for (const v of [0.1, -1e300, 5e-324, -Infinity]) out.push(build([(d, o) => writeFloat64(d, o, v, fs)]));
  for (const n of [0, 1, 23, 24, 255, 256]) {
    out.push(build([(d, o) => writeBytes(d, o, rng.bytes(n), 0, n)]));
    out.push(build([(d, o) => writeText(d, o, "é".repeat(n >> 1) + "a".repeat(n & 1))]));
  }
  out.push(build([(d, o) => writeText(d, o, "✓ 𝄞 ü")]));
  out.push(build([(d, o) => writeBool(d, o, true)]), build([(d, o) => writeBool(d, o, false)]), build([writeNull]));
  for (let tag = 64; tag <= 87; tag++) {
    const size = typedArrayElementBytes(tag);
    if (size === 0 || tag === TAG_UINT8) continue;
    const n = size * rng.int(1, 4);
    out.push(build([(d, o) => writeTypedArray(d, o, tag, rng.bytes(n), 0, n)]));
  }
  // Nested containers.
  out.push(build([
    (d, o) => writeArrayHeader(d, o, 3), (d, o) => writeUint(d, o, 1),
    (d, o) => writeMapHeader(d, o, 2), (d, o) => writeText(d, o, "a"), (d, o) => writeArrayHeader(d, o, 0),
    (d, o) => writeText(d, o, "bb"), (d, o) => writeMapHeader(d, o, 0), (d, o) => writeNull(d, o),
  ]));
  const deep: W[] = [];
  for (let i = 0; i < 20; i++) deep.push((d, o) => writeArrayHeader(d, o, 1));
  deep.push((d, o) => writeUint(d, o, 7));
  out.push(build(deep));
  const wide: W[] = [(d, o) => writeArrayHeader(d, o, 30)];
  for (let i = 0; i < 30; i++) wide.push((d, o) => writeInt(d, o, i * 1000 - 15000));
  out.push(build(wide));
  return out;
}

type Trace = (string | number)[];

/**
 * Walks every top-level item with next(). Returns the trace (relative offsets), the position
 * after the first top-level item (or -1), what skip() must return for the first item, whether
 * the walk gave up (too deep or too many items for it, not a failure), and a failure if the
 * reader misbehaved.
 */
function walk(r: CborReader, buf: Uint8Array, start: number, end: number): { trace: Trace; firstEnd: number; skipExpect: number; gaveUp: boolean; failure: Failure | null } {
  r.reset(buf, start, end);
  const trace: Trace = [];
  let firstEnd = -1;
  let skipExpect = 0;
  let first = true;
  const done = (failure: Failure | null, gaveUp = false) => ({ trace, firstEnd, skipExpect, gaveUp, failure });
  let items = 0;
  while (r.pos < end) {
    // One top-level item: `left` counts the items still due at each open level.
    // left.length - 1 is the number of open non-empty containers: skip()'s depth.
    const left: number[] = [1];
    while (left.length > 0) {
      if (++items > WALK_MAX_ITEMS) return done(null, true);
      const before = r.pos;
      const k = r.next();
      if (k < 0) {
        const f = checkError("CborReader.next()", k, CBOR_READ_ERRORS);
        if (f) return done(f);
        if (k === Err.CborTooDeep) return done(fail("next() returned CBOR_TOO_DEEP"));
        trace.push(`E${k}`);
        if (first && skipExpect === 0) skipExpect = k;
        return done(null);
      }
      if (!(k >= Kind.Uint && k <= Kind.Null) || !Number.isInteger(k)) return done(fail("next() returned a kind outside Kind", String(k)));
      if (!(r.pos > before && r.pos <= end)) return done(fail("next() did not advance inside the input", `pos ${before} -> ${r.pos}, end ${end}`));
      let rec: string;
      if (k === Kind.Bytes || k === Kind.Text || k === Kind.Typed) {
        const f = inRange("CBOR payload", r.off, r.len, start, r.pos);
        if (f) return done(f);
        if (r.off + r.len !== r.pos) return done(fail("CBOR payload does not end at pos"));
        if (k === Kind.Typed) {
          const size = typedArrayElementBytes(r.tag);
          if (size === 0 || r.len % size !== 0) return done(fail("typed array of a bad tag or a partial element", `tag ${r.tag} len ${r.len}`));
        }
        rec = `${k}:${r.off - start}+${r.len}${k === Kind.Typed ? "@" + r.tag : ""}`;
      } else if (k === Kind.Float) {
        rec = `${k}:${Object.is(r.value, -0) ? "-0" : String(r.value)}`;
      } else {
        if (k !== Kind.Null && !Number.isFinite(r.value)) return done(fail("CBOR integer/count is not finite", String(r.value)));
        if ((k === Kind.Uint && !(Number.isSafeInteger(r.value) && r.value >= 0)) || (k === Kind.Negint && !(Number.isSafeInteger(r.value + 1) && r.value < 0))) {
          return done(fail("CBOR integer outside the subset range", String(r.value)));
        }
        rec = `${k}:${k === Kind.Null ? "" : r.value}`;
      }
      trace.push(rec);
      left[left.length - 1]--;
      if (k === Kind.Array || k === Kind.Map) {
        const n = k === Kind.Array ? r.len : r.len * 2;
        if (r.len !== r.value) return done(fail("container len differs from value"));
        if (n > 0) {
          if (left.length - 1 >= CBOR_DEFAULT_MAX_DEPTH && first && skipExpect === 0) skipExpect = Err.CborTooDeep;
          if (left.length >= WALK_MAX_DEPTH) return done(null, true);
          left.push(n);
        }
      }
      while (left.length > 0 && left[left.length - 1] === 0) left.pop();
    }
    if (first) firstEnd = r.pos;
    first = false;
    trace.push("|");
  }
  return done(null);
}

interface TypedRead {
  name: string;
  call: (r: CborReader) => number;
  kinds: number[];
}

const TYPED_READS: TypedRead[] = [
  { name: "readUint", call: (r) => r.readUint(), kinds: [Kind.Uint] },
  { name: "readInt", call: (r) => r.readInt(), kinds: [Kind.Uint, Kind.Negint] },
  { name: "readBytes", call: (r) => r.readBytes(), kinds: [Kind.Bytes] },
  { name: "readText", call: (r) => r.readText(), kinds: [Kind.Text] },
  { name: "readArray", call: (r) => r.readArray(), kinds: [Kind.Array] },
  { name: "readMap", call: (r) => r.readMap(), kinds: [Kind.Map] },
  { name: "readBool", call: (r) => r.readBool(), kinds: [Kind.Bool] },
  { name: "readNull", call: (r) => r.readNull(), kinds: [Kind.Null] },
  { name: "readFloat", call: (r) => r.readFloat(), kinds: [Kind.Float] },
  { name: "readNumber", call: (r) => r.readNumber(), kinds: [Kind.Uint, Kind.Negint, Kind.Float] },
  { name: "readTypedArray", call: (r) => r.readTypedArray(), kinds: [Kind.Typed, Kind.Bytes] },
  { name: "readKey", call: (r) => r.readKey(), kinds: [Kind.Text] },
];

function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || (a === b);
}

/** Each typed read at start must agree with next() on the same item. */
function checkTypedReads(r: CborReader, buf: Uint8Array, start: number, end: number): Failure | null {
  r.reset(buf, start, end);
  const k = r.next();
  const nPos = r.pos, nValue = r.value, nOff = r.off, nLen = r.len, nTag = r.tag;
  for (const t of TYPED_READS) {
    r.reset(buf, start, end);
    const res = t.call(r);
    const fn = `CborReader.${t.name}()`;
    if (k < 0) {
      if (res !== k) return fail(`${fn} error differs from next()`, `${fn} ${codeText(res)}, next() ${codeText(k)}`);
      continue;
    }
    const accepted = t.kinds.includes(k);
    if (!accepted) {
      if (res !== Err.CborType) return fail(`${fn} on another kind did not return CBOR_TYPE`, `kind ${k}: ${codeText(res)}`);
      if (r.pos !== start) return fail(`${fn} moved pos on CBOR_TYPE`);
      continue;
    }
    if (t.name === "readKey") {
      if (res < 0) return fail(`${fn} failed where next() read a text`, codeText(res));
      if (nLen >= 1 && nLen <= 3 ? res <= 0 : res !== KEY_OTHER) return fail(`${fn} key code disagrees with the text length`, `len ${nLen} code ${res}`);
    } else if (res !== 0) {
      return fail(`${fn} failed where next() read an accepted kind`, `kind ${k}: ${codeText(res)}`);
    }
    if (r.pos !== nPos) return fail(`${fn} ends elsewhere than next()`, `${r.pos} vs ${nPos}`);
    if ((k === Kind.Bytes || k === Kind.Text || k === Kind.Typed) && (r.off !== nOff || r.len !== nLen)) return fail(`${fn} payload differs from next()`);
    if (t.name === "readTypedArray" && r.tag !== (k === Kind.Typed ? nTag : TAG_UINT8)) return fail(`${fn} tag differs from next()`, `${r.tag} vs ${nTag}`);
    if ((k === Kind.Uint || k === Kind.Negint || k === Kind.Float || k === Kind.Bool) && !sameNumber(r.value, nValue)) {
      return fail(`${fn} value differs from next()`, `${r.value} vs ${nValue}`);
    }
    if ((k === Kind.Array || k === Kind.Map) && r.len !== nLen) return fail(`${fn} count differs from next()`);
  }
  return null;
}

export function runCbor(r: CborReader, input: Uint8Array, rng: Prng, probe: Uint8Array): Failure | null {
  const w1 = walk(r, input, 0, input.length);
  if (w1.failure) return w1.failure;
  // skip() must agree with the walk on the first item.
  if (!w1.gaveUp || w1.skipExpect !== 0) {
    r.reset(input, 0, input.length);
    const s = r.skip();
    if (input.length === 0) {
      if (s !== Err.CborTruncated) return fail("skip() of nothing did not return CBOR_TRUNCATED", codeText(s));
    } else if (w1.skipExpect !== 0 || w1.firstEnd < 0) {
      if (s !== w1.skipExpect) return fail("skip() disagrees with next()", `skip ${codeText(s)}, walk ${codeText(w1.skipExpect)}`);
    } else {
      if (s !== 0) return fail("skip() failed on an item next() reads whole", codeText(s));
      if (r.pos !== w1.firstEnd) return fail("skip() ends elsewhere than the walk", `${r.pos} vs ${w1.firstEnd}`);
      const fin = r.finish();
      if (fin !== (r.pos === input.length ? 0 : Err.CborTrailing)) return fail("finish() is wrong about trailing bytes", codeText(fin));
    }
  }
  const f = checkTypedReads(r, input, 0, input.length);
  if (f) return f;
  // Embedded in a larger buffer: the same trace.
  const before = rng.int(1, 9);
  const big = embed(input, before, rng.bytes(rng.int(1, 16)));
  const w2 = walk(r, big, before, before + input.length);
  if (w2.failure) return w2.failure;
  if (w2.trace.join(" ") !== w1.trace.join(" ")) return fail("CborReader depends on bytes outside its range", `${w1.trace.join(" ")}\n${w2.trace.join(" ")}`);
  // The reader still reads a valid item.
  r.reset(probe, 0, probe.length);
  if (r.skip() !== 0 || r.finish() !== 0) return fail("CborReader no longer reads a valid item");
  return null;
}

export const cborTarget: FuzzTarget = {
  name: "cbor",
  description: "CborReader: generic next() walk vs skip() vs every typed read; alone and embedded",
  setup(seed: number): TargetInstance {
    const corpus = [...cborValues(seed), ...controlMessages(seed).slice(0, 8), ...frameCorpus(seed).slice(0, 4)];
    const reader = new CborReader();
    const probe = corpus[corpus.length - 1];
    return { corpus, run: (input, rng) => runCbor(reader, input, rng, probe) };
  },
};
