/*
 * tick-profile.xs: what tools/xs/tick-profile.ts runs on XS: the flat per-method profile of
 * method-profile.ts with XS's compute meter (resetMeter(0, 0) returns the bytecodes since the
 * previous lap and restarts the count), over the session loop's ticks or a codec operation.
 * Bench code, not firmware.
 */
import { SessionLoop } from "../../bench/session-loop";
import * as codec from "../../bench/codec-ours.xs";
import { MethodProfiler, type MethodProfile } from "./method-profile";

declare const resetMeter: (limit: number, index: number) => number;

const meter = (): number => resetMeter(0, 0);

class EmptyHmac {
  setKey(): void {}
  begin(): void {}
  update(): void {}
  finish(dst: Uint8Array, off: number): void {
    dst.fill(0, off, off + 32);
  }
  /** Accepts every tag: the comparison is the engine's work, like the hash. */
  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean {
    return off + len <= expected.length;
  }
  matchesTag(_a: Uint8Array, _aOff: number, _aLen: number, _b: Uint8Array, _bOff: number, _bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean {
    return expectedOff + expectedLen <= expected.length;
  }
}

/** The flat profile of one call of codec operation op, over n calls (module-level functions count for "(outside)"). */
export function profileCodec(op: string, n: number): MethodProfile {
  codec.setup(16);
  const fn = (codec as unknown as Record<string, () => void>)[op];
  if (typeof fn !== "function") throw new Error(`tick-profile: no codec operation ${op}`);
  const profiler = new MethodProfiler(meter);
  profiler.wrapGraph(codec.state()!);
  return profiler.measure(() => {
    for (let i = 0; i < n; i++) fn();
  }, n);
}

/** The flat profile of one steady-state tick of a session loop at hz (agent and in-memory brain), over n ticks. */
export function profileTicks(hz: number, n: number): MethodProfile {
  const loop = new SessionLoop({
    sensorHz: hz,
    copyBytes: (d, dOff, s, sOff, len) => d.set(s.subarray(sOff, sOff + len), dOff),
    createHmac: () => new EmptyHmac(),
    brainHmac: () => new EmptyHmac(),
  });
  loop.warm(hz * 2);
  const profiler = new MethodProfiler(meter, ["SessionLoop.brain"]);
  profiler.wrapGraph(loop);
  return profiler.measure(() => loop.run(n), n);
}
