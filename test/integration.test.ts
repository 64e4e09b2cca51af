/*
 * Integration over real brokers on 127.0.0.1: every case runs against aedes and against
 * Mosquitto (started and stopped by the test). The agent is the real firmware core on the
 * Node host; one case runs the firmware bundle on XS. Waits are bounded polls on state, never
 * wall-clock assertions.
 */
import test, { type ExecutionContext } from "ava";
import crypto from "node:crypto";
import { startBrain, type Brain } from "../brain/index";
import type { AgentConfigInput } from "../src/agent/config";
import { Err } from "../src/errors";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { NodeAgent } from "../hosts/node/node-agent";
import { XsAgent } from "../hosts/xs/xs-agent";
import { startAedes, startMosquitto, type TestBroker } from "../testkit/brokers";
import { encodeDeath } from "../src/protocol/encode";
import mqtt from "mqtt";
import net from "node:net";
import { until } from "../testkit/until";

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const brokers: [string, () => Promise<TestBroker>][] = [
  ["aedes", () => startAedes()],
  ["mosquitto", () => startMosquitto()],
];

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
  { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
  { id: 2, name: "range", kind: "sensor", type: "f32", count: 1 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

function config(agentId: string, key: Uint8Array, broker: TestBroker, session: AgentConfigInput["session"] = {}): AgentConfigInput {
  return {
    agentId, key, brokerHost: "127.0.0.1", brokerPort: broker.port, channels,
    session: { sensorRateHz: 200, heartbeatIntervalMs: 200, linkSilenceMs: 2_000, backoffBaseMs: 100, backoffMaxMs: 2_000, ...session },
  };
}

interface Rig {
  broker: TestBroker;
  brain: Brain;
  keys: Map<string, Uint8Array>;
  logs: string[];
  motor: Map<string, number>;
  agent(id: string, session?: AgentConfigInput["session"], key?: Uint8Array, nativeHmac?: boolean): NodeAgent;
}

async function rig(t: ExecutionContext, makeBroker: () => Promise<TestBroker>): Promise<Rig> {
  const broker = await makeBroker();
  t.teardown(() => broker.stop());
  const keys = new Map<string, Uint8Array>();
  for (const id of ["a1", "a2", "a3", "xs1"]) keys.set(id, crypto.randomBytes(32));
  const logs: string[] = [];
  const brain = await startBrain({ broker: broker.url, keys, httpPort: 0, heartbeatMs: 200, log: (_l, m) => logs.push(m) });
  const r: Rig = {
    broker, brain, keys, logs, motor: new Map(),
    agent(id, session = {}, key = keys.get(id)!, nativeHmac = false) {
      const a = new NodeAgent({ config: config(id, key, broker, session), nativeHmac, applyMotor: () => r.motor.set(id, (r.motor.get(id) ?? 0) + 1) });
      t.teardown(() => a.kill());
      a.start();
      return a;
    },
  };
  t.teardown(() => r.brain.close());
  return r;
}

const active = (a: NodeAgent) => a.agent.phase === Phase.Active;

for (const [name, makeBroker] of brokers) {
  test.serial(`${name}: register, stream 1,000 sensor frames, receive motor frames; every frame accounted for`, async (t) => {
    const r = await rig(t, makeBroker);
    const a = r.agent("a1", {}, undefined, name === "mosquitto"); // node:crypto HMAC on one of the two runs
    await until("active", () => active(a));
    await until("1,000 frames sent", () => a.agent.counters[Counter.SensorFramesSent] >= 1_000);
    await a.stop();
    const sent = a.agent.counters[Counter.SensorFramesSent];
    await until("brain received them", () => (r.brain.agents().find((x) => x.id === "a1")?.framesIn ?? 0) >= sent, 3_000).catch(() => undefined);
    const status = r.brain.agents().find((x) => x.id === "a1")!;
    const dropped = a.agent.counters[Counter.SensorFramesDropped];
    t.is(status.framesIn + dropped, sent, "sent = received + counted drops");
    t.is(dropped, 0, "no drops on loopback at QoS 0");
    t.true((r.motor.get("a1") ?? 0) > 900, `motor frames applied: ${r.motor.get("a1")}`);
    t.is(a.agent.counters[Counter.MotorDroppedMac], 0);
  });

  test.serial(`${name}: broker restart mid-stream: the agent resumes by itself with a new generation; a stale death notice is ignored`, async (t) => {
    const r = await rig(t, makeBroker);
    const a = r.agent("a1");
    await until("active", () => active(a));
    const gen = a.agent.status().generation;
    await r.broker.restart();
    await until("active again", () => active(a) && a.agent.status().generation > gen, 20_000);
    await until("brain sees the new session", () => r.brain.agents().find((x) => x.id === "a1")?.generation === a.agent.status().generation, 10_000);
    // A death notice from the previous generation arrives late: the brain must ignore it.
    const spoof = await mqtt.connectAsync(r.broker.url, { clientId: "late-will", username: "a1" });
    const buf = new Uint8Array(32);
    const n = encodeDeath(buf, 0, gen);
    await spoof.publishAsync("bs/1/a1/up/ctl", Buffer.from(buf.subarray(0, n)), { qos: 1 });
    await spoof.endAsync();
    await until("stale death counted", () => (r.brain.agents().find((x) => x.id === "a1")?.staleDeathsIgnored ?? 0) >= 1, 5_000);
    const s = r.brain.agents().find((x) => x.id === "a1")!;
    t.not(s.phase, "dead", "the agent is still alive for the brain");
    t.true(active(a));
    t.true(a.agent.counters[Counter.LinkLosses] >= 1);
  });

  test.serial(`${name}: brain restart: the agent resumes`, async (t) => {
    const r = await rig(t, makeBroker);
    const a = r.agent("a1");
    await until("active", () => active(a));
    const gen = a.agent.status().generation;
    await r.brain.close();
    r.brain = await startBrain({ broker: r.broker.url, keys: r.keys, httpPort: 0, heartbeatMs: 200 });
    await until("active with the new brain", () => active(a) && a.agent.status().generation > gen, 20_000);
    const before = r.motor.get("a1") ?? 0;
    await until("motor frames from the new brain", () => (r.motor.get("a1") ?? 0) > before + 10);
    t.pass();
  });

  test.serial(`${name}: deploy drain: reconnects after retry-after without escalating its backoff`, async (t) => {
    const r = await rig(t, makeBroker);
    const a = r.agent("a1");
    await until("active", () => active(a));
    const gen = a.agent.status().generation;
    const t0 = Date.now();
    r.brain.drain("a1", 1, 800);
    await until("drained", () => a.agent.phase === Phase.BackingOff);
    await until("active again", () => active(a) && a.agent.status().generation > gen);
    t.true(Date.now() - t0 >= 700, "stayed away for the retry-after hint");
    t.is(a.agent.status().attempt, 0, "backoff not escalated");
    t.is(a.agent.counters[Counter.Drains], 1);
  });

  test.serial(`${name}: a wrong key ends in failed with a reason, and the brain logs the rejection; an unknown agent is rejected`, async (t) => {
    const r = await rig(t, makeBroker);
    const wrong = r.agent("a2", {}, crypto.randomBytes(32));
    const unknown = r.agent("stranger", {}, crypto.randomBytes(32));
    await until("both failed", () => wrong.agent.phase === Phase.Failed && unknown.agent.phase === Phase.Failed);
    t.is(wrong.agent.lastReason, Err.RejectedInvalidAuth);
    t.is(unknown.agent.lastReason, Err.RejectedUnknownAgent);
    t.true(r.logs.some((l) => l.includes("a2") && /reject/i.test(l)), "brain logged the bad proof");
    t.true(r.logs.some((l) => l.includes("stranger") && /unknown/i.test(l)), "brain logged the unknown agent");
  });
}

test.serial("broker list: the first broker refuses, the agent rotates to the live one; no link loss counted", async (t) => {
  const r = await rig(t, () => startAedes());
  const dead = await closedPort();
  const cfg = { ...config("a1", r.keys.get("a1")!, r.broker), brokerHost: undefined, brokerPort: undefined, brokers: [`127.0.0.1:${dead}`, `127.0.0.1:${r.broker.port}`] };
  const lines: string[] = [];
  const a = new NodeAgent({ config: cfg, log: (_l, _c, m) => lines.push(m) });
  t.teardown(() => a.kill());
  a.start();
  await until("active via the second broker", () => active(a));
  t.true(lines.some((l) => l.includes(`127.0.0.1:${dead} peer-level PEER_REFUSED`)), "the refusal is logged with its class and broker");
  t.is(a.agent.counters[Counter.LinkLosses], 0, "a refused connect is not a link loss");
  t.is(a.agent.counters[Counter.ConnectFailures], 1);
});

test.serial("two devices with one agent id: each backs off with a growing delay instead of taking the session back twice a second", async (t) => {
  const r = await rig(t, () => startAedes());
  const x = r.agent("a3");
  const y = r.agent("a3");
  await until("one of them active", () => active(x) || active(y));
  await new Promise((res) => setTimeout(res, 8_000));
  const attempts = x.agent.counters[Counter.ConnectAttempts] + y.agent.counters[Counter.ConnectAttempts];
  const short = x.agent.counters[Counter.ShortSessions] + y.agent.counters[Counter.ShortSessions];
  t.log(`8 s with a shared id: ${attempts} connection attempts, ${short} short sessions counted, backoff attempts now ${x.agent.status().attempt} and ${y.agent.status().attempt}`);
  t.true(short >= 2, "the takeovers are counted");
  t.true(attempts <= 30, `${attempts} attempts in 8 s (backoff 100..2000 ms; was one every 50 ms or so)`);
});

test.serial("XS host: the firmware bundle on XS registers, streams and applies motor frames against Mosquitto", async (t) => {
  const r = await rig(t, () => startMosquitto());
  let motor = 0;
  const xs = new XsAgent({ config: config("xs1", r.keys.get("xs1")!, r.broker, { sensorRateHz: 50 }), applyMotor: () => void motor++ });
  t.teardown(() => xs.close());
  await xs.boot();
  await xs.start();
  await until("xs active", () => xs.phase === Phase.Active, 20_000);
  await until("200 motor frames on XS", () => motor >= 200, 20_000);
  const status = (await xs.status())!;
  t.is(status.phase, "active");
  t.true(status.counters[Counter.SensorFramesSent] >= 200);
  t.is(status.counters[Counter.SensorFramesDropped], 0);
  t.true(r.brain.agents().some((x) => x.id === "xs1" && x.framesIn >= 200));
  await xs.stop();
  t.is(xs.phase, Phase.Stopped);
});
