/*
 * worker: run code on Moddable's XS engine (via @agoric/xsnap) from Node: the XS host
 * (xs-agent.ts, npm start), the tests (test/helpers/xs.ts adds the suite runner) and the
 * benchmarks.
 *
 * Theory of operation: `withXsWorker` forks hosts/xs/xsnap-driver.mjs, a plain Node process
 * that initialises SES (which @agoric/xsnap requires and which would freeze this process's
 * intrinsics) and owns one xsnap worker. Requests go over Node IPC; every worker is closed
 * when the callback settles, and `close()` waits until both the driver and the XS process
 * are gone. At start the worker evaluates a small prelude that defines `globalThis.__bs`:
 * JSON replies for `call`, a describe() for exceptions, a timing loop and the allocation
 * meter described below.
 *
 * Code reaches XS as esbuild bundles (hosts/xs/bundle.ts): IIFE scripts, target es2022, Node
 * built-ins refused. Bundles are cached per process, keyed by entry and options.
 *
 * ## Measuring allocation on XS (what the benchmarks report as "bytes allocated")
 * The stock meter that xsnap returns after each evaluation is not an allocation counter:
 *   - `allocate` is `the->allocatedSpace`: bytes XS reserved from the OS for its slot heaps
 *     and chunk blocks (xsnapPlatform.c adjustSpaceMeter). It only moves when the heap grows,
 *     so it stays flat across evaluations that allocate plenty.
 *   - `currentHeapCount` is the number of slots in use. It rises by one per slot allocated,
 *     but every GC resets it to the live count, and it never sees chunk allocations (string
 *     bodies, ArrayBuffer storage, array element storage).
 *   - `compute` counts bytecodes, not memory.
 * So testkit/xsnap-meter.ts builds a copy of the worker with one extra global,
 * `memoryStats(buffer, resetPeaks)`, which copies XS's own counters (slots in use, chunk
 * bytes in use, their peaks and maxima, sizeof(txSlot)) into a Float64Array without
 * allocating (testkit/native/memory-stats.c). `__bs.alloc(fn, count)` then does:
 *   1. gc() (a compacting collection: all free slots and chunk space are available),
 *   2. read the counters and reset the peaks,
 *   3. call fn() count times,
 *   4. read the counters again. slots = delta of slots in use, chunkBytes = delta of chunk
 *      bytes in use; bytes = slots * sizeof(txSlot) + chunkBytes.
 * Between collections both counters only grow, so the deltas are exact, provided no GC ran
 * during step 3. XS collects only when it runs out of room (xsMemory.c): fxNewSlot when the
 * slot free list is empty, i.e. every slot is in use, and fxFindChunk when no chunk block
 * can bump-allocate the request, i.e. chunk bytes in use > maximum - request. So a GC in the
 * window implies a slot peak at the maximum or a chunk peak within one request of it. A
 * window is accepted only when the heap did not grow, the slot peak stayed more than 16
 * slots below the maximum, and the chunk peak more than 1 MiB below it (so a single chunk
 * request above 1 MiB inside the measured code could hide a GC; our code makes none).
 * Otherwise the window is discarded, `count` is split into smaller windows and the totals
 * are summed. (WeakRef sentinels cannot detect GCs here: snapshot builds of XS keep WeakRef
 * targets alive during organic collections.) fn is called once before measuring (warm-up:
 * lazy initialisation is not steady-state allocation).
 * The harness calls cost nothing: `xs-harness.test.ts` checks that an empty fn measures
 * 0 bytes and `() => ({ a: 1 })` measures 2 slots per call.
 * Slot size is 32 bytes on 64-bit hosts and 16 on ESP32 / Pico W, so report slots and chunk
 * bytes, not only the total, when comparing with a device.
 * With the stock binary (if the patched one cannot be built: no cc or make) `hasMemoryStats`
 * is false and the allocation figures are unavailable (null).
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForXs, type BundleOptions } from "./bundle";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const driverPath = path.join(repoRoot, "hosts", "xs", "xsnap-driver.mjs");
const START_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 10_000;

/** The meter xsnap reports after every evaluation (see the header comment for meanings). */
export interface XsMeter {
  compute: number;
  allocate: number;
  currentHeapCount: number;
  timestamps: number[];
}

