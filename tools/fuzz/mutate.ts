/*
 * fuzz/mutate: a seeded, format-agnostic byte mutator.
 *
 * Theory of operation: `mutate` picks a corpus entry and applies 1..4 stacked mutations, each
 * chosen by the Prng: bit flips; byte replacements with interesting values (0x00, 0xff, 0x7f,
 * 0x80, and 0x17..0x1b, the CBOR additional-info boundaries); a CBOR head boundary (keep the
 * major type, set the additional info to 23..27 or 31); insertion of random or interesting
 * bytes; deletion of a range; truncation; duplication of a slice; splicing with another corpus
 * entry (a prefix of one, a suffix of the other); concatenation with another entry (streams);
 * length-field corruption (a 1-, 2- or 4-byte big-endian value, or an MQTT variable-length
 * integer, from a table of boundary lengths, written over a random position); and, rarely, pure
 * random bytes. Everything is a function of the Prng state, so an input is reproducible from
 * its seed. Random chunking of the result is the consumer's business (`chunks`).
 */
import type { Prng } from "../../testkit/prng";

/** Bytes worth trying anywhere: zero, all ones, sign boundaries and CBOR length boundaries. */
export const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x01, 0xfe, 0x1f, 0x20, 0x40, 0xc0] as const;

/** Length values worth writing over a length field. */
const INTERESTING_LENGTHS = [0, 1, 2, 3, 4, 15, 16, 17, 23, 24, 127, 128, 255, 256, 1023, 4096, 16383, 16384, 65535, 65536, 0x7fffffff, 0xffffffff] as const;

/** Inputs never grow past this many bytes. */
export const MAX_INPUT_BYTES = 4096;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(Math.min(n, MAX_INPUT_BYTES));
  let off = 0;
  for (const p of parts) {
    const take = Math.min(p.length, out.length - off);
    out.set(p.subarray(0, take), off);
    off += take;
  }
  return out;
}

function writeBE(dst: Uint8Array, at: number, v: number, width: number): void {
  for (let i = width - 1; i >= 0; i--) {
    if (at + i < dst.length) dst[at + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

/** One mutation of base (a fresh array; base is not modified). */
export function mutateOnce(rng: Prng, base: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  const len = base.length;
  const at = () => rng.int(0, Math.max(0, len - 1));
  switch (rng.int(0, 13)) {
    case 0: { // bit flips
      const out = base.slice();
      const flips = rng.int(1, 4);
      for (let i = 0; i < flips && len > 0; i++) out[at()] ^= 1 << rng.int(0, 7);
      return out;
    }
    case 1: { // interesting byte replacement
      const out = base.slice();
      if (len > 0) out[at()] = rng.pick(INTERESTING_BYTES);
      return out;
    }
    case 2: { // CBOR head boundary: same major type, additional info 23..27 or 31
      const out = base.slice();
      if (len > 0) {
        const i = at();
        out[i] = (out[i] & 0xe0) | rng.pick([23, 24, 25, 26, 27, 28, 31]);
      }
      return out;
    }
    case 3: { // insertion of random or interesting bytes
      const i = rng.int(0, len);
      const n = rng.int(1, 8);
      const ins = new Uint8Array(n);
      for (let k = 0; k < n; k++) ins[k] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(0, 255);
      return concat([base.subarray(0, i), ins, base.subarray(i)]);
    }
    case 4: { // deletion of a range
      if (len === 0) return base.slice();
      const i = at();
      const n = rng.int(1, Math.min(16, len - i));
      return concat([base.subarray(0, i), base.subarray(i + n)]);
    }
    case 5: // truncation
      return base.slice(0, rng.int(0, Math.max(0, len - 1)));
    case 6: { // duplication of a slice, inserted elsewhere
      if (len === 0) return base.slice();
      const i = at();
      const n = rng.int(1, Math.min(32, len - i));
      const j = rng.int(0, len);
      return concat([base.subarray(0, j), base.subarray(i, i + n), base.subarray(j)]);
    }
    case 7: { // splice: a prefix of base and a suffix of another entry
      const other = rng.pick(corpus);
      return concat([base.subarray(0, rng.int(0, len)), other.subarray(rng.int(0, other.length))]);
    }
    case 8: // concatenation with another entry (a stream of two items)
      return concat([base, rng.pick(corpus)]);
    case 9: { // length-field corruption: 1, 2 or 4 bytes big-endian
      const out = base.slice();
      if (len > 0) {
        const width = rng.pick([1, 2, 4]);
        let v: number = rng.pick(INTERESTING_LENGTHS);
        if (rng.chance(0.3)) v = len + rng.int(-2, 2);
        writeBE(out, at(), Math.max(0, v), width);
      }
      return out;
    }
    case 10: { // MQTT variable-length integer (§2.2.3) over byte 1.., 1..5 bytes
      const v = rng.chance(0.5) ? rng.pick(INTERESTING_LENGTHS) : Math.max(0, len - 2 + rng.int(-2, 2));
      const enc: number[] = [];
      let x = Math.min(v, 0xfffffff);
      do {
        let b = x % 128;
        x = Math.floor(x / 128);
        if (x > 0) b |= 0x80;
        enc.push(b);
      } while (x > 0);
      if (rng.chance(0.2)) enc.splice(enc.length - 1, 1, enc[enc.length - 1] | 0x80, 0x80, 0x00); // over-long
      const i = len > 1 ? rng.int(1, Math.min(len - 1, 5)) : 0;
      const skip = rng.int(0, 4);
      return concat([base.subarray(0, i), Uint8Array.from(enc), base.subarray(Math.min(len, i + skip))]);
    }
    case 11: { // overwrite a run with one interesting byte
      const out = base.slice();
      if (len > 0) {
        const i = at();
        const n = rng.int(1, Math.min(8, len - i));
        out.fill(rng.pick(INTERESTING_BYTES), i, i + n);
      }
      return out;
    }
    case 12: { // swap two slices' bytes (reorders fields)
      const out = base.slice();
      if (len > 2) {
        const n = rng.int(1, Math.min(8, Math.floor(len / 2)));
        const i = rng.int(0, len - n);
        const j = rng.int(0, len - n);
        const tmp = out.slice(i, i + n);
        out.copyWithin(i, j, j + n);
        out.set(tmp, j);
      }
      return out;
    }
    default: // pure random bytes (rare: one case in 14)
      return rng.bytes(rng.int(0, 64));
  }
}

/** A mutated corpus entry: 1..4 stacked mutations. */
export function mutate(rng: Prng, corpus: readonly Uint8Array[]): Uint8Array {
  let out = rng.pick(corpus);
  const rounds = rng.chance(0.05) ? 0 : rng.int(1, 4); // sometimes a valid entry as it is
  for (let i = 0; i < rounds; i++) out = mutateOnce(rng, out, corpus);
  return out === corpus[0] || corpus.includes(out) ? out.slice() : out;
}

/** Random chunk sizes that add up to total: one byte at a time, a few big pieces, or whole. */
export function chunks(rng: Prng, total: number): number[] {
  const out: number[] = [];
  const mode = rng.int(0, 3);
  let left = total;
  while (left > 0) {
    const n = mode === 0 ? 1 : mode === 1 ? rng.int(1, 8) : mode === 2 ? rng.int(1, Math.max(1, left)) : left;
    out.push(Math.min(n, left));
    left -= n;
  }
  return out;
}
