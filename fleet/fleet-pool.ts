/*
 * fleet/fleet-pool: a share of the fleet bench's simulated agents (fleet/fleet.ts), run in
 * this thread or in a worker thread. A helper module: no `run` export, so bench/run.ts skips it.
 *
 * Theory of operation: a FleetPool owns NodeAgents (the real firmware core on the Node host:
 * net socket, one timer each, node:crypto HMAC), all streaming at one rate. Every agent's
 * "counter" sensor channel carries [sample counter, window tag]: the pool stamps the counter
 * with performance.now() when the agent samples (in a per-agent ring of RING_SLOTS), and the
 * brain's echo controller sends both values back in the motor command, so the applyMotor call
 * that carries a counter closes one sensor -> brain -> motor loop; both stamps are taken in the
 * same thread. The tag is 1 for samples taken while the measurement window is open, so the
 * window is exact at all three places that count it (agents sent, brain received, motors
 * applied) whatever is in flight when it opens or closes. Latencies of in-window loops go into
 * a histogram of HIST_BUCKET_US buckets up to HIST_MAX_MS (exact values kept above it).
 * Counters (src/session/counters.ts) are summed over the pool at window start and at report.
 *
 * Worker mode: `startPoolWorker()` (main thread) starts a worker on this very file; the worker
 * answers {id, op, args} requests with {id, result} (see PoolOps). Worker threads need tsx's
 * loader registered before this file is imported, hence the small eval'd bootstrap.
 */
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, threadId, workerData } from "node:worker_threads";
import v8 from "node:v8";
import vm from "node:vm";
import type { AgentConfigInput } from "../src/agent/config";
import { COUNTER_COUNT } from "../src/session/counters";
import { Phase } from "../src/session/automaton";
import { NodeAgent } from "../hosts/node/node-agent";