export interface XsEvalResult {
  /** The evaluation's completion value when it is an ArrayBuffer (or `{ result: ArrayBuffer }`), else empty. */
  reply: Uint8Array;
  meter: XsMeter;
}

/** Allocation measured on XS by `__bs.alloc` (see the header comment). */
export interface XsAlloc {
  /** Slots allocated. */
  slots: number;
  /** Chunk bytes allocated (string bodies, buffers, array storage). */
  chunkBytes: number;
  /** sizeof(txSlot) on this host. */
  slotBytes: number;
  /** slots * slotBytes + chunkBytes. */
  bytes: number;
  /** Calls of fn that were measured (equals the count asked for). */
  calls: number;
}

/** An exception thrown inside XS, with XS's own stack when it had one. */
export class XsError extends Error {
  constructor(
    message: string,
    readonly xsStack?: string,
  ) {
    super(message);
    this.name = "XsError";
  }
}

export interface XsWorker {
  /** Process id of the Node driver process. */
  readonly driverPid: number;
  /** Process id of the xsnap (XS) worker process. */
  readonly xsnapPid: number;
  /** True when the worker has memoryStats() (the patched binary), so `measureAlloc` works. */
  readonly hasMemoryStats: boolean;
  /** Evaluates a script in XS's global scope. Rejects with XsError on an uncaught exception. */
  evaluate(code: string): Promise<XsEvalResult>;
  /**
   * Bundles a TypeScript entry (path relative to the repo root) and evaluates it. With
   * globalName, the entry's exports become that global. Cached per process.
   */
  evaluateBundle(tsEntryPath: string, globalName?: string, opts?: BundleOptions): Promise<XsEvalResult>;
  /** Evaluates an already bundled script (exceptions carry XS's stack). */
  evaluateScript(script: string): Promise<XsEvalResult>;
  /**
   * Calls `fnExpr(...args)` in XS, e.g. call("codecBench.encode", 100). Arguments and the
   * result travel as JSON; a returned promise is awaited if it settles within the evaluation
   * (XS drains its job queue before replying). Rejects with XsError when the call throws.
   */
  call<T = unknown>(fnExpr: string, ...args: unknown[]): Promise<T>;
  /**
   * Allocation of `count` calls of the zero-argument function `fnExpr` evaluates to, after one
   * untimed warm-up call (see the header comment); null without memoryStats.
   */
  measureAlloc(fnExpr: string, count: number): Promise<XsAlloc | null>;
  /** Sends bytes to XS's globalThis.handleCommand(arrayBuffer); its ArrayBuffer result is the reply. */
  issueCommand(msg: Uint8Array): Promise<XsEvalResult>;
  /** Handles XS's synchronous issueCommand(arrayBuffer) calls; the default echoes. */
  onCommand(handler: ((msg: Uint8Array) => Uint8Array | Promise<Uint8Array>) | null): void;
  /** Stops the worker and the driver; resolves once both processes are gone. Idempotent. */
  close(): Promise<void>;
}

export interface XsWorkerOptions {
  /** Where XS print() output goes (default: inherit this process's stdout). */
  stdout?: "inherit" | "ignore";
  /** An xsnap-worker binary to run instead of the package's stock one (testkit/xs-lab.ts passes
   *  the metered build, which adds memoryStats); default: the stock binary. */
  bin?: string | null;
  name?: string;
}

