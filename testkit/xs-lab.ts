/*
 * xs-lab: the XS worker of hosts/xs/worker.ts as tests and benchmarks use it, that is with the
 * metered xsnap binary (testkit/xsnap-meter.ts), so `alloc` can count slots and chunk bytes.
 *
 * Theory of operation: the host runs the stock binary; the lab asks for the metered build,
 * building it on first use (build/xs/, cached by hash). When it cannot be built (no cc or
 * make) the stock binary is used and `hasMemoryStats` is false: allocation figures are then
 * unavailable rather than wrong.
 */
import { ensureMeteredXsnap } from "./xsnap-meter";
import { startXsWorker as startHostWorker, type XsWorker, type XsWorkerOptions } from "../hosts/xs/worker";

export * from "../hosts/xs/worker";

/** Starts an XS worker on the metered binary when it is available. */
export function startXsWorker(opts: XsWorkerOptions = {}): Promise<XsWorker> {
  return startHostWorker({ bin: ensureMeteredXsnap().bin, ...opts });
}

/** Runs fn with a metered XS worker and always closes it. */
export async function withXsWorker<T>(fn: (w: XsWorker) => Promise<T>, opts: XsWorkerOptions = {}): Promise<T> {
  const w = await startXsWorker(opts);
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}