/** Sensor channel 2 = [counter, tag]; motor channel 10 echoes it (see fleet/fleet.ts EchoController). */
export const COUNTER_CHANNEL = 2;
export const MOTOR_CHANNEL = 10;
export const fleetChannels: AgentConfigInput["channels"] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
  { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
  { id: COUNTER_CHANNEL, name: "counter", kind: "sensor", type: "f32", count: 2 },
  { id: MOTOR_CHANNEL, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

/** Send stamps kept per agent (a power of two): 256 samples = 5 s at 50 Hz. */
const RING_SLOTS = 256;
export const HIST_BUCKET_US = 10;
export const HIST_MAX_MS = 200;
export const HIST_BUCKETS = (HIST_MAX_MS * 1000) / HIST_BUCKET_US;
/** Counters are f32 on the wire: exact up to 2^24. */
const COUNTER_LIMIT = 1 << 24;

export interface PoolConfig {
  brokerHost: string;
  brokerPort: number;
  rateHz: number;
  /** Session settings besides the rate (e.g. liveness bounds that ride out a worker takeover). */
  session?: AgentConfigInput["session"];
}

export interface AgentSpec {
  id: string;
  key: Uint8Array;
}

export interface PoolReport {
  agents: number;
  /** Agents not in Active at report time. */
  notActive: number;
  /** In-window samples taken (frames handed to the agent to send). */
  sent: number;
  /** In-window loops closed (motor frame applied). */
  applied: number;
  hist: Uint32Array;
  /** Latencies above HIST_MAX_MS, ms. */
  over: number[];
  /** Counter deltas over the window (index = src/session/counters.ts Counter). */
  counterDelta: number[];
  /** Event-loop delay of this pool's thread over the window: p99 and max, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

interface Slot {
  na: NodeAgent;
  counter: number;
  /** Ring of send stamps (ms) and the counters they belong to (0 = consumed). */
  sentAt: Float64Array;
  sentCounter: Float64Array;
}

let gcFn: (() => void) | null | undefined;
/** A full GC of this isolate when it can be had (--expose-gc via v8 flags); else nothing. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      gcFn = vm.runInNewContext("gc") as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

export class FleetPool {
  private readonly slots: Slot[] = [];
  private windowOpen = false;
  private sent = 0;
  private applied = 0;
  private hist = new Uint32Array(HIST_BUCKETS);
  private over: number[] = [];
  private readonly counterBase = new Float64Array(COUNTER_COUNT);
  private loopDelay: ReturnType<typeof monitorEventLoopDelay> | null = null;

  constructor(private readonly cfg: PoolConfig) {}

  /** Starts these agents now (the caller staggers the batches). */
  add(specs: AgentSpec[]): number {
    for (const spec of specs) {
      const slot: Slot = { na: null as unknown as NodeAgent, counter: 0, sentAt: new Float64Array(RING_SLOTS), sentCounter: new Float64Array(RING_SLOTS) };
      slot.na = new NodeAgent({
        config: {
          agentId: spec.id,
          key: spec.key,
          brokerHost: this.cfg.brokerHost,
          brokerPort: this.cfg.brokerPort,
          channels: fleetChannels,
          session: { ...this.cfg.session, sensorRateHz: this.cfg.rateHz },
        },
        sampleSensors: (agent) => this.sample(slot, agent.sensorArray(COUNTER_CHANNEL)),
        applyMotor: (_id, values) => this.arrived(slot, values),
      });
      this.slots.push(slot);
      slot.na.start();
    }
    return this.slots.length;
  }

  private sample(slot: Slot, counter: ArrayLike<number> & { [i: number]: number }): void {
    if (++slot.counter >= COUNTER_LIMIT) slot.counter = 1;
    const c = slot.counter;
    counter[0] = c;
    counter[1] = this.windowOpen ? 1 : 0;
    if (!this.windowOpen) return;
    this.sent++;
    const i = c & (RING_SLOTS - 1);
    slot.sentAt[i] = performance.now();
    slot.sentCounter[i] = c;
  }

  private arrived(slot: Slot, values: ArrayLike<number>): void {
    if (values[1] !== 1) return; // outside the window
    const c = values[0];
    const i = c & (RING_SLOTS - 1);
    if (slot.sentCounter[i] !== c) return; // not ours, or already counted
    slot.sentCounter[i] = 0;
    const ms = performance.now() - slot.sentAt[i];
    this.applied++;
    const b = Math.floor((ms * 1000) / HIST_BUCKET_US);
    if (b < HIST_BUCKETS) this.hist[b]++;
    else this.over.push(ms);
  }

  activeCount(): number {
    let n = 0;
    for (const s of this.slots) if (s.na.agent.phase === Phase.Active) n++;
    return n;
  }

  size(): number {
    return this.slots.length;
  }

  private sumCounters(out: Float64Array): Float64Array {
    out.fill(0);
    for (const s of this.slots) {
      const c = s.na.agent.counters;
      for (let k = 0; k < COUNTER_COUNT; k++) out[k] += c[k];
    }
    return out;
  }

  windowOn(): void {
    this.sent = this.applied = 0;
    this.hist = new Uint32Array(HIST_BUCKETS);
    this.over = [];
    this.sumCounters(this.counterBase);
    this.loopDelay?.disable();
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.windowOpen = true;
  }

  windowOff(): void {
    this.windowOpen = false;
    this.loopDelay?.disable();
  }

  /** In-window samples whose loop has not closed yet. */
  pending(): number {
    return this.sent - this.applied;
  }

  /** In-window samples taken and loops closed so far (cheap: for watching a run live). */
  progress(): { sent: number; applied: number } {
    return { sent: this.sent, applied: this.applied };
  }

  report(): PoolReport {
    const now = this.sumCounters(new Float64Array(COUNTER_COUNT));
    const counterDelta: number[] = [];
    for (let k = 0; k < COUNTER_COUNT; k++) counterDelta.push(now[k] - this.counterBase[k]);
    return {
      agents: this.slots.length,
      notActive: this.slots.length - this.activeCount(),
      sent: this.sent,
      applied: this.applied,
      hist: this.hist,
      over: this.over,
      counterDelta,
      loopDelayP99Ms: (this.loopDelay?.percentile(99) ?? 0) / 1e6,
      loopDelayMaxMs: (this.loopDelay?.max ?? 0) / 1e6,
    };
  }

  /** heapUsed + external of this isolate after a full GC (when available). */
  heapUsed(): number {
    collectGarbage();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  }

  /** Stops (deregisters) the last `count` agents; returns their ids. */
  async remove(count: number): Promise<string[]> {
    const gone = this.slots.splice(Math.max(0, this.slots.length - count));
    await Promise.all(gone.map((s) => s.na.stop(3_000)));
    return gone.map((s) => s.na.agent.config.agentId);
  }

  async stopAll(): Promise<string[]> {
    return this.remove(this.slots.length);
  }
}

/** The operations a pool handle offers (same names in this thread and over a worker). */
export interface PoolHandle {
  add(specs: AgentSpec[]): Promise<number>;
  activeCount(): Promise<number>;
  size(): Promise<number>;
  windowOn(): Promise<void>;
  windowOff(): Promise<void>;
  pending(): Promise<number>;
  progress(): Promise<{ sent: number; applied: number }>;
  report(): Promise<PoolReport>;
  /** heapUsed + external of the pool's own isolate after a full GC; 0 for a pool in the caller's thread. */
  heapUsed(): Promise<number>;
  remove(count: number): Promise<string[]>;
  stopAll(): Promise<string[]>;
  close(): Promise<void>;
}

type Op = Exclude<keyof PoolHandle, "close">;

/** A pool in this thread. */
export function localPool(cfg: PoolConfig): PoolHandle {
  const p = new FleetPool(cfg);
  return {
    add: async (s) => p.add(s),
    activeCount: async () => p.activeCount(),
    size: async () => p.size(),
    windowOn: async () => p.windowOn(),
    windowOff: async () => p.windowOff(),
    pending: async () => p.pending(),
    progress: async () => p.progress(),
    report: async () => p.report(),
    heapUsed: async () => 0, // the same isolate as the caller, which counts its own heap
    remove: (n) => p.remove(n),
    stopAll: () => p.stopAll(),
    close: async () => undefined,
  };
}

/** A pool in a worker thread of its own. Resolves once the worker is up. */
export async function startPoolWorker(cfg: PoolConfig): Promise<PoolHandle> {
  const api = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const w = new Worker(boot, { eval: true, workerData: { fleetPool: cfg } });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  const failAll = (e: Error) => {
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  w.on("error", (e: unknown) => failAll(e instanceof Error ? e : new Error(String(e))));
  w.on("exit", (code) => failAll(new Error(`fleet pool worker exited (code ${code})`)));
  w.on("message", (m: { id: number; result?: unknown; error?: string }) => {
    const p = waiting.get(m.id);
    if (p === undefined) return;
    waiting.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`fleet pool worker: ${m.error}`));
    else p.resolve(m.result);
  });
  const call = <T>(op: Op | "ping", ...args: unknown[]): Promise<T> => {
    if (failure !== null) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, op, args });
    });
  };
  await call("ping");
  return {
    add: (s) => call("add", s),
    activeCount: () => call("activeCount"),
    size: () => call("size"),
    windowOn: () => call("windowOn"),
    windowOff: () => call("windowOff"),
    pending: () => call("pending"),
    progress: () => call("progress"),
    report: () => call("report"),
    heapUsed: () => call("heapUsed"),
    remove: (n) => call("remove", n),
    stopAll: () => call("stopAll"),
    close: async () => {
      w.removeAllListeners("exit");
      await w.terminate();
    },
  };
}

