/*
 * The Moddable host's config parser and setup-time text checks: the shared vector suite on V8
 * and on XS (the engine the firmware runs on).
 */
import test from "ava";
import { runSuite } from "./helpers/suite";
import { runSuiteOnXs } from "./helpers/xs";
import { run } from "./vectors/moddable-settings.suite";

test("moddable settings suite on V8", (t) => {
  const result = runSuite(run);
  t.deepEqual(result.failures, []);
  t.true(result.passed > 50);
});

test("moddable settings suite on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/moddable-settings.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed > 50);
});
