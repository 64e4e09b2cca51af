/*
 * StopSignals (brain/stop-signals.ts): the copies of one Ctrl-C count once; a later signal
 * forces the exit. Arrival times (ms) in, verdicts out, from a table.
 */
import test from "ava";
import { StopSignals, type SignalVerdict } from "../brain/stop-signals";

const CASES: [why: string, sameWithinMs: number, times: number[], verdicts: SignalVerdict[]][] = [
  ["one signal stops", 1500, [0], ["stop"]],
  ["terminal + npm + tsx copies of one Ctrl-C", 1500, [1000, 1001, 1003], ["stop", "same", "same"]],
  ["a second Ctrl-C two seconds later forces", 1500, [0, 5, 2000], ["stop", "same", "force"]],
  ["the window counts from the first signal, not the last", 1500, [0, 1000, 1499, 1500], ["stop", "same", "same", "force"]],
  ["every later signal forces", 1000, [0, 1200, 1201], ["stop", "force", "force"]],
];

for (const [why, within, times, verdicts] of CASES)
  test(why, (t) => {
    const s = new StopSignals(within);
    t.deepEqual(times.map((ms) => s.classify(ms)), verdicts);
  });