// Runs in XS before anything else. Plain ES2022, no allocation inside the measured loops.
const PRELUDE = String.raw`
(() => {
  const enc = new TextEncoder();
  const reply = (v) => enc.encode(JSON.stringify(v)).buffer;
  const describe = (e) => {
    if (e && typeof e === "object") {
      const msg = String(e);
      const stack = typeof e.stack === "string" ? e.stack : "";
      return { error: msg, stack };
    }
    return { error: "thrown: " + String(e), stack: "" };
  };
  const statsBuf = new ArrayBuffer(64);
  const s = new Float64Array(statsBuf);
  const hasStats = typeof globalThis.memoryStats === "function";
  const SLOT_MARGIN = 16;
  const CHUNK_MARGIN_BYTES = 1048576;
  // One measurement window; see the header comment. Result written into out (Float64Array(4)).
  const window = (fn, n, out) => {
    gc();
    memoryStats(statsBuf, true);
    const h0 = s[0], c0 = s[3], maxH = s[2], maxC = s[5];
    for (let i = 0; i < n; i++) fn();
    memoryStats(statsBuf, false);
    out[0] = s[0] - h0;
    out[1] = s[3] - c0;
    out[2] = s[6];
    out[3] = s[2] === maxH && s[5] === maxC && s[1] <= maxH - SLOT_MARGIN && s[4] <= maxC - CHUNK_MARGIN_BYTES ? 1 : 0;
  };
  const w = new Float64Array(4);
  globalThis.__bs = {
    reply,
    describe,
    hasStats,
    evalScript(src) {
      try {
        (0, eval)(src);
        return undefined;
      } catch (e) {
        return reply({ __bsError: describe(e) });
      }
    },
    run(thunk) {
      try {
        const v = thunk();
        if (v !== null && typeof v === "object" && typeof v.then === "function") {
          const box = {};
          v.then(
            (x) => { box.result = reply({ ok: true, value: x }); },
            (e) => { box.result = reply({ ok: false, ...describe(e) }); },
          );
          return box;
        }
        return reply({ ok: true, value: v });
      } catch (e) {
        return reply({ ok: false, ...describe(e) });
      }
    },
    alloc(fn, total, warmup) {
      if (!hasStats) return null;
      for (let i = 0; i < (warmup ?? 1); i++) fn();
      let batch = total, done = 0, slots = 0, chunkBytes = 0, slotBytes = 0, singleFailures = 0;
      while (done < total) {
        const n = Math.min(batch, total - done);
        window(fn, n, w);
        if (w[3] !== 1) {
          // A window that may have seen a GC (or heap growth) is discarded and split.
          if (n === 1 && ++singleFailures > 3) throw new Error("__bs.alloc: a single call exhausts the heap; cannot measure");
          batch = Math.max(1, Math.floor(n / 4));
          continue;
        }
        slots += w[0];
        chunkBytes += w[1];
        slotBytes = w[2];
        done += n;
      }
      return { slots, chunkBytes, slotBytes, bytes: slots * slotBytes + chunkBytes, calls: total };
    },
    // Timing: per-call nanoseconds of each batch (performance.now() has µs resolution).
    time(fn, iterations, batches) {
      const out = [];
      for (let b = 0; b < batches; b++) {
        const t0 = performance.now();
        for (let i = 0; i < iterations; i++) fn();
        out.push(((performance.now() - t0) * 1e6) / iterations);
      }
      return out;
    },
  };
})();
`;

const bundleCache = new Map<string, Promise<string>>();

/** Bundles for XS with a per-process cache (key: entry + options). */
export function cachedBundle(entry: string, opts: BundleOptions = {}): Promise<string> {
  const key = JSON.stringify([path.resolve(repoRoot, entry), opts]);
  let p = bundleCache.get(key);
  if (!p) {
    p = bundleForXs(entry, opts);
    p.catch(() => bundleCache.delete(key));
    bundleCache.set(key, p);
  }
  return p;
}

function processGone(pid: number): boolean {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return processGone(pid);
}

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void };

