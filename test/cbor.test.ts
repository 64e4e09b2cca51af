/*
 * CBOR subset: the shared vector suite on V8 and on XS.
 * The differential tests against cbor-x are in cbor-diff.test.ts, the garbage runs in
 * cbor-garbage.test.ts.
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { runSuiteOnXs } from "./helpers/xs.ts";
import { run } from "./vectors/cbor.suite.ts";

test("cbor suite on V8", (t) => {
  const result = runSuite(run);
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});

test("cbor suite on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/cbor.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});
