/*
 * bench/fleet: how many simulated agents one reference brain and one Mosquitto carry on this
 * machine, at 10 Hz and at 50 Hz, with p99 sensor -> brain -> motor latency under 50 ms and
 * zero loss.
 *
 * Theory of operation: one Mosquitto (free port, stopped at the end), one reference brain on
 * it (main thread) with an echo controller, and the agents: NodeAgents (the real firmware core
 * on the Node host) in DEFAULT_WORKERS worker threads (fleet/fleet-pool.ts), each agent with
 * its own id and key. For each rate the fleet grows along a ladder of N (batches of RAMP_BATCH
 * per pool, one batch per pool registering at a time, so registration does not stampede),
 * waits until every agent is Active, settles, then measures one window:
 *   latency  per loop: stamped when the agent samples, closed when applyMotor gets the echo
 *            (same thread, performance.now());
 *   loss     in-window samples are tagged (fleet-pool.ts), so agents-sent, brain-received
 *            (counted by the echo controller) and motors-applied are exact counts of the same
 *            frames; loss = sent - applied, and it must be 0, the brain must have received all
 *            of them, and no drop counter may move (agent: sensorFramesDropped,
 *            motorDropped*, outboxFull, linkLosses; brain: drops, lostFrames, motorErrors,
 *            evictions) and every agent must still be Active at the end;
 *   rate     the agents must actually sample at >= MIN_RATE_FRACTION of N x rate (a fleet
 *            that falls behind its timers would otherwise look loss-free);
 *   CPU      process.cpuUsage() of this process (brain + agents, all threads), the main
 *            thread alone (the brain) and Mosquitto, from /proc/.../stat, over the window, in %
 *            of one core;
 *   memory   after the window (the full GCs it forces pause every thread): heapUsed + external
 *            of every isolate, this process's RSS and Mosquitto's VmRSS, minus the same before
 *            the first agent, divided by N. RSS only while no agent was ever stopped in this
 *            process (freed memory is not given back, so later deltas mean nothing).
 * Search: up the ladder until two N in a row fail or one fails by a clear overload (latency is
 * not monotonic at the low end: with little traffic a Nagle-delayed write waits for a delayed ACK),
 * then bisect between the largest pass and the first failure above it while the rate's time
 * budget lasts. The first failure and near misses are retried once on a fresh fleet (the
 * machine is shared); after any failure the fleet restarts from scratch. The largest passing
 * N and its figures become the rows; every trial is logged through ctx.log.
 * Environment: BS_FLEET_WORKERS=k sets the worker count (0 = agents in the main thread, beside
 * the brain); BS_FLEET_TRACE=1 prints the brain's log and every event-loop stall > 100 ms and
 * slow GC of every thread (to find who stalls).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startBrain, type Brain } from "../brain/index";
import { EchoController } from "./echo-controller";
import { counterNames, Counter } from "../src/session/counters";
import { startMosquitto, type TestBroker } from "../testkit/brokers";
import { type BenchContext, type Row, row } from "../bench/lib";
import {
  HIST_BUCKET_US,
  collectGarbage,
  localPool,
  traceStalls,
  startPoolWorker,
  type PoolConfig,
  type PoolHandle,
  type PoolReport,
} from "./fleet-pool";

const SECTION = "fleet";
const P99_LIMIT_MS = 50;
const MIN_RATE_FRACTION = 0.98;
const RAMP_BATCH = 25;
/** A ramp that makes no progress for this long fails the trial. */
const RAMP_STALL_MS = 20_000;
/** A ramp fails after this long in all, progress or not (an overloaded fleet flaps forever). */
const RAMP_MAX_MS = 90_000;
const GRACE_MAX_MS = 2_000;
/** Pause after a failed trial's fleet is stopped, so the brain and Mosquitto drain. */
const RECOVER_MS = 2_000;
/** A failed trial is a near miss (worth a retry) below this p99 and 1% loss. */
const RETRY_P99_BELOW_MS = 2 * P99_LIMIT_MS;
const MAX_AGENTS = 8_000;
/**
 * One worker thread for all agents: on two cores the busy parties are then the brain, the
 * agents and Mosquitto. Two agent workers measured more CPU (99% vs 86% at N=1000, 10 Hz) and
 * a longer tail (p99 12 vs 7.7 ms) from the extra thread competing for the same cores.
 */
