/*
 * The laptop agent: `npm run agent -- --config FILE`. The config format's checks as a table
 * (every problem listed, the firmware's own validation included), the CLI's exit code 2 with
 * all problems on stderr, and a real run of examples/agent.json (pointed at a test brain)
 * that registers, streams and gets the demo controller's motor frames, then deregisters.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBrain } from "../brain/index.ts";
import { DemoController } from "../brain/demo-controller.ts";
import { loadKeysFile } from "../brain/keys.ts";
import { parseAgentFile } from "../hosts/node/agent-config.ts";
import { tempDir } from "../testkit/temp-dir.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const example = JSON.parse(readFileSync(join(ROOT, "examples/agent.json"), "utf8"));
const KEY = example.key as string;

/** What this Node's JSON.parse says about text (its wording differs between versions). */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("valid JSON");
}

function variant(patch: (o: Record<string, unknown>) => void): string {
  const o = structuredClone(example);
  patch(o);
  return JSON.stringify(o);
}

test("examples/agent.json is valid and matches the demo agent of brain/keys.example.json", (t) => {
  const r = parseAgentFile(JSON.stringify(example), ROOT);
  t.deepEqual(r.problems, []);
  const a = r.agents[0];
  const keys = loadKeysFile(join(ROOT, "brain/keys.example.json"));
  t.deepEqual(Buffer.from(a.config.key).toString("hex"), Buffer.from(keys.get(a.config.agentId)!).toString("hex"));
  t.deepEqual(a.config.channels.map((c) => c.name), ["distance", "bumpers", "wheels", "head"]);
  t.deepEqual(a.brokers, [{ host: "127.0.0.1", port: 1883 }]);
  t.deepEqual(a.waves.get(1), { shape: "sine", periodMs: 4000, min: 0.2, max: 3.1, phase: 0 });
});

const BAD: [why: string, text: string, problems: string[]][] = [
  ["not JSON", "{ id: demo1 }", [`not valid JSON: ${jsonError("{ id: demo1 }")}`]],
  ["an array", "[]", ['must be one agent object, or {"agents": [ ... ]}']],
  ["an empty list", '{"agents": []}', ["agents: the list is empty"]],
  [
    "bad id, short key, broker with a named port, typo in a field",
    variant((o) => {
      o.id = "demo 1";
      o.key = "abcd";
      o.brokers = ["127.0.0.1:mqtt"];
      o.sessionn = {};
    }),
    [
      "agents[0] (demo 1): sessionn: unknown field (known: id, key, brokers, firmwareVersion, maxFrameBytes, logLevel, sensorRateHz, session, script, channels)",
      'agents[0] (demo 1): agentId: must be 1..20 characters of A-Z a-z 0-9 _ - (got "demo 1")',
      "agents[0] (demo 1): key: must be 16..64 bytes (got 2 bytes)",
      'agents[0] (demo 1): brokers[0]: "127.0.0.1:mqtt" has a port outside 1..65535',
    ],
  ],
  [
    "non-hex key, no brokers, port out of range in a second agent",
    JSON.stringify({ agents: [{ ...example, key: "zz" }, { ...example, id: "demo2", brokers: ["h:70000"] }, { ...example, brokers: [] }] }),
    [
      "agents[0] (demo1): key: must be an even number of hex digits (got 2 characters); make one with: openssl rand -hex 32",
      'agents[1] (demo2): brokers[0]: "h:70000" has a port outside 1..65535',
      'agents[2] (demo1): brokers: must be a non-empty list of "host:port"',
      "agents[2] (demo1): id: used by another agent of this file",
    ],
  ],
  [
    "channel problems: name, unit, duplicate name, a wave on a motor, a bad wave",
    variant((o) => {
      const ch = o.channels as Record<string, unknown>[];
      ch[0].name = "front range";
      ch[0].wave = { shape: "sawtooth", periodMs: 0 };
      ch[1].name = "wheels";
      ch[2].wave = { shape: "sine" };
      ch[3].unit = "degrees-of-arc-xx";
      ch[3].colour = "red";
    }),
    [
      "agents[0] (demo1): channels[0].wave.shape: must be one of sine, triangle, square, ramp, constant (got \"sawtooth\")",
      "agents[0] (demo1): channels[0].wave.periodMs: must be a number > 0 (got 0)",
      "agents[0] (demo1): channels[2].wave: only sensor channels have a wave",
      "agents[0] (demo1): channels[3].colour: unknown field (known: id, name, unit, kind, type, count, rateHz, safe, wave)",
      'agents[0] (demo1): channels[0].name: must be 1..32 characters of A-Z a-z 0-9 _ - (got "front range")',
      'agents[0] (demo1): channels[2].name: "wheels" is used twice',
      'agents[0] (demo1): channels[3].unit: must be a text of at most 16 bytes (got "degrees-of-arc-xx")',
    ],
  ],
  [
    "session timings go through the firmware's checks",
    variant((o) => {
      o.session = { heartbeatIntervalMs: 1, bogus: 3 };
      o.sensorRateHz = 20;
    }),
    ["agents[0] (demo1): session.heartbeatIntervalMs: 1 is outside 100..60000", "agents[0] (demo1): session.bogus: unknown session setting"],
  ],
];

