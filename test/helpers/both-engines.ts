/*
 * both-engines: registers a shared vector suite (test/vectors/*.suite.ts) as two ava tests,
 * one on V8 (in this process) and one on XS (in an xsnap worker, test/helpers/xs.ts). Each
 * passes only with no failure and at least `minPassed` checks, so an emptied suite fails too.
 */
import test from "ava";
import { runSuite, type Suite } from "./suite";
import { runSuiteOnXs } from "./xs";

export function testOnV8AndXs(title: string, run: Suite, suitePath: string, minPassed: number, maxFailures = 50): void {
  test(`${title} on V8`, (t) => {
    const result = runSuite(run, maxFailures);
    t.deepEqual(result.failures, []);
    t.true(result.passed >= minPassed, `only ${result.passed} checks passed`);
  });
  test(`${title} on XS`, async (t) => {
    const result = await runSuiteOnXs(suitePath);
    t.deepEqual(result.failures, []);
    t.true(result.passed >= minPassed, `only ${result.passed} checks passed`);
  });
}
