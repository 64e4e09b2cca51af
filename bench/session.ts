/*
 * bench/session: 10,000 steady-state ticks of the real Agent (one sensor frame out, one motor
 * frame in, heartbeats as they fall due) against the allocation-free in-memory brain of
 * session-loop.ts, on V8 and on XS. Reports µs per tick (the loop: agent plus its in-memory
 * brain, both our code, both signing or verifying one HMAC per frame) and bytes allocated per
 * tick on XS after warm-up (the patched xsnap meter; see hosts/xs/worker.ts). There is no peer
 * for a whole session machine, so peer is null.
 */
import { withXsWorker } from "../testkit/xs-lab";
import { type BenchContext, type Row, row, timeV8, timeXs } from "./lib";
import { SessionLoop } from "./session-loop";

const SECTION = "session";
const TICKS = 10_000;
const WARM_TICKS = 1_000;

function check(loop: { motorApplied: number; sensorFramesIn: number; steps: number }, what: string): void {
  if (loop.motorApplied < loop.steps - 2 || loop.sensorFramesIn < loop.steps - 2)
    throw new Error(`${what}: the loop lost frames (steps ${loop.steps}, sensor in ${loop.sensorFramesIn}, motor applied ${loop.motorApplied})`);
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const loop = new SessionLoop();
  loop.warm(WARM_TICKS);
  const v8Ns = timeV8(ctx, () => loop.run(1));
  check(loop, "V8");
  ctx.log(`V8: ${loop.steps} ticks, ${loop.motorApplied} motor frames applied`);

  let xsNs = 0;
  let bytesPerTick: number | null = null;
  let xsTicks = 0;
  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/session-loop.ts", "sessionBench");
    await w.evaluate(`globalThis.sl = sessionBench.createSessionLoop(); sl.warm(${WARM_TICKS});`);
    const alloc = await w.measureAlloc("() => sl.run(1)", ctx.quick ? 1_000 : TICKS);
    if (alloc) bytesPerTick = alloc.bytes / alloc.calls;
    xsNs = await timeXs(ctx, w, "() => sl.run(1)", { batchMs: ctx.quick ? 20 : 200 });
    const s = await w.call<{ motorApplied: number; sensorFramesIn: number; steps: number; phase: string }>(
      "() => ({ motorApplied: sl.motorApplied, sensorFramesIn: sl.sensorFramesIn, steps: sl.steps, phase: sl.agent.phaseName })");
    if (s.phase !== "active") throw new Error(`XS: the session left active (${s.phase})`);
    check(s, "XS");
    xsTicks = s.steps;
  }, { stdout: "ignore", name: "bench-session" });
  ctx.log(`XS: ${xsTicks} ticks`);

  rows.push(row(SECTION, "V8 steady-state tick (sensor out, motor in, heartbeats)", v8Ns / 1000, null, "µs/tick"));
  rows.push(row(SECTION, "XS steady-state tick (sensor out, motor in, heartbeats)", xsNs / 1000, null, "µs/tick"));
  rows.push(row(SECTION, `XS bytes allocated per tick after warm-up (${ctx.quick ? 1_000 : TICKS} ticks)`, bytesPerTick, null, "bytes/tick"));
  return rows;
}
