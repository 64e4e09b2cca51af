/*
 * Frame decoder garbage run (V8): 110,000 seeded random and mutated inputs, each through the
 * sensor decoder AND the motor decoder (and the MAC check when a motor frame parses). Only
 * frame/CBOR codes may come out, nothing may throw, no offset may pass the input, and the
 * same output objects must decode valid frames afterwards. (The suite runs 1,500 on XS.)
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { frameGarbage } from "./vectors/frames.suite.ts";

test("sensor and motor decoders: 110,000 garbage inputs each give only our codes", (t) => {
  const result = runSuite((check) => frameGarbage(check, 0x6a4ba9e, 110_000));
  t.deepEqual(result.failures, []);
  t.is(result.passed, 8);
});
