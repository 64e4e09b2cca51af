/*
 * xs (test helper): the XS worker API (hosts/xs/worker.ts) plus `runSuiteOnXs`, which runs a
 * shared vector suite (test/vectors/*.suite.ts) on XS and returns its results.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../../hosts/xs/bundle";
import { withXsWorker, type XsError } from "../../testkit/xs-lab";
import type { SuiteResult } from "./suite";

export * from "../../testkit/xs-lab";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bundleCache = new Map<string, Promise<string>>();

/**
 * Bundles a suite module (test/vectors/*.suite.ts, path relative to the repo root or
 * absolute) with runSuite, runs it on XS in a fresh worker and returns its results.
 * Bundling errors and XS exceptions come back as failure entries, so the caller's
 * `t.deepEqual(result.failures, [])` shows them.
 */
export async function runSuiteOnXs(suitePath: string): Promise<SuiteResult> {
  const abs = path.resolve(repoRoot, suitePath);
  const contents =
    `import { run } from ${JSON.stringify(abs)};\n` +
    `import { runSuite } from ${JSON.stringify(path.join(repoRoot, "test", "helpers", "suite.ts"))};\n` +
    `globalThis.__bsSuite = () => runSuite(run);\n`;
  const key = `suite:${abs}`;
  let bundle = bundleCache.get(key);
  if (!bundle) {
    bundle = bundleForXs({ contents, resolveDir: path.dirname(abs) });
    bundle.catch(() => bundleCache.delete(key));
    bundleCache.set(key, bundle);
  }
  let script: string;
  try {
    script = await bundle;
  } catch (e) {
    return { passed: 0, failures: [`bundling ${suitePath} for XS failed: ${(e as Error).message}`] };
  }
  return withXsWorker(
    async (w) => {
      try {
        await w.evaluateScript(script);
        return await w.call<SuiteResult>("__bsSuite");
      } catch (e) {
        const err = e as XsError;
        return { passed: 0, failures: [`XS exception in ${suitePath}: ${err.message}${err.xsStack ? `\n${err.xsStack}` : ""}`] };
      }
    },
    { name: `suite-${path.basename(suitePath)}` },
  );
}
