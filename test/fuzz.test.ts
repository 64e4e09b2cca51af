/*
 * fuzz: the CI slice of `npm run fuzz` (tools/fuzz.ts) and proof that the harness can fail.
 *
 * - Every real target runs a fixed-seed slice in process: zero failures, every input tried.
 * - Input i is a pure function of (seed, target, i): two setups build the same bytes.
 * - A deliberately broken decoder (defined here) is reported, grouped by signature, and
 *   replay(index) rebuilds the same input and the same failure.
 * - The CLI, spawned: a clean slice exits 0 and prints the table; the self-test target
 *   (tools/fuzz/selftest.ts) exits 1, prints reproduction lines, writes --json, and the printed
 *   --replay command reruns exactly that input (same hex, same failure, exit 1).
 * Budget: well under 30 s on two cores.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeInput, replay, reproCommand, runTarget, toHex, type FuzzTarget } from "../tools/fuzz/engine";
import { allTargets } from "../tools/fuzz/targets";
import { decodeSteps, encodeSteps } from "../tools/fuzz/targets/session";

const CI_SEED = 0x0c1f0220;
/** Inputs per target in the in-process slice (the session target runs a whole world per input). */
const SLICE_INPUTS: Record<string, number> = { mqtt: 20_000, cbor: 15_000, sensor: 15_000, motor: 10_000, control: 20_000, session: 400 };

test("the targets are the six wire-facing decoders: mqtt, cbor, sensor, motor, control, session", (t) => {
  t.deepEqual(allTargets.map((x) => x.name).sort(), ["cbor", "control", "motor", "mqtt", "sensor", "session"]);
});

for (const target of allTargets) {
  test(`fuzz slice: ${target.name}, seed ${CI_SEED.toString(16)}, ${SLICE_INPUTS[target.name]} inputs, no failures`, (t) => {
    const n = SLICE_INPUTS[target.name];
    t.truthy(n, "every target has a slice size");
    const r = runTarget(target, { seed: CI_SEED, inputs: n });
    t.deepEqual(r.recorded.slice(0, 5).map((f) => `${reproCommand(target.name, CI_SEED, f.index)}: ${f.sig}\n${f.detail}\nhex ${f.hex}`), []);
    t.is(r.failures, 0);
    t.is(r.inputs, n);
    t.true(r.corpusSize > 0);
  });

  test(`fuzz inputs are a function of (seed, target, index): ${target.name}`, (t) => {
    const a = target.setup(CI_SEED);
    const b = target.setup(CI_SEED);
    let distinct = 0;
    let prev = "";
    for (const index of [0, 1, 2, 17, 999, 123_456]) {
      const x = toHex(makeInput(target, a, CI_SEED, index).input);
      const y = toHex(makeInput(target, b, CI_SEED, index).input);
      t.is(x, y, `input ${index}`);
      if (x !== prev) distinct++;
      prev = x;
    }
    t.true(distinct >= 4, "different indexes give different inputs");
  });
}

test("session step scripts round-trip through their byte form", (t) => {
  const steps = [
    { op: 0, runMs: 0, payload: Uint8Array.of(0xa1, 0x61, 0x74, 0x0c) },
    { op: 3, runMs: 65535, payload: new Uint8Array(300).fill(7) },
    { op: 5, runMs: 1000, payload: new Uint8Array(0) },
  ];
  const bytes = encodeSteps(steps);
  t.deepEqual(decodeSteps(bytes), steps);
  // A truncated last step is dropped, never misread.
  t.deepEqual(decodeSteps(bytes.subarray(0, bytes.length - 1)), steps.slice(0, 2));
  t.deepEqual(decodeSteps(bytes.subarray(0, 4 + 5)), steps.slice(0, 1));
});

/** A test-only decoder with a planted bug: it throws when a 0xde byte is followed by 0xad. */
function plantedDecode(input: Uint8Array): number {
  for (let i = 0; i + 1 < input.length; i++) {
    if (input[i] === 0xde && input[i + 1] === 0xad) throw new TypeError(`planted bug at ${i}`);
  }
  return input.length;
}

