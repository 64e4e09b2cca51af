/*
 * CBOR reader garbage run (V8): 120,000 seeded random and mutated inputs through the value
 * decoder and the generic skip() walk. Only reader codes may come out, nothing may throw,
 * no position may pass the input's end, both walks must agree, and the same instances must
 * decode a valid input afterwards. (The suite runs the same check with 3,000 inputs on XS.)
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { garbage } from "./vectors/cbor.suite.ts";

test("CBOR reader: 120,000 garbage inputs give only our codes", (t) => {
  const result = runSuite((check) => garbage(check, 0x9a4ba9e, 120_000));
  t.deepEqual(result.failures, []);
  t.is(result.passed, 5);
});
