/*
 * Session properties, seeds 5000..10000 of 10,000 (split in two files so ava runs them on both cores).
 * 200 random inputs per sequence; the invariants are listed in test/vectors/session-properties.ts.
 */
import test from "ava";
import { PHASE_COUNT, phaseNames } from "../src/session/automaton";
import { STEPS, runProperties } from "./vectors/session-properties";

test("random event sequences keep every invariant (seeds 5000..10000)", (t) => {
  const r = runProperties(5000, 10000);
  t.deepEqual(r.failures, []);
  t.is(r.sequences, 10000 - 5000);
  t.is(r.steps, r.sequences * STEPS);
  for (let phase = 1; phase < PHASE_COUNT; phase++) t.true(r.phasesSeen[phase] > 0, `phase ${phaseNames[phase]} visited`);
});