/** Starts an XS worker. Prefer `withXsWorker`, which always closes it. */
export async function startXsWorker(opts: XsWorkerOptions = {}): Promise<XsWorker> {
  const child: ChildProcess = fork(
    driverPath,
    [JSON.stringify({ bin: opts.bin ?? undefined, name: opts.name ?? "brainstem-xs", stdout: opts.stdout ?? "inherit" })],
    // detached: its own process group, so a terminal's Ctrl-C reaches only our process, which
    // then stops the worker in order (close()); if we die instead, the driver sees the IPC
    // channel close and takes xsnap down with it.
    { execArgv: [], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true },
  );
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let commandHandler: ((msg: Uint8Array) => Uint8Array | Promise<Uint8Array>) | null = null;
  let exited = false;
  let exitInfo = "";
  let xsnapPid = 0;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      exitInfo = `xsnap driver exited (code ${code}, signal ${signal})`;
      for (const p of pending.values()) p.reject(new Error(exitInfo));
      pending.clear();
      resolve();
    });
  });

  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("xsnap driver did not start in time")), START_TIMEOUT_MS);
    child.on("message", (msg: any) => {
      if (msg.op === "ready") {
        clearTimeout(timer);
        resolve(msg.xsnapPid);
      } else if (msg.op === "fatal") {
        clearTimeout(timer);
        reject(new Error(`xsnap driver failed to start: ${msg.error}`));
      } else if (msg.op === "xscommand") {
        void (async () => {
          let data: Uint8Array;
          try {
            data = commandHandler ? await commandHandler(msg.data) : msg.data;
          } catch (e) {
            data = new TextEncoder().encode(`host command handler threw: ${(e as Error).message}`);
          }
          if (child.connected) child.send({ op: "xsreply", cid: msg.cid, data });
        })();
      } else if (typeof msg.id === "number") {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (!p) return;
        if (msg.ok) p.resolve(msg);
        else p.reject(new XsError(msg.error));
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(exitInfo || "xsnap driver exited during start-up"));
    });
  });

  const request = (msg: Record<string, unknown>): Promise<any> =>
    new Promise((resolve, reject) => {
      if (exited || !child.connected) return reject(new Error(exitInfo || "xsnap driver is not running"));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closed) return closed;
    closed = (async () => {
      if (!exited) {
        const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
        if (child.connected) request({ op: "close" }).catch(() => {});
        else child.kill("SIGTERM");
        await exitPromise;
        clearTimeout(timer);
      }
      // The XS process exits when its driver closes it or when its command pipe closes.
      if (!(await waitGone(xsnapPid, CLOSE_TIMEOUT_MS))) {
        throw new Error(`xsnap worker process ${xsnapPid} still running after close`);
      }
    })();
    return closed;
  };

  try {
    xsnapPid = await ready;
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }

  const toResult = (msg: any): XsEvalResult => ({ reply: new Uint8Array(msg.reply), meter: msg.meter });
  const evaluate = async (code: string) => toResult(await request({ op: "evaluate", code }));
  const decodeReply = (r: XsEvalResult) => {
    if (r.reply.length === 0) throw new XsError("XS call produced no reply (a promise that did not settle?)");
    return JSON.parse(new TextDecoder().decode(r.reply));
  };

  const evaluateScript = async (script: string): Promise<XsEvalResult> => {
    // Indirect eval inside a try: the script keeps its own "use strict" prologue and we get
    // XS's stack for an exception instead of only its message.
    const r = await evaluate(`__bs.evalScript(${JSON.stringify(script)})`);
    if (r.reply.length > 0) {
      const v = JSON.parse(new TextDecoder().decode(r.reply));
      if (v && v.__bsError) throw new XsError(v.__bsError.error, v.__bsError.stack);
    }
    return r;
  };

  let hasMemoryStats = false;
  try {
    await evaluate(PRELUDE);
    hasMemoryStats = decodeReply(await evaluate("__bs.run(() => __bs.hasStats)")).value === true;
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }

  const call = async <T>(fnExpr: string, ...args: unknown[]): Promise<T> => {
    const argJson = JSON.stringify(JSON.stringify(args));
    const v = decodeReply(await evaluate(`__bs.run(() => (${fnExpr})(...JSON.parse(${argJson})))`));
    if (!v.ok) throw new XsError(v.error, v.stack);
    return v.value as T;
  };

  return {
    driverPid: child.pid ?? 0,
    xsnapPid,
    hasMemoryStats,
    evaluate,
    evaluateScript,
    async evaluateBundle(tsEntryPath, globalName, bundleOpts = {}) {
      return evaluateScript(await cachedBundle(tsEntryPath, { ...bundleOpts, globalName }));
    },
    call,
    async measureAlloc(fnExpr, count) {
      if (!hasMemoryStats) return null;
      return call<XsAlloc>(`(n) => __bs.alloc(${fnExpr}, n)`, count);
    },
    async issueCommand(msg) {
      return toResult(await request({ op: "issueCommand", data: msg }));
    },
    onCommand(handler) {
      commandHandler = handler;
    },
    close,
  };
}

/** Starts an XS worker, runs fn with it and always closes it (both processes gone). */
export async function withXsWorker<T>(fn: (w: XsWorker) => Promise<T>, opts: XsWorkerOptions = {}): Promise<T> {
  const w = await startXsWorker(opts);
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}