for (const [why, text, problems] of BAD)
  test(`config problem: ${why}`, (t) => {
    const r = parseAgentFile(text, ROOT);
    t.deepEqual(r.agents, []);
    t.deepEqual(r.problems, problems);
  });

interface Run {
  exit: Promise<number | null>;
  out(): string;
  err(): string;
}
function cli(args: string[]): Run {
  const p = spawn(process.execPath, ["--import=tsx", "tools/agent.ts", ...args], { cwd: ROOT });
  let out = "";
  let err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  return { exit: new Promise((r) => p.on("exit", r)), out: () => out, err: () => err };
}

test("CLI: a bad config file lists every problem on stderr and exits 2", async (t) => {
  const dir = tempDir(t, "bs-agent-");
  const file = join(dir, "bad.json");
  writeFileSync(file, BAD[3][1]);
  const run = cli(["--config", file]);
  t.is(await run.exit, 2);
  const lines = run.err().trimEnd().split("\n");
  t.is(lines[0], `agent: ${file} has 4 problems:`);
  t.deepEqual(lines.slice(1), BAD[3][2].map((p) => `  ${file}: ${p}`));
  const none = cli([]);
  t.is(await none.exit, 2);
  t.regex(none.err(), /--config FILE is required/);
});

test("CLI: examples/agent.json (with a sensor script) against a running brain registers, streams, gets motor frames and deregisters", async (t) => {
  const keys = loadKeysFile(join(ROOT, "brain/keys.example.json"));
  const brain = await startBrain({ keys, brokerPort: 0, httpPort: 0, log: () => undefined, controller: new DemoController({ log: () => undefined }) });
  t.teardown(() => brain.close());
  const dir = tempDir(t, "bs-agent-");
  const file = join(dir, "agent.json");
  // The sensor script holds the robot 0.2 m from an obstacle with no bumper pressed: the demo spins it.
  writeFileSync(join(dir, "sensors.mjs"), 'export default (channel) => (channel === "distance" ? 0.2 : channel === "bumpers" ? [0, 0] : undefined);');
  writeFileSync(file, JSON.stringify({ ...example, script: "sensors.mjs", brokers: ["127.0.0.1:1", `127.0.0.1:${new URL(brain.brokerUrl).port}`] }));
  let registered = 0;
  brain.on("registered", () => registered++);
  const run = cli(["--config", file, "--seconds", "4"]);
  t.is(await run.exit, 0, run.out() + run.err());
  const demo = brain.agents().find((a) => a.id === "demo1")!;
  t.is(registered, 1);
  t.is(demo.phase, "deregistered");
  t.true(demo.framesIn >= 20 && demo.framesOut === demo.framesIn, `frames in ${demo.framesIn}, out ${demo.framesOut}`);
  t.regex(run.out(), /demo1: brokers 127\.0\.0\.1:1, 127\.0\.0\.1:\d+; channels distance \(m\) sensor, bumpers sensor, wheels motor, head \(deg\) motor/);
  t.regex(run.out(), /demo1 motor wheels = \[0\.5, -0\.5\]/, "the script's values reached the controller");
  t.regex(run.out(), /demo1 info: \[demo1\] phase active/);
  t.regex(run.out(), /demo1 stopped/);
});