const DEFAULT_WORKERS = 1;

interface Trial {
  n: number;
  rateHz: number;
  ok: boolean;
  why: string[];
  p50: number | null;
  p99: number | null;
  p999: number | null;
  maxMs: number | null;
  sent: number;
  brainIn: number;
  applied: number;
  windowS: number;
  framesPerS: number;
  cpuPct: number;
  mosqCpuPct: number | null;
  /** RSS deltas / N: null unless the fleet grew from the baseline with no agent stopped since (RSS never shrinks back). */
  rssKBPerAgent: number | null;
  /** (heapUsed + external) of every isolate after a full GC, delta / N. */
  heapKBPerAgent: number;
  mosqRssKBPerAgent: number | null;
  load1: number;
  /** Event-loop delay over the window, ms: the brain's thread, and the worst agent pool. */
  /** CPU of the main thread (the brain, when the agents run in workers), % of a core. */
  brainThreadCpuPct: number | null;
  brainLoopP99Ms: number;
  brainLoopMaxMs: number;
  poolLoopP99Ms: number;
  poolLoopMaxMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Percentile (ms) of the merged histogram plus the exact overflow values. */
export function percentileMs(hist: Uint32Array, over: number[], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.min(total - 1, Math.floor((p / 100) * total));
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b];
    if (seen > rank) return ((b + 0.5) * HIST_BUCKET_US) / 1000;
  }
  const o = over.slice().sort((a, b) => a - b);
  return o[Math.min(o.length - 1, rank - seen)] ?? null;
}

/** utime + stime (s) and VmRSS (bytes) of a process, or null. */
export function procStat(pid: number | undefined, dir = `/proc/${pid}`): { cpuS: number; rssBytes: number } | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`${dir}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 on (proc(5))
    const ticks = Number(f[11]) + Number(f[12]); // utime (14), stime (15)
    const status = fs.readFileSync(`${dir}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuS: ticks / CLOCK_TICKS_PER_S, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux ABI Node runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS_PER_S = 100;

interface BrainSums {
  framesIn: number;
  framesOut: number;
  drops: number;
  lostFrames: number;
  motorErrors: number;
  evictions: number;
}

function brainSums(brain: Brain): BrainSums {
  const s: BrainSums = { framesIn: 0, framesOut: 0, drops: 0, lostFrames: 0, motorErrors: 0, evictions: 0 };
  for (const a of brain.agents()) {
    s.framesIn += a.framesIn;
    s.framesOut += a.framesOut;
    s.drops += a.drops;
    s.lostFrames += a.lostFrames;
    s.motorErrors += a.motorErrors;
    s.evictions += a.evictions;
  }
  return s;
}

/** Agent counters whose movement in the window means loss or a broken link. */
const LOSS_COUNTERS = [
  Counter.SensorFramesDropped,
  Counter.MotorDroppedStale,
  Counter.MotorDroppedOrder,
  Counter.MotorDroppedReplay,
  Counter.MotorDroppedMac,
  Counter.MotorDroppedMalformed,
  Counter.MotorDroppedInactive,
  Counter.OutboxFull,
  Counter.LinkLosses,
];

interface Memory {
  rss: number;
  heap: number;
  mosqRss: number | null;
}

class Fleet {
  /** Agents started and not stopped. */
  private started = 0;
  /** Ids of stopped agents, reused before new ones (two live agents never share an id). */
  private readonly freeIds: string[] = [];
  private nextId = 0;
  /** True while every agent ever started in this process is still running (see Trial.rssKBPerAgent). */
  private rssClean: boolean;
  private base: Memory | null = null;

  constructor(
    private readonly ctx: BenchContext,
    private readonly brain: Brain,
    private readonly broker: TestBroker,
    private readonly echo: EchoController,
    private readonly pools: PoolHandle[],
    private readonly keys: Map<string, Uint8Array>,
    private readonly rateHz: number,
    firstFleetInProcess: boolean,
  ) {
    this.rssClean = firstFleetInProcess;
  }

