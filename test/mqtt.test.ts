/*
 * MQTT 3.1.1 codec: the shared vector suite (test/vectors/mqtt.suite.ts) on V8 and on XS,
 * and the hot path's allocation on XS (test/vectors/mqtt-hotpath.ts: must be zero).
 * The suite's heavy parts (2 MB packets, 65,535-character strings) run on V8 only: see
 * `heavyParts`. The differential tests against mqtt-packet are in mqtt-diff.test.ts, the
 * garbage runs in mqtt-garbage.test.ts.
 */
import test from "ava";
import { runSuite } from "./helpers/suite";
import { testOnV8AndXs } from "./helpers/both-engines";
import { withXsWorker } from "./helpers/xs";
import { ops, verify } from "./vectors/mqtt-hotpath";
import { run, runHeavy } from "./vectors/mqtt.suite";

testOnV8AndXs("mqtt suite", run, "test/vectors/mqtt.suite.ts", 4001);

test("mqtt suite, heavy parts, on V8", (t) => {
  const result = runSuite(runHeavy);
  t.deepEqual(result.failures, []);
  t.true(result.passed >= 20);
});

test("mqtt hot-path ops do their work (V8)", (t) => {
  t.deepEqual(verify(), []);
});

test("mqtt hot path allocates nothing on XS", async (t) => {
  await withXsWorker(async (w) => {
    t.true(w.hasMemoryStats, "metered xsnap worker missing: run npm run build:xs");
    await w.evaluateBundle("test/vectors/mqtt-hotpath.ts", "mqttHot");
    t.deepEqual(await w.call("mqttHot.verify"), []);
    for (const name of Object.keys(ops)) {
      const a = await w.measureAlloc(`mqttHot.ops.${name}`, 10_000);
      t.deepEqual(a && [a.slots, a.chunkBytes], [0, 0], name);
    }
  });
});
