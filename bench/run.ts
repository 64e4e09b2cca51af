/*
 * bench/run: `npm run bench` — runs the benchmark sections and prints one table.
 *
 *   tsx bench/run.ts [--section NAME]... [--json FILE] [--quick] [--help]
 *
 * A section is a module bench/<name>.ts that exports `async function run(ctx): Promise<Row[]>`
 * (bench/lib.ts). Candidates are every bench/*.ts except run.ts, lib.ts and *.xs.ts (entries
 * that are bundled for XS); a candidate whose source has no `export function run(` is a
 * helper module and not a section. --help lists the sections with the first line of their
 * header comment; an unknown option or section is one line on stderr and exit code 2, before
 * anything runs. Sections run one after another, in name order, so they never
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

const HELP = `npm run bench -- [options]

Runs the benchmark sections one after another and prints one table: section | case | ours |
peer | unit | ratio (ratio > 1: ours is better). Not timed tests: figures depend on the machine.

Options:
  --section NAME   run only this section (repeatable); default: every section
  --json FILE      also write the rows to FILE as a JSON array
  --quick          a few iterations per case: checks that the sections run, not a measurement
  -h, --help       this text

Sections:
`;

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

interface Args {
  sections: string[];
  json?: string;
  quick: boolean;
  help: boolean;
}

function parseArgs(argv: string[], all: readonly string[]): Args {
  const out: Args = { sections: [], quick: false, help: false };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("-")) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--section") out.sections.push(value(++i, "--section"));
    else if (a.startsWith("--section=")) out.sections.push(a.slice("--section=".length));
    else if (a === "--json") out.json = value(++i, "--json");
    else if (a.startsWith("--json=")) out.json = a.slice("--json=".length);
    else if (a === "--quick") out.quick = true;
    else if (a === "--help" || a === "-h") out.help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  for (const s of out.sections) if (!all.includes(s)) throw new UsageError(`no section ${JSON.stringify(s)}; the sections are ${all.join(", ")}`);
  return out;
}

/** Where section `name` lives. */
function sectionFile(name: string): string {
  return externalSections[name] ?? path.join(benchDir, `${name}.ts`);
}

/** The first sentence of a section's header comment, without its "bench/x: " prefix. */
function describe(name: string): string {
  const text = fs.readFileSync(sectionFile(name), "utf8");
  const head = text.slice(text.indexOf("/*"), text.indexOf("*/")).split("\n").map((l) => l.replace(/^\s*\/?\*\s?/, "")).join(" ");
  const m = /(?:bench|fleet)\/[\w-]+(?: \([^)]*\))?: (.*?\.)(?:\s|$)/.exec(head);
  return m ? m[1].replace(/\s+/g, " ") : "";
}

/** Section names: every candidate module that exports run(ctx) (helper modules export none). */
function discoverSections(): string[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".xs.ts") && !f.endsWith(".d.ts") && f !== "run.ts" && f !== "lib.ts")
    .map((f) => f.slice(0, -3))
    .concat(Object.keys(externalSections))
    .filter((name) => /^export (async )?function run\(/m.test(fs.readFileSync(sectionFile(name), "utf8")))
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
  const all = discoverSections();
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), all);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message} (see npm run bench -- --help)`);
    return 2;
  }
  if (args.help) {
    const width = Math.max(...all.map((n) => n.length));
    process.stdout.write(HELP + all.map((n) => `  ${n.padEnd(width)}  ${describe(n)}\n`).join(""));
    return 0;
  }
  const chosen = args.sections.length ? args.sections : all;
  const ctx: BenchContext = { quick: args.quick, log: (m) => console.error(`  ${m}`) };
  console.error(`bench: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}${args.quick ? ", QUICK (not a measurement)" : ""}`);
  const rows: Row[] = [];
  let failed = 0;
  for (const name of chosen) {
    const t0 = Date.now();
    try {
      const mod = await import(pathToFileURL(sectionFile(name)).href);
      if (typeof mod.run !== "function") throw new Error(`${sectionFile(name)} does not export run(ctx)`);
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
