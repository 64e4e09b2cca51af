/*
 * suite: engine-agnostic test suites that run both on V8 (under ava) and on XS (in xsnap).
 *
 * Theory of operation: a suite file (test/vectors/*.suite.ts) exports `run(check)`. It may
 * import only src/ and test/helpers/{suite,prng}.ts: nothing from Node, so that esbuild can
 * bundle it for XS. `check` collects results instead of throwing, so one failing vector
 * does not hide the rest. The ava side wraps `check` around `t`; the XS side
 * (test/helpers/xs.ts) runs the same bundle inside @agoric/xsnap and returns the results.
 */

export interface Check {
  /** Records a failure unless actual === expected (numbers, strings, booleans). */
  is(actual: unknown, expected: unknown, what: string): void;
  /** Records a failure unless the two byte arrays are equal. */
  bytes(actual: Uint8Array, expected: Uint8Array, what: string): void;
  /** Records a failure unless cond is true. */
  ok(cond: boolean, what: string): void;
}

export interface SuiteResult {
  passed: number;
  failures: string[];
}

export type Suite = (check: Check) => void;

function show(v: unknown): string {
  if (v instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < v.length; i++) s += (v[i] < 16 ? "0" : "") + v[i].toString(16);
    return s;
  }
  return String(v);
}

/** Runs a suite and collects its results. Exceptions count as failures. Engine-agnostic. */
export function runSuite(suite: Suite, maxFailures = 50): SuiteResult {
  const result: SuiteResult = { passed: 0, failures: [] };
  const fail = (msg: string) => {
    if (result.failures.length < maxFailures) result.failures.push(msg);
  };
  const check: Check = {
    is(actual, expected, what) {
      if (actual === expected || (actual !== actual && expected !== expected)) result.passed++;
      else fail(`${what}: got ${show(actual)}, want ${show(expected)}`);
    },
    bytes(actual, expected, what) {
      let same = actual.length === expected.length;
      for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i];
      if (same) result.passed++;
      else fail(`${what}: got ${show(actual)}, want ${show(expected)}`);
    },
    ok(cond, what) {
      if (cond) result.passed++;
      else fail(what);
    },
  };
  try {
    suite(check);
  } catch (e) {
    fail(`exception: ${(e as Error)?.stack ?? e}`);
  }
  return result;
}
