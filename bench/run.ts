/*
 * bench/run: `npm run bench` — runs the benchmark sections and prints one table.
 *
 *   tsx bench/run.ts [--section NAME]... [--json FILE] [--quick]
 *
 * A section is a module bench/<name>.ts that exports `async function run(ctx): Promise<Row[]>`
 * (bench/lib.ts). Candidates are every bench/*.ts except run.ts, lib.ts and *.xs.ts (entries
 * that are bundled for XS); a candidate without a `run` export is a helper module and is
 * skipped (asking for it with --section is an error). Sections run one after another, in name order, so they never
 * compete for the two cores. The table has one row per case: section | case | ours | peer |
 * unit | ratio, where ratio = peer / ours for lower-is-better metrics (> 1: ours is better;
 * see bench/lib.ts). --json writes the same rows as a JSON array. A section that throws is
 * reported and makes the exit code 1; the other sections still run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchContext, Row } from "./lib";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** Sections that live outside bench/: the fleet simulator is its own folder. */
const externalSections: Record<string, string> = {
  fleet: path.join(benchDir, "..", "fleet", "fleet.ts"),
  "fleet-cluster": path.join(benchDir, "..", "fleet", "fleet-cluster.ts"),
};

function parseArgs(argv: string[]): { sections: string[]; json?: string; quick: boolean } {
  const out: { sections: string[]; json?: string; quick: boolean } = { sections: [], quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--section") out.sections.push(argv[++i]);
    else if (a === "--json") out.json = argv[++i];
    else if (a === "--quick") out.quick = true;
    else throw new Error(`unknown argument ${a} (usage: tsx bench/run.ts [--section NAME]... [--json FILE] [--quick])`);
  }
  return out;
}

function discoverSections(): string[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".xs.ts") && !f.endsWith(".d.ts") && f !== "run.ts" && f !== "lib.ts")
    .map((f) => f.slice(0, -3))
    .concat(Object.keys(externalSections))
    .sort();
}

function fmt(v: number | null): string {
  if (v === null) return "n/a";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return v.toExponential(2);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function fmtRatio(r: Row): string {
  if (r.ratio !== null) return `${r.ratio.toFixed(2)}x`;
  if (r.ours === 0 && r.peer !== null && r.peer > 0) return "inf";
  return "n/a";
}

function printTable(rows: Row[]): void {
  const header = ["section", "case", "ours", "peer", "unit", "ratio"];
  const cells = rows.map((r) => [r.section, r.case, fmt(r.ours), fmt(r.peer), r.unit, fmtRatio(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = [false, false, true, true, false, true];
  const line = (c: string[]) => c.map((s, i) => (right[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join(" | ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const c of cells) console.log(line(c));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log("\nnotes:");
    for (const r of notes) console.log(`  [${r.section}] ${r.case}: ${r.note}`);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const all = discoverSections();
  const chosen = args.sections.length ? args.sections : all;
  for (const s of chosen) if (!all.includes(s)) throw new Error(`no section "${s}" (have: ${all.join(", ")})`);
  const ctx: BenchContext = { quick: args.quick, log: (m) => console.error(`  ${m}`) };
  console.error(`bench: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}${args.quick ? ", QUICK (not a measurement)" : ""}`);
  const rows: Row[] = [];
  let failed = 0;
  for (const name of chosen) {
    const t0 = Date.now();
    try {
      const mod = await import(pathToFileURL(externalSections[name] ?? path.join(benchDir, `${name}.ts`)).href);
      if (typeof mod.run !== "function") {
        if (args.sections.includes(name)) throw new Error(`bench/${name}.ts does not export run(ctx)`);
        console.error(`bench: bench/${name}.ts exports no run(ctx): a helper module, skipped`);
        continue;
      }
      console.error(`bench: section ${name}`);
      const got: Row[] = await mod.run(ctx);
      rows.push(...got);
    } catch (e) {
      failed++;
      console.error(`bench: section ${name} FAILED: ${(e as Error).stack ?? e}`);
    }
    console.error(`bench: section ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  printTable(rows);
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify(rows, null, 2) + "\n");
    console.error(`bench: wrote ${rows.length} rows to ${args.json}`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
  },
);