const plantedTarget: FuzzTarget = {
  name: "planted",
  description: "test-only decoder that throws on de ad",
  setup: () => ({
    corpus: [Uint8Array.of(0xde, 0x00, 0xad), Uint8Array.of(0x01, 0xde), Uint8Array.of(0xad, 0x02, 0x03, 0x04)],
    run: (input) => (plantedDecode(input) === input.length ? null : { sig: "wrong length", detail: "" }),
  }),
};

test("the harness reports a broken decoder, and replay reproduces each failure exactly", (t) => {
  const r = runTarget(plantedTarget, { seed: 99, inputs: 5_000 });
  t.is(r.inputs, 5_000);
  t.true(r.failures > 0, "the planted bug is found");
  t.deepEqual(Object.keys(r.signatures).length, 1);
  const sig = Object.keys(r.signatures)[0];
  t.regex(sig, /^exception TypeError: planted bug at N at test\/fuzz\.test\.ts/);
  for (const f of r.recorded.slice(0, 10)) {
    t.true(f.hex.includes("dead"), `failing input ${f.index} holds the pattern: ${f.hex}`);
    const again = replay(plantedTarget, 99, f.index);
    t.is(again.hex, f.hex);
    t.is(again.failure?.sig, sig);
  }
  // An index that passed replays as a pass.
  const failed = new Set(r.recorded.map((f) => f.index));
  let passing = 0;
  while (failed.has(passing)) passing++;
  t.is(replay(plantedTarget, 99, passing).failure, null);
  t.is(reproCommand("planted", 99, 12), "npm run fuzz -- --target planted --seed 99 --replay 12");
});

const ROOT = join(import.meta.dirname, "..");

function cli(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import=tsx", "tools/fuzz.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** "npm run fuzz -- a b c" -> ["a", "b", "c"] */
function argsOf(command: string): string[] {
  const prefix = "npm run fuzz -- ";
  if (!command.startsWith(prefix)) throw new Error(`not a fuzz command: ${command}`);
  return command.slice(prefix.length).split(" ");
}

test("CLI: a clean time-budgeted run exits 0 and prints the table", (t) => {
  const r = cli(["--seconds", "1", "--target", "control", "--seed", "5"]);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /\| target +\| inputs tried \| failures \| unique failure signatures \|/);
  const row = /\| control +\| (\d+) +\| 0 +\| 0 +\|/.exec(r.out);
  t.truthy(row, r.out);
  t.true(Number(row![1]) > 1_000, "many inputs in one second");
  t.regex(r.out, /fuzz: no failures/);
});

test("CLI: the self-test target fails with exit 1, and its printed --replay reruns that input", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fuzz-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, "summary.json");
  const r = cli(["--selftest", "--target", "broken", "--inputs", "3000", "--seed", "7", "--json", json]);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /\| broken +\| 3000 +\| [1-9]\d* +\| 2 +\|/);
  t.regex(r.out, /npm run fuzz -- --selftest --target broken --seed 7 --replay \d+/);
  t.regex(r.out, /fuzz: FAILURES in broken/);
  const summary = JSON.parse(readFileSync(json, "utf8"));
  t.is(summary.totalInputs, 3000);
  t.true(summary.totalFailures > 0);
  const sigs = Object.keys(summary.targets[0].signatures);
  t.true(sigs.some((s: string) => s.startsWith("exception RangeError: broken decoder")), sigs.join("; "));
  t.true(sigs.includes("brokenDecode() returned a code outside errorTable"), sigs.join("; "));
  // One failure of each signature: the printed command reproduces it alone.
  for (const sig of sigs) {
    const f = summary.targets[0].recorded.find((x: { sig: string }) => x.sig === sig);
    t.truthy(f);
    t.true(r.out.includes(`--replay ${f.index}\n    ${sig}\n    hex ${f.hex}\n`), "the first failure of each signature is printed with its hex");
    const again = cli(argsOf(f.replay));
    t.is(again.status, 1, again.out);
    t.true(again.out.includes(`hex ${f.hex}\n`), again.out);
    t.true(again.out.includes(`FAILURE: ${sig}`), again.out);
  }
  // Bad usage is exit 2, not a crash.
  t.is(cli(["--target", "nope", "--inputs", "1"]).status, 2);
  t.is(cli(["--replay", "3"]).status, 2);
});
