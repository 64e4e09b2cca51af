/*
 * Long outages on the simulated clock (test/vectors/session-outage.suite.ts), on V8 and on XS:
 * peer-level outages never escalate, network-level ones escalate exactly as configured.
 * The figures of every outage are printed (t.log) on both engines.
 */
import test from "ava";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../hosts/xs/bundle";
import { testOnV8AndXs } from "./helpers/both-engines";
import { withXsWorker } from "./helpers/xs";
import { outageFigures, outages, run, type OutageFigures } from "./vectors/session-outage.suite";

testOnV8AndXs("outages: peer-level backs off forever, network-level escalates as configured", run, "test/vectors/session-outage.suite.ts", 40);

const here = path.dirname(fileURLToPath(import.meta.url));

function row(engine: string, f: OutageFigures): string {
  return `${engine} | ${f.name} | ${f.minutes} min | attempts ${f.attempts} | max gap ${f.maxGapMs} ms (bound ${f.gapBoundMs}) | ` +
    `backoff ${f.minBackoffMs}..${f.maxBackoffMs} ms | restarts ${f.networkRestarts} at [${f.restartAt}] | reboots ${f.reboots} at [${f.rebootAt}] | ` +
    `link losses ${f.linkLosses} | connect failures ${f.connectFailures} | active again ${f.activeAgainMs} ms after`;
}

test("outage figures on V8 and XS (same seeds, same figures)", async (t) => {
  const v8 = outages.map((_, i) => outageFigures(i));
  const script = await bundleForXs({
    contents: `import { outageFigures } from ${JSON.stringify(path.join(here, "vectors", "session-outage.suite.ts"))};\n` +
      `globalThis.__outage = (i) => JSON.stringify(outageFigures(i));\n`,
    resolveDir: here,
  });
  const xs = await withXsWorker(async (w) => {
    await w.evaluateScript(script);
    const out: OutageFigures[] = [];
    for (let i = 0; i < outages.length; i++) out.push(JSON.parse(await w.call<string>(`(i) => __outage(i)`, i)));
    return out;
  });
  for (const f of v8) t.log(row("V8", f));
  for (const f of xs) t.log(row("XS", f));
  t.deepEqual(xs, v8, "the same world on both engines gives the same figures");
});
