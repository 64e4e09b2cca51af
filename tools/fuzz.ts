/*
 * fuzz: `npm run fuzz -- --seconds N [--seed S] [--target NAME] [--inputs N] [--replay INDEX] [--json FILE]`
 *
 * Theory of operation: drives every decoder and the session machine with seeded, mutated input
 * (tools/fuzz/engine.ts, mutate.ts, targets/*). The time budget (--seconds, default 10) is
 * split evenly across the targets, or spent on one with --target; --inputs N runs exactly N
 * inputs per target instead. Input number i of a target is a function of (seed, target, i),
 * so every failure prints the command that reruns just that input:
 *     npm run fuzz -- --target NAME --seed S --replay INDEX
 * and the hex of the input. On exit: a table (target | inputs tried | failures | unique
 * failure signatures), the reproduction lines (the first failure of every signature, then
 * more up to --max-repro), and exit code 1 when anything failed (2 for bad usage).
 * --json FILE writes the summary. --selftest adds `broken`, a deliberately broken target that
 * proves the harness reports failures (tools/fuzz/selftest.ts).
 */
import { writeFileSync } from "node:fs";
import { reproCommand, replay, runTarget, type FuzzTarget, type TargetResult } from "./fuzz/engine";
import { allTargets } from "./fuzz/targets";
import { brokenTarget } from "./fuzz/selftest";

interface Args {
  seconds: number;
  seed: number;
  target: string | null;
  inputs: number | null;
  replay: number | null;
  json: string | null;
  selftest: boolean;
  maxRepro: number;
}

const USAGE = `usage: npm run fuzz -- [--seconds N] [--seed S] [--target NAME] [--inputs N] [--replay INDEX] [--json FILE] [--selftest] [--max-repro N]
  --seconds N     time budget in seconds, split evenly across targets (default 10)
  --seed S        run seed, a u32 (default 1)
  --target NAME   fuzz one target only
  --inputs N      run exactly N inputs per target (instead of a time budget)
  --replay INDEX  rerun input INDEX of --target alone and print it (needs --target)
  --json FILE     write the summary as JSON
  --selftest      also offer the deliberately broken target "broken" (harness self-test)
  --max-repro N   reproduction lines printed per target (default 20), always at least one per
                  failure signature; --json keeps up to 1000`;

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 10, seed: 1, target: null, inputs: null, replay: null, json: null, selftest: false, maxRepro: 20 };
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case "--seconds": a.seconds = num(k, v, 0); i++; break;
      case "--seed": a.seed = num(k, v, 0) >>> 0; i++; break;
      case "--target": if (!v) throw new Error("--target needs a name"); a.target = v; i++; break;
      case "--inputs": a.inputs = Math.floor(num(k, v, 1)); i++; break;
      case "--replay": a.replay = Math.floor(num(k, v, 0)); i++; break;
      case "--json": if (!v) throw new Error("--json needs a file"); a.json = v; i++; break;
      case "--max-repro": a.maxRepro = Math.floor(num(k, v, 0)); i++; break;
      case "--selftest": a.selftest = true; break;
      case "--help": case "-h": console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (a.replay !== null && a.target === null) throw new Error("--replay needs --target");
  return a;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function printTable(results: TargetResult[]): void {
  const head = ["target", "inputs tried", "failures", "unique failure signatures", "inputs/s"];
  const rows = results.map((r) => [
    r.target, String(r.inputs), String(r.failures), String(Object.keys(r.signatures).length),
    String(Math.round((r.inputs * 1000) / Math.max(1, r.elapsedMs))),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => pad(c, widths[i])).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const row of rows) console.log(line(row));
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const offered: FuzzTarget[] = [...allTargets, ...(args.selftest ? [brokenTarget] : [])];
  const extra = args.selftest ? ["--selftest"] : [];
  let targets = offered;
  if (args.target !== null) {
    const t = offered.find((x) => x.name === args.target);
    if (!t) {
      console.error(`fuzz: unknown target ${args.target}; targets: ${offered.map((x) => x.name).join(", ")}`);
      return 2;
    }
    targets = [t];
  }

  if (args.replay !== null) {
    const t = targets[0];
    const r = replay(t, args.seed, args.replay);
    console.log(`target ${t.name}, seed ${args.seed}, input ${args.replay} (${r.input.length} bytes)`);
    console.log(`hex ${r.hex}`);
    if (r.failure) {
      console.log(`FAILURE: ${r.failure.sig}`);
      console.log(r.failure.detail);
    } else {
      console.log("ok: no failure");
    }
    if (args.json) writeFileSync(args.json, JSON.stringify({ target: t.name, seed: args.seed, index: args.replay, hex: r.hex, failure: r.failure }, null, 2));
    return r.failure ? 1 : 0;
  }

  const results: TargetResult[] = [];
  const budgetMs = (args.seconds * 1000) / targets.length;
  const mode = args.inputs !== null ? `${args.inputs} inputs per target` : `${args.seconds} s (${Math.round(budgetMs)} ms per target)`;
  console.log(`fuzz: seed ${args.seed}, ${mode}, targets ${targets.map((t) => t.name).join(", ")}`);
  for (const t of targets) {
    const r = runTarget(t, {
      seed: args.seed,
      inputs: args.inputs ?? undefined,
      deadlineMs: Date.now() + budgetMs,
    });
    results.push(r);
    console.log(`  ${t.name}: ${r.inputs} inputs, ${r.failures} failures (${r.elapsedMs} ms, corpus ${r.corpusSize})`);
  }
  console.log("");
  printTable(results);
  const failed = results.filter((r) => r.failures > 0);
  for (const r of failed) {
    console.log(`\n${r.target}: ${r.failures} failures, ${Object.keys(r.signatures).length} signatures`);
    for (const [sig, n] of Object.entries(r.signatures)) console.log(`  ${n} x ${sig}`);
    // The first failure of every signature, then others up to --max-repro.
    const firsts = r.recorded.filter((f, i) => r.recorded.findIndex((g) => g.sig === f.sig) === i);
    const rest = r.recorded.filter((f) => !firsts.includes(f)).slice(0, Math.max(0, args.maxRepro - firsts.length));
    const shown = [...firsts, ...rest].sort((x, y) => x.index - y.index);
    for (const f of shown) {
      console.log(`  ${reproCommand(r.target, r.seed, f.index, extra)}`);
      console.log(`    ${f.sig}`);
      console.log(`    hex ${f.hex}`);
    }
    if (r.failures > shown.length) console.log(`  ... ${r.failures - shown.length} more (see --json or --max-repro)`);
  }
  if (args.json) {
    const summary = {
      seed: args.seed,
      seconds: args.inputs === null ? args.seconds : null,
      inputsPerTarget: args.inputs,
      totalInputs: results.reduce((a, r) => a + r.inputs, 0),
      totalFailures: results.reduce((a, r) => a + r.failures, 0),
      targets: results.map((r) => ({
        ...r,
        recorded: r.recorded.map((f) => ({ ...f, replay: reproCommand(r.target, r.seed, f.index, extra) })),
      })),
    };
    writeFileSync(args.json, JSON.stringify(summary, null, 2));
  }
  console.log(failed.length === 0 ? "\nfuzz: no failures" : `\nfuzz: FAILURES in ${failed.map((r) => r.target).join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main();
