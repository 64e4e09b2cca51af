/*
 * MQTT decoder garbage runs: 100,000 seeded random and mutated inputs into one decoder
 * instance per run on V8 (two seeds), and the suite's 2,000-input run on XS. The logic
 * lives in test/vectors/mqtt-garbage.suite.ts.
 */
import test from "ava";
import { runSuite } from "./helpers/suite";
import { runSuiteOnXs } from "./helpers/xs";
import { runGarbage } from "./vectors/mqtt-garbage.suite";

for (const seed of [0x00c0ffee, 0x5eed2024]) {
  test(`mqtt decoder garbage, 100,000 inputs, seed ${seed.toString(16)}, on V8`, (t) => {
    const result = runSuite((check) => runGarbage(check, seed, 100_000));
    t.deepEqual(result.failures, []);
    t.true(result.passed >= 22);
  });
}

test("mqtt decoder garbage, 2,000 inputs, on XS", async (t) => {
  const result = await runSuiteOnXs("test/vectors/mqtt-garbage.suite.ts");
  t.deepEqual(result.failures, []);
  t.true(result.passed >= 22);
});
