/*
 * waveform: deterministic test signals for simulated sensors.
 *
 * Theory of operation: a simulated sensor is a pure function of the agent clock, so two runs
 * of the simulator with the same clock produce the same sensor frames, and a brain-side test
 * can predict them. `waveValue` maps t (ms) to a value between spec.min and spec.max using the
 * shape, period and phase of the spec. No state, no allocation.
 * The shape is passed as a number (`waveShape(name)`, resolved once at setup): a string literal
 * evaluated in a preloaded module allocates a chunk on XS each time, which the tick must not do.
 */
import type { WaveSpec } from "./io-types";

const TWO_PI = 2 * Math.PI;

export const WaveShape = Object.freeze({ Sine: 0, Triangle: 1, Square: 2, Ramp: 3, Constant: 4 } as const);

/** The WaveShape code of a shape name (setup only). Unknown names are a sine. */
export function waveShape(name: WaveSpec["shape"]): number {
  switch (name) {
    case "triangle":
      return WaveShape.Triangle;
    case "square":
      return WaveShape.Square;
    case "ramp":
      return WaveShape.Ramp;
    case "constant":
      return WaveShape.Constant;
    default:
      return WaveShape.Sine;
  }
}

/** The value of `w` (whose shape code is `shape`) at time tMs; u32 clocks wrap harmlessly every ~49.7 days. */
export function waveValue(shape: number, w: WaveSpec, tMs: number): number {
  if (shape === WaveShape.Constant) return w.max;
  let x = tMs / w.periodMs + w.phase; // periods elapsed
  x -= Math.floor(x); // 0 <= x < 1: position within the period
  let unit: number; // 0..1
  if (shape === WaveShape.Sine) unit = 0.5 - 0.5 * Math.cos(TWO_PI * x); // starts at min, peaks mid-period
  else if (shape === WaveShape.Triangle) unit = x < 0.5 ? 2 * x : 2 - 2 * x;
  else if (shape === WaveShape.Square) unit = x < 0.5 ? 0 : 1;
  else unit = x; // Ramp
  return w.min + (w.max - w.min) * unit;
}
