/*
 * bench/lib: shared pieces of the benchmark sections: the row type, timing on V8 and on XS,
 * and ratios.
 *
 * Timing method (both engines): calibrate the iteration count until one batch takes about
 * `batchMs`, run `warmupBatches` untimed batches, then `batches` timed ones, and report the
 * median per-call time of the batches. On V8 batches are timed with process.hrtime.bigint();
 * on XS the loop runs inside the worker (hosts/xs/worker.ts `__bs.time`) around
 * performance.now() (gettimeofday, µs resolution), so IPC never enters a measurement and a
 * batch of >= 50 ms makes the clock's resolution irrelevant.
 * Allocation is measured on XS only (see hosts/xs/worker.ts for how and why it is exact).
 *
 * Ratios: every metric here is lower-is-better (ns per call, bytes allocated), so
 * ratio = peer / ours: > 1 means ours is faster or allocates less. When ours is 0 and the peer
 * is not, the ratio is infinite and is written as null with "ours allocates nothing"; when both
 * are 0 it is 1.
 */
import type { XsWorker } from "../testkit/xs-lab";

export interface Row {
  section: string;
  case: string;
  /** Our figure, or null when it could not be measured (see note). */
  ours: number | null;
  /** The peer's figure, or null when the peer cannot run here (see note). */
  peer: number | null;
  /** Unit of ours and peer, e.g. "ns/op" or "bytes/10k round trips". */
  unit: string;
  /** peer / ours (> 1: ours is better); null when undefined (see the header comment). */
  ratio: number | null;
  note?: string;
}

export interface BenchContext {
  /** Fewer and shorter batches: a smoke run, not a measurement. */
  quick: boolean;
  log(msg: string): void;
}

export interface TimingOptions {
  batchMs?: number;
  batches?: number;
  warmupBatches?: number;
}

function timingDefaults(ctx: BenchContext, o: TimingOptions): Required<TimingOptions> {
  return {
    batchMs: o.batchMs ?? (ctx.quick ? 10 : 60),
    batches: o.batches ?? (ctx.quick ? 3 : 9),
    warmupBatches: o.warmupBatches ?? (ctx.quick ? 1 : 2),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function runBatchV8(fn: () => void, iterations: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0);
}

/** Median ns per call of fn on V8 (this process). */
export function timeV8(ctx: BenchContext, fn: () => void, opts: TimingOptions = {}): number {
  const o = timingDefaults(ctx, opts);
  const targetNs = o.batchMs * 1e6;
  let iterations = 1;
  for (;;) {
    const ns = runBatchV8(fn, iterations);
    if (ns >= targetNs / 8 || iterations >= 1 << 30) {
      iterations = Math.max(1, Math.ceil((iterations * targetNs) / Math.max(ns, 1)));
      break;
    }
    iterations *= 2;
  }
  for (let b = 0; b < o.warmupBatches; b++) runBatchV8(fn, iterations);
  const perCall: number[] = [];
  for (let b = 0; b < o.batches; b++) perCall.push(runBatchV8(fn, iterations) / iterations);
  return median(perCall);
}

/** Median ns per call, on XS, of the zero-argument function that fnExpr evaluates to in the worker. */
export async function timeXs(ctx: BenchContext, w: XsWorker, fnExpr: string, opts: TimingOptions = {}): Promise<number> {
  const o = timingDefaults(ctx, opts);
  const targetNs = o.batchMs * 1e6;
  const batch = (iterations: number, batches: number) =>
    w.call<number[]>(`(n, b) => __bs.time(${fnExpr}, n, b)`, iterations, batches);
  let iterations = 1;
  for (;;) {
    const [perCallNs] = await batch(iterations, 1);
    const ns = perCallNs * iterations;
    if (ns >= targetNs / 8 || iterations >= 1 << 24) {
      iterations = Math.max(1, Math.ceil(targetNs / Math.max(perCallNs, 1)));
      break;
    }
    iterations *= 2;
  }
  if (o.warmupBatches > 0) await batch(iterations, o.warmupBatches);
  return median(await batch(iterations, o.batches));
}

/** peer / ours for lower-is-better metrics (see the header comment). */
export function ratioOf(ours: number | null, peer: number | null): number | null {
  if (ours === null || peer === null) return null;
  if (ours === 0) return peer === 0 ? 1 : null;
  return peer / ours;
}

export function row(section: string, name: string, ours: number | null, peer: number | null, unit: string, note?: string): Row {
  const r: Row = { section, case: name, ours, peer, unit, ratio: ratioOf(ours, peer) };
  if (ours === 0 && peer !== null && peer > 0) r.note = note ? `${note}; ours allocates nothing` : "ours allocates nothing";
  else if (note) r.note = note;
  return r;
}
