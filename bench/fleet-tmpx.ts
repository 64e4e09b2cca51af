import fs from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
const T0 = performance.now();
const ts = () => ((performance.now() - T0) / 1000).toFixed(2);
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.duration > 30) console.error(`[${ts()}] GC ${(e as any).detail?.kind} ${e.duration.toFixed(0)} ms`);
}).observe({ entryTypes: ["gc"] });
let last = performance.now();
setInterval(() => { const now = performance.now(); if (now - last > 100) console.error(`[${ts()}] main stall ${(now - last).toFixed(0)} ms`); last = now; }, 10).unref();
const { runFleet } = await import("./fleet");
const ladder = process.env.LADDER!.split(",").map(Number);
const rates = (process.env.RATES ?? "10").split(",").map(Number);
await runFleet({ quick: false, log: (m) => { console.error(`[${ts()}] ${m}`); } }, { workers: Number(process.env.W ?? 2), rates, plan: { ladder, windowMs: Number(process.env.WIN ?? 5000), settleMs: 1000, bisectSteps: Number(process.env.BIS ?? 0), retries: Number(process.env.RET ?? 0), budgetMs: 1e9 } });
process.exit(0);