/** BS_FLEET_TRACE: logs every event-loop stall over STALL_TRACE_MS of this thread, with the GCs. */
const STALL_TRACE_MS = 100;
export function traceStalls(who: string): void {
  const t0 = performance.now();
  let last = t0;
  setInterval(() => {
    const now = performance.now();
    if (now - last > STALL_TRACE_MS) console.error(`[${((now - t0) / 1000).toFixed(2)} s] ${who}: event loop stalled ${(now - last).toFixed(0)} ms`);
    last = now;
  }, 10).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.duration > STALL_TRACE_MS / 4) console.error(`[${((performance.now() - t0) / 1000).toFixed(2)} s] ${who}: GC (kind ${(e as { detail?: { kind?: number } }).detail?.kind}) ${e.duration.toFixed(0)} ms`);
  }).observe({ entryTypes: ["gc"] });
}

/** Worker side: serve one FleetPool. */
function servePool(cfg: PoolConfig): void {
  const pool = new FleetPool(cfg);
  if (process.env.BS_FLEET_TRACE) traceStalls(`pool ${threadId}`);
  const port = parentPort!;
  port.on("message", async (m: { id: number; op: Op | "ping"; args: unknown[] }) => {
    try {
      let result: unknown;
      if (m.op === "ping") result = true;
      else result = await (pool[m.op] as (...a: unknown[]) => unknown).apply(pool, m.args);
      port.postMessage({ id: m.id, result });
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
}

if (!isMainThread && parentPort !== null && (workerData as { fleetPool?: PoolConfig } | null)?.fleetPool !== undefined) {
  servePool((workerData as { fleetPool: PoolConfig }).fleetPool);
}
