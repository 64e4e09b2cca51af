/*
 * both-engines: registers a shared vector suite (test/vectors/*.suite.ts) as two ava tests,
 * one on V8 (in this process) and one on XS (in an xsnap worker, test/helpers/xs.ts). Each
 * passes only with no failure and at least `minPassed` checks, so an emptied suite fails too.
 * Also the allocation check of hot paths on XS, shared by the *-alloc tests.
 */
import test from "ava";
import { runSuite, type Suite } from "./suite";
import { bundleForXs } from "../../hosts/xs/bundle";
import { runSuiteOnXs, withXsWorker } from "./xs";

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

/**
 * One ava test: bundles `entry` (a module that sets globalThis.__hot = {name: () => result})
 * for XS, then checks that each hot function returns what `hot` expects and allocates no slot
 * and no chunk byte over `iterations` calls, measured by the metered xsnap worker.
 */
export function testHotPathsOnXs(title: string, entry: string, resolveDir: string, hot: ReadonlyArray<readonly [string, number]>, iterations: number): void {
  test(title, async (t) => {
    const script = await bundleForXs({ contents: entry, resolveDir });
    await withXsWorker(async (w) => {
      t.true(w.hasMemoryStats, "metered xsnap worker missing: run npm run build:xs");
      await w.evaluateScript(script);
      for (const [fn, want] of hot) {
        t.is(await w.call<number>(`() => __hot.${fn}()`), want, `${fn} works on XS`);
        const a = await w.measureAlloc(`__hot.${fn}`, iterations);
        t.deepEqual(a && [a.slots, a.chunkBytes], [0, 0], `${fn}: ${JSON.stringify(a)}`);
      }
    });
  });
}
