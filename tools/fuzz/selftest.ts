/*
 * fuzz/selftest: `broken`, a deliberately broken decoder, offered with --selftest only.
 *
 * Theory of operation: a tiny length-prefixed record decoder ([len u8][len bytes]...) with two
 * planted bugs: it throws (a RangeError, as an out-of-bounds read would in careless code) when
 * a length byte is 0xff, and it returns -999, a code that is not in src/errors.ts, when a
 * record starts with 0x7f. The harness must report both, and --replay must reproduce them.
 * test/fuzz.test.ts runs it; it is not part of the real target list.
 */
import { Err } from "../../src/errors";
import { CBOR_READ_ERRORS, checkError, fail } from "./check";
import type { FuzzTarget } from "./engine";

/** Returns the record count, CBOR_TRUNCATED, or (planted bug) -999; throws on a 0xff length (planted bug). */
export function brokenDecode(input: Uint8Array): number {
  let p = 0;
  let records = 0;
  while (p < input.length) {
    const len = input[p];
    if (len === 0xff) throw new RangeError(`broken decoder: record length 255 at ${p}`);
    if (p + 1 + len > input.length) return Err.CborTruncated;
    if (len > 0 && input[p + 1] === 0x7f) return -999;
    p += 1 + len;
    records++;
  }
  return records;
}

export const brokenTarget: FuzzTarget = {
  name: "broken",
  description: "self-test: a decoder with planted bugs (throws on a 0xff length, returns -999 on 0x7f)",
  setup() {
    const corpus = [Uint8Array.of(0), Uint8Array.of(3, 1, 2, 3), Uint8Array.of(2, 9, 9, 1, 5), Uint8Array.of(5, 1, 2, 3, 4, 5, 0)];
    return {
      corpus,
      run(input) {
        const r = brokenDecode(input);
        if (r < 0) return checkError("brokenDecode()", r, CBOR_READ_ERRORS);
        if (r > input.length) return fail("more records than bytes");
        return null;
      },
    };
  },
};
