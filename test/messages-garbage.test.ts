/*
 * Control message decoder garbage run (V8): 110,000 seeded random and mutated inputs. Only
 * message/CBOR codes may come out, nothing may throw, no offset may pass the input, and the
 * same ControlMessage must decode a valid message afterwards. (The suite runs 2,000 on XS.)
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { controlGarbage } from "./vectors/messages.suite.ts";

test("control decoder: 110,000 garbage inputs give only our codes", (t) => {
  const result = runSuite((check) => controlGarbage(check, 0x77a9e, 110_000));
  t.deepEqual(result.failures, []);
  t.is(result.passed, 5);
});
