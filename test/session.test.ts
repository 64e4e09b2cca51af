/*
 * The session scenario suite on V8 and on XS (same file: test/vectors/session.suite.ts).
 */
import test from "ava";
import { runSuite } from "./helpers/suite";
import { runSuiteOnXs } from "./helpers/xs";
import { run } from "./vectors/session.suite";

test("session scenarios on V8", (t) => {
  const result = runSuite(run, 200);
  t.deepEqual(result.failures, []);
  t.true(result.passed > 100);
});

test("session scenarios on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/session.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed > 100);
});