  private async sum(f: (p: PoolHandle) => Promise<number>): Promise<number> {
    return (await Promise.all(this.pools.map(f))).reduce((a, b) => a + b, 0);
  }

  async memory(): Promise<Memory> {
    collectGarbage();
    const own = process.memoryUsage();
    const heap = own.heapUsed + own.external + (await this.sum((p) => p.heapUsed()));
    return { rss: process.memoryUsage().rss, heap, mosqRss: procStat(this.broker.pid)?.rssBytes ?? null };
  }

  async baseline(): Promise<void> {
    this.base = await this.memory();
  }

  /** Starts agents up to n, in batches; resolves when all are Active (or throws on a stall). */
  async grow(n: number): Promise<void> {
    let active = await this.sum((p) => p.activeCount());
    const t0 = Date.now();
    let lastProgress = t0;
    let lastActive = active;
    while (this.started < n || active < n) {
      if (this.started < n && this.started - active < RAMP_BATCH * this.pools.length) {
        await Promise.all(
          this.pools.map((p) => {
            const specs = [];
            for (let i = 0; i < RAMP_BATCH && this.started < n; i++) {
              const id = this.freeIds.pop() ?? agentId(this.nextId++);
              this.started++;
              specs.push({ id, key: this.keys.get(id)! });
            }
            return specs.length ? p.add(specs) : Promise.resolve(0);
          }),
        );
      }
      await sleep(20);
      active = await this.sum((p) => p.activeCount());
      if (active !== lastActive) {
        lastActive = active;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > RAMP_STALL_MS) throw new Error(`only ${active} of ${n} agents active after ${RAMP_STALL_MS} ms without progress`);
      if (Date.now() - t0 > RAMP_MAX_MS) throw new Error(`only ${active} of ${n} agents active after ${RAMP_MAX_MS} ms`);
    }
  }

  /** Stops agents down to n (evenly across pools). */
  async shrink(n: number): Promise<void> {
    const sizes = await Promise.all(this.pools.map((p) => p.size()));
    let extra = sizes.reduce((a, b) => a + b, 0) - n;
    const cuts = sizes.map(() => 0);
    for (let i = 0; extra > 0; i = (i + 1) % sizes.length) {
      if (sizes[i] - cuts[i] > 0) {
        cuts[i]++;
        extra--;
      }
    }
    this.rssClean = false;
    const gone = await Promise.all(this.pools.map((p, i) => (cuts[i] ? p.remove(cuts[i]) : Promise.resolve([]))));
    for (const ids of gone) this.freeIds.push(...ids);
    this.started = n;
  }

  async stopAll(): Promise<void> {
    this.rssClean = false;
    const gone = await Promise.all(this.pools.map((p) => p.stopAll()));
    for (const ids of gone) this.freeIds.push(...ids);
    this.started = 0;
  }

