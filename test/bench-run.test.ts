/*
 * `npm run bench` (bench/run.ts), spawned as a real process, for its command line only (no
 * section runs here): --help lists the options and every section, and each mistake is one
 * line on stderr with exit code 2, before anything runs.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function bench(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import=tsx", "bench/run.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("--help lists the options and every section, exit 0", (t) => {
  for (const flag of ["--help", "-h"]) {
    const r = bench([flag]);
    t.is(r.code, 0, r.err);
    t.is(r.err, "");
    for (const opt of ["--section NAME", "--json FILE", "--quick", "-h, --help"]) t.true(r.out.includes(opt), opt);
    for (const section of ["codec", "fleet", "loop", "session"]) t.regex(r.out, new RegExp(`^  ${section} +\\S`, "m"), section);
    t.notRegex(r.out, /^  session-loop /m, "a helper module is not a section");
    for (const line of (r.out.split("\nSections:\n")[1] ?? "").trimEnd().split("\n")) t.regex(line, /^  \S+ +\S/, `every section has a description: ${JSON.stringify(line)}`);
  }
});

/** The sections as --help lists them (two-space indent, name, description). */
function sections(): string {
  const list = bench(["--help"]).out.split("\nSections:\n")[1] ?? "";
  return [...list.matchAll(/^  (\S+)/gm)].map((m) => m[1]).join(", ");
}
const SECTIONS = sections();

test("--help describes every section, and README's bench paragraph lists them as they are", (t) => {
  const list = bench(["--help"]).out.split("\nSections:\n")[1] ?? "";
  for (const line of list.trimEnd().split("\n")) t.regex(line, /^  \S+ +\S/, `a description: ${JSON.stringify(line)}`);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const listed = /#   ([a-z0-9-]+(?:, [a-z0-9-]+)*)\n/.exec(readme.slice(readme.indexOf("## Benchmarks")));
  t.is(listed?.[1], SECTIONS);
});

/** [arguments, the one-line error]. */
const BAD: [string[], string][] = [
  [["--section", "nope"], `bench: no section "nope"; the sections are ${SECTIONS} (see npm run bench -- --help)`],
  [["--section", "session-loop"], `bench: no section "session-loop"; the sections are ${SECTIONS} (see npm run bench -- --help)`],
  [["--section"], "bench: --section needs a value (see npm run bench -- --help)"],
  [["--json", "--quick"], "bench: --json needs a value (see npm run bench -- --help)"],
  [["--fast"], 'bench: unknown argument "--fast" (see npm run bench -- --help)'],
];

for (const [args, want] of BAD)
  test(`bench ${args.join(" ")}: one line on stderr, exit 2`, (t) => {
    const r = bench(args);
    t.is(r.code, 2);
    t.is(r.err, want + "\n");
    t.is(r.out, "");
  });

test("tools/xs/tick-profile.ts: a tick's bytecodes per method add up to the agent's share, and the tick's own methods are there", (t) => {
  const r = spawnSync(process.execPath, ["--import=tsx", "tools/xs/tick-profile.ts", "--ticks", "40"], { cwd: ROOT, encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  const rows = [...r.stdout.matchAll(/^ +(-?\d+) +([\d.]+)  agent: (\S+)$/gm)].map((m) => ({ bytecodes: Number(m[1]), calls: Number(m[2]), method: m[3] }));
  for (const method of ["Agent.poll", "Agent.publishSensorFrame", "Agent.onMotorFrame", "MqttPacketReader.next", "Session.tick"]) {
    const row = rows.find((x) => x.method === method);
    t.truthy(row, `${method} is listed`);
    t.true(row !== undefined && row.calls >= 1 && row.bytecodes > 0, `${method}: called every tick, with bytecodes of its own`);
  }
  const total = Number(/^ +(\d+) +total, agent$/m.exec(r.stdout)?.[1]);
  const sum = rows.reduce((s, x) => s + x.bytecodes, 0);
  t.true(Math.abs(total - sum) <= rows.length, `the rows add up to the total (${sum} vs ${total})`);
  t.true(total > 1000 && total < 50_000, `an agent tick costs thousands of bytecodes, not none and not an HMAC's worth (${total})`);
});
