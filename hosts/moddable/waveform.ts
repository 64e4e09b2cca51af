/*
 * waveform: deterministic test signals for simulated sensors.
 *
 * Theory of operation: a simulated sensor is a pure function of the agent clock, so two runs
 * of the simulator with the same clock produce the same sensor frames, and a brain-side test
 * can predict them. `waveValue` maps t (ms) to a value between spec.min and spec.max using the
 * shape, period and phase of the spec. No state, no allocation.
 */
import type { WaveSpec } from "./io-types";

const TWO_PI = 2 * Math.PI;

/** The value of `w` at time tMs (any number; u32 clocks wrap harmlessly every ~49.7 days). */
export function waveValue(w: WaveSpec, tMs: number): number {
  if (w.shape === "constant") return w.max;
  let x = tMs / w.periodMs + w.phase; // periods elapsed
  x -= Math.floor(x); // 0 <= x < 1: position within the period
  let unit: number; // 0..1
  switch (w.shape) {
    case "sine":
      unit = 0.5 - 0.5 * Math.cos(TWO_PI * x); // starts at min, peaks mid-period
      break;
    case "triangle":
      unit = x < 0.5 ? 2 * x : 2 - 2 * x;
      break;
    case "square":
      unit = x < 0.5 ? 0 : 1;
      break;
    default: // "ramp"
      unit = x;
  }
  return w.min + (w.max - w.min) * unit;
}