  /** Grows or shrinks to n, settles, measures one window. */
  async trial(n: number, windowMs: number, settleMs: number): Promise<Trial> {
    const t: Trial = {
      n, rateHz: this.rateHz, ok: false, why: [], p50: null, p99: null, p999: null, maxMs: null, sent: 0, brainIn: 0, applied: 0,
      windowS: windowMs / 1000, framesPerS: 0, cpuPct: 0, mosqCpuPct: null, rssKBPerAgent: null, heapKBPerAgent: 0, mosqRssKBPerAgent: null, load1: os.loadavg()[0],
      brainThreadCpuPct: null, brainLoopP99Ms: 0, brainLoopMaxMs: 0, poolLoopP99Ms: 0, poolLoopMaxMs: 0,
    };
    try {
      if (this.started > n) await this.shrink(n);
      await this.grow(n);
    } catch (e) {
      t.why.push((e as Error).message);
      return t;
    }
    await sleep(settleMs);

    const b0 = brainSums(this.brain);
    this.echo.inWindow = 0;
    await Promise.all(this.pools.map((p) => p.windowOn()));
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const m0 = procStat(this.broker.pid);
    const main0 = procStat(process.pid, `/proc/self/task/${process.pid}`);
    const w0 = performance.now();
    await sleep(windowMs);
    await Promise.all(this.pools.map((p) => p.windowOff()));
    loopDelay.disable();
    t.brainLoopP99Ms = loopDelay.percentile(99) / 1e6;
    t.brainLoopMaxMs = loopDelay.max / 1e6;
    const wallS = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const m1 = procStat(this.broker.pid);
    const main1 = procStat(process.pid, `/proc/self/task/${process.pid}`);
    if (main0 !== null && main1 !== null) t.brainThreadCpuPct = ((main1.cpuS - main0.cpuS) / wallS) * 100;
    t.windowS = wallS;
    t.cpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;
    if (m0 !== null && m1 !== null) t.mosqCpuPct = ((m1.cpuS - m0.cpuS) / wallS) * 100;
    t.load1 = os.loadavg()[0];

    const graceEnd = Date.now() + GRACE_MAX_MS;
    while (Date.now() < graceEnd && (await this.sum((p) => p.pending())) > 0) await sleep(20);
    const reports = await Promise.all(this.pools.map((p) => p.report()));
    const b1 = brainSums(this.brain);
    this.evaluate(t, reports, b0, b1);
    // Memory last: the full GCs it forces (every isolate) pause the brain and the agents.
    const mem = await this.memory();
    const base = this.base!;
    t.heapKBPerAgent = (mem.heap - base.heap) / 1024 / n;
    if (this.rssClean) {
      t.rssKBPerAgent = (mem.rss - base.rss) / 1024 / n;
      if (mem.mosqRss !== null && base.mosqRss !== null) t.mosqRssKBPerAgent = (mem.mosqRss - base.mosqRss) / 1024 / n;
    }
    return t;
  }

  private evaluate(t: Trial, reports: PoolReport[], b0: BrainSums, b1: BrainSums): void {
    const hist = new Uint32Array(reports[0].hist.length);
    const over: number[] = [];
    const delta = new Array<number>(counterNames.length).fill(0);
    let notActive = 0;
    for (const r of reports) {
      t.sent += r.sent;
      t.applied += r.applied;
      notActive += r.notActive;
      for (let b = 0; b < hist.length; b++) hist[b] += r.hist[b];
      for (const v of r.over) over.push(v); // no spread: a collapse leaves 1e5+ values
      r.counterDelta.forEach((d, k) => (delta[k] += d));
      t.poolLoopP99Ms = Math.max(t.poolLoopP99Ms, r.loopDelayP99Ms);
      t.poolLoopMaxMs = Math.max(t.poolLoopMaxMs, r.loopDelayMaxMs);
    }
    t.brainIn = this.echo.inWindow;
    t.p50 = percentileMs(hist, over, t.applied, 50);
    t.p99 = percentileMs(hist, over, t.applied, 99);
    t.p999 = percentileMs(hist, over, t.applied, 99.9);
    t.maxMs = over.length ? over.reduce((a, b) => (b > a ? b : a), 0) : maxBucketMs(hist);
    t.framesPerS = t.sent / t.windowS;
    if (t.p99 === null || t.p99 >= P99_LIMIT_MS) t.why.push(`p99 ${t.p99?.toFixed(1) ?? "n/a"} ms`);
    if (t.applied !== t.sent || t.brainIn !== t.sent) t.why.push(`loss: sent ${t.sent}, brain got ${t.brainIn}, applied ${t.applied}`);
    const moved = LOSS_COUNTERS.filter((k) => delta[k] !== 0).map((k) => `${counterNames[k]} +${delta[k]}`);
    for (const [name, d] of [["brain drops", b1.drops - b0.drops], ["brain lostFrames", b1.lostFrames - b0.lostFrames], ["brain motorErrors", b1.motorErrors - b0.motorErrors], ["brain evictions", b1.evictions - b0.evictions]] as const)
      if (d !== 0) moved.push(`${name} +${d}`);
    if (moved.length) t.why.push(moved.join(", "));
    if (notActive) t.why.push(`${notActive} agents not active`);
    const nominal = t.n * t.rateHz;
    if (t.framesPerS < MIN_RATE_FRACTION * nominal) t.why.push(`rate ${t.framesPerS.toFixed(0)}/s < ${(MIN_RATE_FRACTION * 100).toFixed(0)}% of ${nominal}/s`);
    t.ok = t.why.length === 0;
  }
}

