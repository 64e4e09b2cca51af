/*
 * Control messages, handshake values and topics: the shared vector suite on V8 and on XS.
 * Differential tests against cbor-x and node:crypto are in messages-diff.test.ts, the garbage
 * run in messages-garbage.test.ts.
 */
import test from "ava";
import { runSuite } from "./helpers/suite.ts";
import { runSuiteOnXs } from "./helpers/xs.ts";
import { run } from "./vectors/messages.suite.ts";

test("messages suite on V8", (t) => {
  const result = runSuite(run);
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});

test("messages suite on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/messages.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed > 0);
});
