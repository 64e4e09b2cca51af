/*
 * Sensor and motor frames: the shared vector suite on V8 and on XS.
 * Differential tests against cbor-x and node:crypto are in frames-diff.test.ts, the garbage
 * runs in frames-garbage.test.ts.
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { runSuiteOnXs } from "./helpers/xs.ts";
import { run } from "./vectors/frames.suite.ts";

test("frames suite on V8", (t) => {
  const result = runSuite(run);
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});

test("frames suite on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/frames.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});