function maxBucketMs(hist: Uint32Array): number | null {
  for (let b = hist.length - 1; b >= 0; b--) if (hist[b]) return ((b + 1) * HIST_BUCKET_US) / 1000;
  return null;
}

function agentId(i: number): string {
  return `fleet-${String(i).padStart(5, "0")}`;
}

const f1 = (v: number | null) => (v === null ? "n/a" : v.toFixed(1));
const f2 = (v: number | null) => (v === null ? "n/a" : v.toFixed(2));

function describe(t: Trial): string {
  return (
    `${t.rateHz} Hz N=${t.n}: ${t.ok ? "PASS" : "FAIL"} p50 ${f2(t.p50)} ms p99 ${f2(t.p99)} ms p99.9 ${f2(t.p999)} ms max ${f1(t.maxMs)} ms, ` +
    `sent ${t.sent} brain ${t.brainIn} applied ${t.applied} (loss ${t.sent - t.applied}), ${t.framesPerS.toFixed(0)} frames/s, ` +
    `CPU ${t.cpuPct.toFixed(0)}% (main thread ${f1(t.brainThreadCpuPct)}%) + mosquitto ${f1(t.mosqCpuPct)}%, mem/agent RSS ${f1(t.rssKBPerAgent)} KB heap ${t.heapKBPerAgent.toFixed(1)} KB, ` +
    `event-loop delay p99/max brain ${f1(t.brainLoopP99Ms)}/${f1(t.brainLoopMaxMs)} ms agents ${f1(t.poolLoopP99Ms)}/${f1(t.poolLoopMaxMs)} ms, load ${t.load1.toFixed(1)}` +
    (t.ok ? "" : ` -- ${t.why.join("; ")}`)
  );
}

export interface Plan {
  ladder: number[];
  windowMs: number;
  settleMs: number;
  bisectSteps: number;
  /** Extra tries of a failing N (each on a fresh fleet). */
  retries: number;
  /** Per rate (same order as FleetOptions.rates); the trial under way when it runs out still finishes. */
  budgetsMs: number[];
}

/** How the search ended when no N failed. */
type Open = "" | "ladder" | "budget";

/**
 * Ladder up; bisect the first failure while the budget lasts. A failing N is tried once more
 * on a fresh fleet (the machine is shared: one load spike should not decide), and after any
 * failure the fleet restarts from scratch, so a collapse never leaks into the next trial.
 */
