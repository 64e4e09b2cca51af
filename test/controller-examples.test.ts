/*
 * The controller examples, loaded the way `--controller` loads them (controller-loader.ts)
 * and run behind the brain's adapter:
 *   - the wall-follower in a closed loop with a simulated robot beside a wall: it settles at
 *     its target distance from any start;
 *   - the socket policy with a Node client speaking its line protocol (start, frame, answer,
 *     timeout, bad lines, end), and the shipped Python policy when python3 is installed;
 *   - the loader's errors for modules that are not controllers;
 *   - the wall-follower against a brain with examples/wall-agent.json (drives) and with
 *     examples/agent.json (no `wall`: said once in the log), and the once-per-agent note.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { ChannelKind, ElementType } from "../src/codec/frames/channels.ts";
import { declareSpecs, type DeclaredChannels, type TypedArray } from "../brain/channels.ts";
import { toFrameController } from "../brain/controller-adapter.ts";
import { ControllerLoadError, loadController } from "../brain/controller-loader.ts";
import { SocketPolicy } from "../examples/socket-policy/controller.ts";
import { tempDir } from "../testkit/temp-dir.ts";
import { until } from "../testkit/until.ts";
import { startBrain } from "../brain/index.ts";
import { parseAgentFile } from "../hosts/node/agent-config.ts";
import { NodeAgent } from "../hosts/node/node-agent.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const rover = declareSpecs(
  [
    { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 1, rateHz: 20 },
    { id: 2, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 1, rateHz: 20 },
    { id: 3, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 2, rateHz: 20 },
    { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 20 },
  ],
  [{ name: "wall", unit: "m" }, { name: "distance", unit: "m" }, { name: "bumpers" }, { name: "wheels" }],
) as DeclaredChannels;

test("wall-follower (loaded by path) settles at its target distance from the wall", async (t) => {
  for (const [startM, headingRad] of [[1.2, 0], [0.2, 0.3], [0.8, -0.4]]) {
    const fc = toFrameController(await loadController("examples/wall-follower.ts"));
    fc.onSessionStart!({ agentId: "r", sessionId: 1, generation: 1, declared: rover });
    // Robot at distance y from a wall on its right (the wall is the line y = 0), heading
    // theta (0 = parallel, positive = turning away from the wall). Wheel base 0.2 m, top speed 0.5 m/s.
    let y = startM;
    let theta = headingRad;
    const dt = 0.05;
    let wall = NaN;
    for (let i = 0; i < 600; i++) {
      wall = y / Math.cos(theta);
      const ctx = { agentId: "r", sessionId: 1, seq: i, brainTimeMs: i * 50, agentTimeMs: i * 50, channels: new Map<number, TypedArray>([[1, Float32Array.of(wall)], [2, Float32Array.of(10)]]), declared: rover };
      const cmd = fc.onSensorFrame(ctx) as { channels: Map<number, TypedArray> };
      const [l, r] = cmd.channels.get(10)!;
      const v = ((l + r) / 2) * 0.5;
      const w = ((r - l) / 0.2) * 0.5;
      theta += w * dt;
      y += v * Math.sin(theta) * dt;
    }
    t.true(Math.abs(wall - 0.5) < 0.03, `from ${startM} m, heading ${headingRad}: wall distance ${wall.toFixed(3)} m after 30 s`);
    t.true(Math.abs(theta) < 0.1, `heading ${theta.toFixed(3)} rad`);
  }
});

/** A policy client speaking the socket controller's line protocol. */
async function client(port: number): Promise<{ sock: Socket; next(): Promise<Record<string, unknown>>; send(o: unknown): void }> {
  const sock = createConnection({ port, host: "127.0.0.1" });
  await new Promise((r) => sock.once("connect", r));
  sock.setEncoding("utf8");
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let buf = "";
  sock.on("data", (c: string) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return {
    sock,
    next: () => new Promise((r) => (lines.length > 0 ? r(JSON.parse(lines.shift()!)) : waiters.push((l) => r(JSON.parse(l))))),
    send: (o) => sock.write((typeof o === "string" ? o : JSON.stringify(o)) + "\n"),
  };
}

function ctxOf(seq: number, distance: number, bumpers: [number, number]) {
  return {
    agentId: "r",
    sessionId: 7,
    seq,
    brainTimeMs: 1000 + seq,
    agentTimeMs: 1000 + seq,
    channels: new Map<number, TypedArray>([[2, Float32Array.of(distance)], [3, Uint8Array.of(...bumpers)]]),
    declared: rover,
  };
}

test("socket policy: frames out, answers back, timeouts and bad lines handled", async (t) => {
  const logs: string[] = [];
  const policy = new SocketPolicy({ port: 0, timeoutMs: 150, log: (m) => logs.push(m) });
  t.teardown(() => policy.close());
  const port = await policy.listening;
  const fc = toFrameController(policy);
  fc.onSessionStart!({ agentId: "r", sessionId: 7, generation: 1, declared: rover });
  t.is(fc.onSensorFrame(ctxOf(0, 1, [0, 0])), null, "no policy yet: no motor frame");
  const c = await client(port);
  t.teardown(() => c.sock.destroy());
  const start = await c.next();
  t.like(start, { type: "start", agent: "r", session: 7 });
  t.deepEqual((start.channels as { name: string }[]).map((ch) => ch.name), ["wall", "distance", "bumpers", "wheels"]);

  const answer = fc.onSensorFrame(ctxOf(1, 0.9, [0, 1])) as Promise<{ channels: Map<number, TypedArray> } | null>;
  const f = await c.next();
  t.deepEqual(f, { type: "frame", agent: "r", session: 7, seq: 1, t: 1001, sensors: { distance: [0.8999999761581421], bumpers: [0, 1] } });
  c.send("this is not json");
  c.send({ agent: "r", seq: 1, motors: { wheels: [0.25, -0.5] } });
  const cmd = await answer;
  t.deepEqual([...cmd!.channels.get(10)!], [0.25, -0.5]);

  const empty = fc.onSensorFrame(ctxOf(2, 1, [0, 0])) as Promise<unknown>;
  await c.next();
  c.send({ agent: "r", seq: 2, motors: {} });
  t.is(await empty, null, "empty motors: no motor frame");

  const late = fc.onSensorFrame(ctxOf(3, 1, [0, 0])) as Promise<unknown>;
  await c.next();
  t.is(await late, null, "no answer within the timeout: no motor frame");
  c.send({ agent: "r", seq: 3, motors: { wheels: [1, 1] } }); // too late: ignored
  t.is(policy.badLines, 1);
  fc.onSessionEnd!("r", 7);
  t.deepEqual(await c.next(), { type: "end", agent: "r", session: 7 });
  t.true(logs.some((l) => l.startsWith("socket policy: ignoring a bad line")));
});

const python = spawnSync("python3", ["--version"]).status === 0;

(python ? test : test.skip)("socket policy: the shipped Python policy drives the wheels (python3)", async (t) => {
  const policy = new SocketPolicy({ port: 0, timeoutMs: 2000, log: () => undefined });
  t.teardown(() => policy.close());
  const port = await policy.listening;
  const fc = toFrameController(policy);
  fc.onSessionStart!({ agentId: "r", sessionId: 7, generation: 1, declared: rover });
  const py = spawn("python3", ["examples/socket-policy/policy.py", String(port), "3"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  py.stdout.on("data", (d) => (out += d));
  py.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => py.on("exit", r));
  const t0 = Date.now();
  while (!out.includes("session 7") && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
  const rows: [distance: number, bumpers: [number, number], wheels: number[]][] = [
    [2, [0, 0], [1, 1]],
    [0.2, [0, 0], [0.5, -0.5]],
    [2, [1, 0], [-0.5, -0.3]],
  ];
  for (const [i, [d, b, want]] of rows.entries()) {
    const cmd = (await fc.onSensorFrame(ctxOf(i + 1, d, b))) as { channels: Map<number, TypedArray> } | null;
    t.deepEqual(cmd === null ? null : [...cmd.channels.get(10)!].map((v) => +v.toFixed(3)), want, `distance ${d}, bumpers ${b}: ${out}`);
  }
  t.is(await exited, 0, out);
  t.regex(out, /answered 3 frames/);
});
if (!python) console.log("controller-examples: python3 not found, the Python policy test is skipped (the Node client test above covers the protocol)");

test("loader: modules that are not controllers are refused with what was found", async (t) => {
  const dir = tempDir(t, "bs-ctl-");
  const files: [name: string, body: string, error: RegExp][] = [
    ["none.mjs", "export const x = 1;", /exports none of default, controller, createController \(it exports: x\)/],
    ["number.mjs", "export default 42;", /export "default" is number, not a controller/],
    ["factory.mjs", "export default () => ({});", /is a function, but what it made has no onSensorFrame method/],
    ["broken.mjs", "export default {", /failed to load/],
  ];
  for (const [name, body, error] of files) {
    writeFileSync(join(dir, name), body);
    await t.throwsAsync(loadController(join(dir, name)), { instanceOf: ControllerLoadError, message: error }, name);
  }
  await t.throwsAsync(loadController(join(dir, "missing.ts")), { instanceOf: ControllerLoadError, message: /not found/ });
  writeFileSync(join(dir, "named.mjs"), "export const controller = { onSensorFrame() { return null; } };");
  t.is(typeof (await loadController(join(dir, "named.mjs"))).onSensorFrame, "function");
  writeFileSync(join(dir, "cls.mjs"), "export default class C { onSensorFrame() { return null; } }");
  t.is(typeof (await loadController(join(dir, "cls.mjs"))).onSensorFrame, "function");
});

/** Runs an example agent file against a brain driven by the wall-follower for a moment. */
async function wallFollowerWith(agentFile: string): Promise<{ warns: string[]; wheels: number[][] }> {
  const spec = parseAgentFile(readFileSync(join(ROOT, agentFile), "utf8"), ROOT);
  if (spec.problems.length > 0) throw new Error(spec.problems.join("\n"));
  const a = spec.agents[0];
  const warns: string[] = [];
  const brain = await startBrain({ keys: new Map([[a.config.agentId, a.config.key]]), brokerPort: 0, httpPort: 0, log: (level, m) => level === "warn" && warns.push(m), controller: await loadController("examples/wall-follower.ts") });
  const wheels: number[][] = [];
  const wheelsId = a.config.channels.find((c) => c.name === "wheels")!.id;
  const agent = new NodeAgent({ config: { ...a.config, brokers: [`127.0.0.1:${new URL(brain.brokerUrl).port}`], session: { ...a.config.session, sensorRateHz: 50 } }, applyMotor: (id, v) => id === wheelsId && wheels.push(Array.from(v)) });
  let registered = 0;
  brain.on("registered", () => registered++);
  agent.start();
  try {
    await until("registered", () => registered === 1, 10_000);
    await new Promise((r) => setTimeout(r, 600));
  } finally {
    await agent.stop();
    await brain.close();
  }
  return { warns, wheels };
}

test("wall-follower with examples/wall-agent.json: the agent has what it needs and gets wheel commands", async (t) => {
  const { warns, wheels } = await wallFollowerWith("examples/wall-agent.json");
  t.deepEqual(warns.filter((w) => w.startsWith("controller:")), []);
  t.true(wheels.length >= 10, `${wheels.length} wheel commands`);
  t.true(wheels.some(([l, r]) => l !== 0 || r !== 0), "it drives");
});

test("wall-follower with examples/agent.json (no wall sensor): said once in the brain's log, no wheel commands", async (t) => {
  const { warns, wheels } = await wallFollowerWith("examples/agent.json");
  t.deepEqual(warns.filter((w) => w.startsWith("controller:")), [
    'controller: agent demo1 lacks the sensor "wall" this controller needs (it has sensors distance, bumpers; motors wheels, head): it gets no motor frames from it',
  ]);
  t.deepEqual(wheels, []);
});

test("missing channels are reported once per agent id, across its sessions", (t) => {
  const notes: string[] = [];
  const fc = toFrameController({ needs: { sensors: ["wall"], motors: ["wheels", "arm"] }, onSensorFrame: () => null }, (m) => notes.push(m));
  fc.onSessionStart!({ agentId: "r", sessionId: 1, generation: 1, declared: rover });
  fc.onSessionStart!({ agentId: "r", sessionId: 2, generation: 2, declared: rover });
  t.deepEqual(notes, ['controller: agent r lacks the motor "arm" this controller needs (it has sensors wall, distance, bumpers; motors wheels): it gets no motor frames from it']);
});