async function search(ctx: BenchContext, fleet: Fleet, plan: Plan, budgetMs: number): Promise<{ trials: Trial[]; best: Trial | null; open: Open }> {
  const t0 = Date.now();
  const inBudget = () => Date.now() - t0 < budgetMs;
  const trials: Trial[] = [];
  let best: Trial | null = null;
  const once = async (n: number, label: string) => {
    const t = await fleet.trial(n, plan.windowMs, plan.settleMs);
    ctx.log(`${label}${describe(t)} [${((Date.now() - t0) / 1000).toFixed(0)} s]`);
    trials.push(t);
    if (!t.ok) {
      await fleet.stopAll();
      await sleep(RECOVER_MS);
    }
    return t;
  };
  let failures = 0;
  let overloaded = false;
  const nearMiss = (x: Trial) => x.p99 !== null && x.p99 < RETRY_P99_BELOW_MS && x.sent - x.applied < 0.01 * x.sent;
  const attempt = async (n: number) => {
    let t = await once(n, "");
    // Retries go where they matter: the first failure of the search (it bounds the answer)
    // and near misses; a clear overload elsewhere is not worth the time.
    for (let r = 0; !t.ok && r < plan.retries && inBudget() && (failures === 0 || nearMiss(t)); r++) t = await once(n, "retry: ");
    if (!t.ok) failures++;
    if (!t.ok && !nearMiss(t)) overloaded = true;
    if (t.ok && (best === null || n > best.n)) best = t;
    return t.ok;
  };
  // Latency is not monotonic in N at the low end (with few frames in flight, a Nagle-delayed
  // write on the brain's link waits for a delayed ACK), so one near miss does not end the
  // ladder: two failures in a row do, and so does one clear overload (larger N only get worse).
  let fail: number | null = null;
  let failsInRow = 0;
  let open: Open = "ladder";
  for (const n of plan.ladder) {
    if (trials.length > 0 && !inBudget()) {
      open = "budget";
      break;
    }
    if (await attempt(n)) {
      failsInRow = 0;
      fail = null;
    } else {
      fail ??= n;
      if (++failsInRow >= 2 || overloaded) break;
    }
  }
  if (fail === null) return { trials, best, open };
  let lo = (best as Trial | null)?.n ?? 0;
  let hi = fail;
  for (let s = 0; s < plan.bisectSteps && inBudget(); s++) {
    const mid = Math.round((lo + hi) / 2 / 50) * 50;
    if (mid <= lo || mid >= hi || hi - lo < Math.max(100, lo * 0.15)) break;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  return { trials, best, open: "" };
}

export interface FleetOptions {
  /** Worker threads for the agents; 0 = in the main thread beside the brain. */
  workers: number;
  rates: number[];
  plan: Plan;
}

export function defaultOptions(quick: boolean): FleetOptions {
  const workers = process.env.BS_FLEET_WORKERS !== undefined ? Number(process.env.BS_FLEET_WORKERS) : DEFAULT_WORKERS;
  const plan: Plan = quick
    ? { ladder: [20, 50], windowMs: 3_000, settleMs: 500, bisectSteps: 0, retries: 0, budgetsMs: [20_000] }
    : { ladder: [100, 250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000], windowMs: 10_000, settleMs: 2_000, bisectSteps: 2, retries: 1, budgetsMs: [190_000, 140_000] };
  return { workers, rates: [10, 50], plan };
}

export function run(ctx: BenchContext): Promise<Row[]> {
  return runFleet(ctx, defaultOptions(ctx.quick));
}

export async function runFleet(ctx: BenchContext, opts: FleetOptions): Promise<Row[]> {
  const { workers, plan } = opts;
  const keys = new Map<string, Uint8Array>();
  for (let i = 0; i < MAX_AGENTS; i++) keys.set(agentId(i), new Uint8Array(crypto.randomBytes(32)));
  ctx.log(`fleet: ${workers} worker thread(s) for the agents (brain in the main thread), ${os.cpus().length} cores, fd limit ${fdLimit()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  if (process.env.BS_FLEET_TRACE) traceStalls("brain (main thread)");
  const broker = await startMosquitto();
  const echo = new EchoController();
  const warnings: string[] = [];
  const brain = await startBrain({
    broker: broker.url,
    keys,
    httpPort: 0,
    controller: echo,
    maxSensorHz: 1000,
    log: (level, msg) => {
      if (process.env.BS_FLEET_TRACE) console.error(`brain ${level}: ${msg}`);
      if ((level === "warn" || level === "error") && warnings.length < 5) warnings.push(`${level}: ${msg}`);
    },
  });
  const url = new URL(broker.url);
  const rows: Row[] = [];
  try {
    for (const [ri, rateHz] of opts.rates.entries()) {
      const cfg: PoolConfig = { brokerHost: url.hostname, brokerPort: Number(url.port), rateHz };
      const pools: PoolHandle[] = [];
      try {
        if (workers === 0) pools.push(localPool(cfg));
        else for (let i = 0; i < workers; i++) pools.push(await startPoolWorker(cfg));
        const fleet = new Fleet(ctx, brain, broker, echo, pools, keys, rateHz, ri === 0);
        await fleet.baseline();
        const { trials, best, open } = await search(ctx, fleet, plan, plan.budgetsMs[ri] ?? plan.budgetsMs[plan.budgetsMs.length - 1]);
        await fleet.stopAll();
        rows.push(...rowsFor(rateHz, trials, best, open, workers, plan, ctx.quick));
      } finally {
        for (const p of pools) await p.close();
      }
      await sleep(500);
    }
  } finally {
    await brain.close();
    await broker.stop();
  }
  if (warnings.length) ctx.log(`brain warnings (first ${warnings.length}): ${warnings.join(" | ")}`);
  return rows;
}

function fdLimit(): string {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(fs.readFileSync("/proc/self/limits", "utf8"));
    return m ? `${m[1]} (hard ${m[2]})` : "unknown";
  } catch {
    return "unknown";
  }
}

function rowsFor(rateHz: number, trials: Trial[], best: Trial | null, open: Open, workers: number, plan: Plan, quick: boolean): Row[] {
  const tried = trials.map((t) => `${t.n}${t.ok ? "" : "x"}`).join(", ");
  const where = `${workers === 0 ? "agents in the main thread with the brain" : `agents in ${workers} worker thread${workers === 1 ? "" : "s"}, brain in the main thread`}; Mosquitto 1 process`;
  const q = quick ? "QUICK: small N only, a lower bound; " : "";
  const head = `${q}tried ${tried} (x = failed); ${plan.windowMs / 1000} s window; ${where}; load avg ${(best ?? trials[trials.length - 1])?.load1.toFixed(1) ?? "n/a"}${open === "ladder" ? "; every N of the ladder passed: the limit is higher" : open === "budget" ? "; the time budget ran out before any N failed: the limit is higher" : ""}`;
  const name = (what: string) => `${rateHz} Hz: ${what}`;
  if (best === null) return [row(SECTION, name(`largest N with p99 < ${P99_LIMIT_MS} ms and zero loss`), 0, null, "agents", `${head}; no N passed; last: ${trials[trials.length - 1]?.why.join("; ") ?? "no trial ran"}`)];
  const b: Trial = best;
  const at = `at N=${b.n}`;
  return [
    row(SECTION, name(`largest N with p99 < ${P99_LIMIT_MS} ms and zero loss`), b.n, null, "agents", head),
    row(SECTION, name(`p50 sensor->brain->motor ${at}`), b.p50, null, "ms"),
    row(SECTION, name(`p99 sensor->brain->motor ${at}`), b.p99, null, "ms", `p99.9 ${f2(b.p999)} ms, max ${f1(b.maxMs)} ms`),
    row(SECTION, name(`sensor frames/s ${at}`), Math.round(b.framesPerS), null, "frames/s", `each with its motor frame back: ${b.sent} loops in ${b.windowS.toFixed(1)} s, ${b.sent - b.applied} lost`),
    row(SECTION, name(`CPU, bench process (brain + agents) ${at}`), Math.round(b.cpuPct), null, "% of a core", `process.cpuUsage() over the window, all threads; of it the main thread (the brain) ${f1(b.brainThreadCpuPct)}%; 200% = both cores`),
    row(SECTION, name(`CPU, Mosquitto ${at}`), b.mosqCpuPct === null ? null : Math.round(b.mosqCpuPct), null, "% of a core", b.mosqCpuPct === null ? "no /proc/<pid>/stat" : "utime+stime from /proc/<pid>/stat"),
    row(SECTION, name(`memory per agent, heap + external (brain + agents) ${at}`), Number(b.heapKBPerAgent.toFixed(1)), null, "KB/agent", "heapUsed + external of every isolate after a full GC, minus the same before the first agent"),
    row(
      SECTION,
      name(`memory per agent, RSS (brain + agents) ${at}`),
      b.rssKBPerAgent === null ? null : Number(b.rssKBPerAgent.toFixed(1)),
      null,
      "KB/agent",
      b.rssKBPerAgent === null
        ? "not measurable here: agents were stopped earlier in this process, and RSS does not shrink back to its baseline"
        : `process RSS minus the baseline; Mosquitto RSS ${b.mosqRssKBPerAgent === null ? "n/a" : b.mosqRssKBPerAgent.toFixed(1)} KB/agent more`,
    ),
  ];
}
