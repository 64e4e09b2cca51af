/*
 * The reference brain over real brokers on 127.0.0.1 (aedes AND Mosquitto, started and
 * stopped by each test), driven by a scripted agent built from the firmware's own codecs
 * (testkit/scripted-agent.ts: src/protocol + src/codec/frames over MQTT.js):
 *   handshake and negotiated limits, heartbeat ack with brain time, sensor frame ->
 *   demo controller -> signed motor frame that src/codec/frames/motor.ts decodes and
 *   verifies; rejections (unknown agent, bad proof with its log line, bad hellos); stale vs
 *   current death notices; liveness timeout; drain and deregister formats; /status JSON;
 *   a brain restart on the same broker; the embedded broker by default.
 * Waits are for events or messages with timeouts, never fixed sleeps.
 */
import test, { type ExecutionContext } from "ava";
import { Decoder } from "cbor-x";
import { connect } from "node:net";
import { encodeDrain } from "../src/protocol/encode";
import { DeregisteredReason, DeregisterReason, DrainReason, MsgType, RejectReason } from "../src/protocol/wire";
import { COUNTER_COUNT, counterNames } from "../src/session/counters";
import { Phase } from "../src/session/automaton";
import { startBrain, type Brain, type BrainEvent, type BrainEvents, type BrainOptions, type LogLevel, type StatusReport } from "../brain/index";
import { livenessBoundMs } from "../brain/liveness";
import { ScriptedAgent, type ScriptedAgentOptions } from "../testkit/scripted-agent";
import { startBroker, type TestBroker } from "../testkit/brokers";
import { until } from "../testkit/until";

/** The brain's clock: index.ts passes performance.now() as nowMs, and brain time is nowMs >>> 0. */
const brainTimeMs = () => performance.now() >>> 0;
const KEY_R1 = new Uint8Array(32).map((_, i) => i + 1);
const KEY_R2 = new Uint8Array(16).fill(0x42);
const KEYS = new Map([
  ["r1", KEY_R1],
  ["r2", KEY_R2],
]);
const KINDS = ["aedes", "mosquitto"] as const;
type Kind = (typeof KINDS)[number];

interface Rig {
  broker: TestBroker;
  brain: Brain;
  logs: [LogLevel, string][];
}

async function rig(t: ExecutionContext, kind: Kind, opts: Partial<BrainOptions> = {}): Promise<Rig> {
  const broker = await startBroker(kind);
  t.teardown(() => broker.stop());
  const logs: [LogLevel, string][] = [];
  const brain = await startBrain({ broker: broker.url, keys: KEYS, log: (l, m) => logs.push([l, m]), ...opts });
  t.teardown(() => brain.close());
  return { broker, brain, logs };
}

async function agentOf(t: ExecutionContext, url: string, opts: Partial<ScriptedAgentOptions> = {}): Promise<ScriptedAgent> {
  const a = await ScriptedAgent.connect({ url, agentId: "r1", key: KEY_R1, ...opts });
  t.teardown(() => a.close());
  return a;
}

function nextEvent<E extends BrainEvent>(brain: Brain, event: E, pred: (d: BrainEvents[E]) => boolean = () => true, timeoutMs = 4000): Promise<BrainEvents[E]> {
  return new Promise((resolve, reject) => {
    const fn = (d: BrainEvents[E]) => {
      if (!pred(d)) return;
      clearTimeout(timer);
      brain.off(event, fn);
      resolve(d);
    };
    const timer = setTimeout(() => {
      brain.off(event, fn);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    brain.on(event, fn);
  });
}

function agentStatus(brain: Brain, id = "r1") {
  const a = brain.agents().find((x) => x.id === id);
  if (a === undefined) throw new Error(`no agent ${id} in brain.agents()`);
  return a;
}

const far = new Float32Array(16).fill(0);
far[0] = 5; // metres: full speed ahead
const near = new Float32Array(16).fill(0);
near[0] = 0.1; // closer than the stop distance: spin
const imu = new Int16Array(8);

for (const kind of KINDS) {
  test(`${kind}: handshake, negotiated limits, heartbeat ack, sensor frame -> signed motor frames verified by src`, async (t) => {
    const { brain } = await rig(t, kind, { maxFrameBytes: 2048, maxSensorHz: 50, motorDeadlineMs: 300, heartbeatMs: 700 });
    t.regex(brain.clientId, /^brain-[0-9a-f]{12}$/);
    const a = await agentOf(t, brain.brokerUrl, { generation: 7, maxFrameBytes: 4096 });
    const registered = nextEvent(brain, "registered");
    const t0 = brainTimeMs();
    const reg = await a.register();
    const t1 = brainTimeMs();
    t.true(a.brainProven, "the agent verified the brain's proof with src/protocol/auth.ts");
    t.not(reg.sessionId, 0);
    t.is(reg.generation, 7);
    t.is(reg.sensorTopic, "bs/1/r1/up/sns");
    t.is(reg.motorTopic, "bs/1/r1/dn/mot");
    t.is(reg.maxFrameBytes, 2048, "min(requested 4096, brain 2048)");
    t.is(reg.maxSensorHz, 50);
    t.is(reg.heartbeatMs, 700);
    t.is(reg.motorDeadlineMs, 300);
    t.true(reg.brainTime >= t0 && reg.brainTime <= t1, `tb ${reg.brainTime} in [${t0}, ${t1}]`);
    const ev = await registered;
    t.deepEqual([ev.agentId, ev.sessionId, ev.generation, ev.channels, ev.firmware], ["r1", reg.sessionId, 7, 4, "scripted-1"]);
    t.is(agentStatus(brain).phase, "registered");

    const h0 = brainTimeMs();
    await a.sendHeartbeat(41, 123456, 9);
    const ack = await a.nextControl(3000, MsgType.HeartbeatAck);
    t.deepEqual([ack.seq, ack.agentTime], [41, 123456], "s and ta echoed");
    t.true(ack.brainTime >= h0 && ack.brainTime <= brainTimeMs(), "tb is brain time when answered");
    t.is(agentStatus(brain).rttMs, 9);
    t.is(agentStatus(brain).phase, "binding", "a heartbeat shows the agent's data channels are bound");

    const motorEvent = nextEvent(brain, "motor");
    const sensorEvent = nextEvent(brain, "sensor");
    const s0 = brainTimeMs();
    await a.sendSensor(1, 5000, [
      [0, far],
      [1, imu],
    ]);
    const m1 = await a.nextMotor();
    const s1 = brainTimeMs();
    t.is(m1.decoded, 1, "the demo drives wheels only; head stays at the agent's safe value");
    t.is(m1.mac, 0, "src verifyMotorMac accepts the brain's MAC with the agent-derived session key");
    t.is(m1.seq, 1);
    t.true(m1.deadline >= s0 + 300 && m1.deadline <= s1 + 300, "deadline = brain time + motor deadline");
    t.deepEqual([...m1.values.get(10)!], [1, 1]);
    const sev = await sensorEvent;
    t.deepEqual([sev.agentId, sev.sessionId], ["r1", reg.sessionId]);
    const mev = await motorEvent;
    t.is(mev.frame.toString("hex"), m1.raw.toString("hex"), "the motor event carries the bytes sent");

    await a.sendSensor(2, 5010, [[0, near]]);
    const m2 = await a.nextMotor();
    t.deepEqual([m2.decoded, m2.mac, m2.seq], [1, 0, 2]);
    t.deepEqual([...m2.values.get(10)!], [0.5, -0.5]);
    const st = agentStatus(brain);
    t.deepEqual([st.framesIn, st.framesOut, st.drops, st.lostFrames, st.motorErrors], [2, 2, 0, 0, 0]);

    await a.sendSensorBytes(Buffer.from([0x82, 0x01])); // [1, ...truncated]
    await a.sendSensor(5, 5020, [[0, far]]); // seq 3 and 4 never sent
    await a.nextMotor();
    const st2 = agentStatus(brain);
    t.deepEqual([st2.framesIn, st2.drops, st2.lostFrames, st2.lastDropReason, st2.phase], [3, 1, 2, "CBOR_TRUNCATED", "active"]);
  });

  test(`${kind}: unknown agent and wrong key are rejected with reasons, and the brain logs them`, async (t) => {
    const { brain, broker, logs } = await rig(t, kind);
    const ghost = await agentOf(t, broker.url, { agentId: "ghost", key: KEY_R1 });
    await ghost.sendHello();
    const rj = await ghost.nextControl(3000);
    t.is(rj.type, MsgType.Rejected);
    t.is(rj.reason, RejectReason.UnknownAgent);
    t.regex(rj.text, /unknown agent "ghost"/);
    t.true(logs.some(([l, m]) => l === "warn" && m.includes("ghost") && m.includes("unknown-agent")), JSON.stringify(logs));

    const rejected = nextEvent(brain, "rejected", (e) => e.agentId === "r1");
    const wrong = await agentOf(t, broker.url, { agentId: "r1", key: new Uint8Array(32).fill(9) });
    await wrong.sendHello();
    const ch = await wrong.nextControl(3000, MsgType.Challenge);
    await wrong.answerChallenge(ch);
    t.false(wrong.brainProven, "the brain's proof does not verify under the wrong key either");
    const rj2 = await wrong.nextControl(3000);
    t.deepEqual([rj2.type, rj2.reason], [MsgType.Rejected, RejectReason.InvalidAuth]);
    const ev = await rejected;
    t.deepEqual([ev.reason, ev.reasonName], [RejectReason.InvalidAuth, "invalid-auth"]);
    t.true(logs.some(([l, m]) => l === "warn" && m.includes("agent r1 rejected: invalid-auth")), JSON.stringify(logs));
    const st = agentStatus(brain);
    t.deepEqual([st.phase, st.rejections, st.sessionId], ["awaiting-hello", 1, null]);
    t.regex(st.rejection ?? "", /^invalid-auth: /);
    const report = brain.status();
    t.deepEqual(report.rejections, { "unknown-agent": 1, "invalid-auth": 1 });
    t.deepEqual(report.unknownAgents.map((u) => [u.id, u.rejections]), [["ghost", 1]]);
  });

  test(`${kind}: a stale death notice is ignored and counted; the current generation's Last Will marks the agent dead`, async (t) => {
    const { brain } = await rig(t, kind);
    const a = await agentOf(t, brain.brokerUrl, { generation: 5 });
    await a.register();
    const stale = nextEvent(brain, "stale-death");
    let deaths = 0;
    brain.on("death", () => deaths++);
    await a.sendDeath(4);
    t.deepEqual(await stale, { agentId: "r1", generation: 4, currentGeneration: 5 });
    t.is(deaths, 0);
    const st = agentStatus(brain);
    t.deepEqual([st.phase, st.staleDeathsIgnored], ["registered", 1]);
    await a.sendHeartbeat(1, 1, 0);
    await a.nextControl(3000, MsgType.HeartbeatAck);
    t.is(agentStatus(brain).phase, "binding", "the session is untouched");

    const death = nextEvent(brain, "death");
    a.kill(); // no DISCONNECT: the broker publishes the Will, death with generation 5
    t.deepEqual(await death, { agentId: "r1", generation: 5, cause: "last will" });
    const st2 = agentStatus(brain);
    t.deepEqual([st2.phase, st2.deathCause, st2.staleDeathsIgnored], ["dead", "last will", 1]);
  });

  test(`${kind}: drain format, deregister with drain complete, drain all and whenIdle`, async (t) => {
    const { brain, broker } = await rig(t, kind);
    const a = await agentOf(t, broker.url);
    const b = await agentOf(t, broker.url, { agentId: "r2", key: KEY_R2 });
    await a.register();
    await b.register();
    brain.drain("r1", DrainReason.Deploy, 3000, 4000);
    const d = await a.nextControl(3000);
    t.deepEqual([d.type, d.reason, d.retryAfterMs, d.drainDeadlineMs], [MsgType.Drain, 1, 3000, 4000]);
    const expected = new Uint8Array(32);
    t.is(d.raw.toString("hex"), Buffer.from(expected.subarray(0, encodeDrain(expected, 0, 1, 3000, 4000))).toString("hex"), "bytes equal src encodeDrain");
    t.deepEqual(new Decoder({ mapsAsObjects: true, useRecords: false }).decode(d.raw), { t: 8, r: 1, ra: 3000, dl: 4000 });
    t.deepEqual(Object.keys(new Decoder({ mapsAsObjects: true, useRecords: false }).decode(d.raw)), ["t", "r", "ra", "dl"], "t first");
    t.is(agentStatus(brain).phase, "draining");
    t.is(agentStatus(brain, "r2").phase, "registered", "only r1 drains");

    const dereg = nextEvent(brain, "deregistered");
    await a.sendDeregister(DeregisterReason.Drain);
    const ack = await a.nextControl(3000);
    t.deepEqual([ack.type, ack.reason], [MsgType.Deregistered, DeregisteredReason.DrainComplete]);
    t.deepEqual(await dereg, { agentId: "r1", reason: "drain complete" });
    t.is(agentStatus(brain).phase, "deregistered");

    brain.drain("all", DrainReason.Operator, 5000);
    const d2 = await b.nextControl(3000);
    t.deepEqual([d2.type, d2.reason, d2.retryAfterMs, d2.drainDeadlineMs], [MsgType.Drain, 2, 5000, 10000]);
    t.is(a.pendingControl, 0, "a deregistered agent is not drained again");
    t.false(await brain.whenIdle(50), "r2 still draining");
    await b.sendDeregister(DeregisterReason.Drain);
    t.true(await brain.whenIdle(3000));
    t.is((await b.nextControl(3000)).reason, DeregisteredReason.DrainComplete);
    t.throws(() => brain.drain("nobody", 1, 0), { message: /no agent "nobody"/ });
    t.throws(() => brain.drain("all", 3 as 1, 0), { instanceOf: RangeError });
  });

  test(`${kind}: GET /status returns every agent with phase, generation, session, RTT, clock offset and named counters`, async (t) => {
    const { brain, broker } = await rig(t, kind);
    const a = await agentOf(t, broker.url, { generation: 12 });
    const reg = await a.register();
    await a.sendHeartbeat(1, 100, 7);
    await a.nextControl(3000, MsgType.HeartbeatAck);
    brain.requestStatus("r1");
    t.is((await a.nextControl(3000)).type, MsgType.StatusRequest);
    const counters = Array.from({ length: COUNTER_COUNT }, (_, i) => i * 10);
    await a.sendStatus(Phase.Active, 8, -12, counters, -134);
    for (let i = 1; i <= 3; i++) {
      await a.sendSensor(i, 200, [[0, far]]);
      await a.nextMotor();
    }
    await until("the status message", () => agentStatus(brain).clockOffsetMs !== null);
    const res = await fetch(brain.statusUrl);
    t.is(res.status, 200);
    t.regex(res.headers.get("content-type") ?? "", /application\/json/);
    const report = (await res.json()) as StatusReport;
    t.is(report.broker, broker.url);
    t.is(report.agents.length, 1);
    const s = report.agents[0];
    t.like(s, {
      id: "r1",
      phase: "active",
      generation: 12,
      sessionId: reg.sessionId,
      rttMs: 8,
      clockOffsetMs: -12,
      agentPhase: "active",
      agentLastReason: "TIMEOUT_HEARTBEAT",
      framesIn: 3,
      framesOut: 3,
      drops: 0,
      staleDeathsIgnored: 0,
      rejections: 0,
      heartbeats: 1,
    });
    t.deepEqual(Object.keys(s.counters), [...counterNames]);
    t.is(s.counters.sensorFramesSent, 60);
    t.is(s.counters.clockJumpsBack, 300);
    t.deepEqual(s.channels.map((c) => [c.id, c.kind, c.type, c.count]), [
      [0, "sensor", "f32", 16],
      [1, "sensor", "i16", 8],
      [10, "motor", "f32", 2],
      [11, "motor", "u8", 2],
    ]);
    t.deepEqual(s.limits, { ...report.limits, maxFrameBytes: 4096 }, "mfb = min(requested 4096, brain 65536)");
    t.is((await fetch(brain.statusUrl.replace("/status", "/nope"))).status, 404);
  });

  test(`${kind}: an agent that keeps its heartbeats stays alive; once they stop it is declared dead within the liveness bound`, async (t) => {
    const HB = 300;
    const bound = livenessBoundMs(HB); // 1400 ms
    const { brain } = await rig(t, kind, { heartbeatMs: HB });
    const a = await agentOf(t, brain.brokerUrl);
    let deaths = 0;
    brain.on("death", () => deaths++);
    await a.register();
    const keepUntil = performance.now() + bound + 600;
    let seq = 0;
    while (performance.now() < keepUntil) {
      await a.sendHeartbeat(++seq, seq, 0);
      await new Promise((r) => setTimeout(r, HB / 2));
    }
    t.is(deaths, 0, "alive for longer than the bound while heartbeats flow");
    t.is(agentStatus(brain).phase, "binding");
    const stopped = performance.now(); // the brain heard the last heartbeat before this
    const death = await nextEvent(brain, "death", () => true, bound + 4000);
    const silent = performance.now() - stopped;
    const m = /^no heartbeat for (\d+) ms \(bound 1400 ms\)$/.exec(death.cause);
    t.truthy(m, death.cause);
    t.true(Number(m![1]) > bound, death.cause);
    t.true(silent < bound + 3000, `declared ${Math.round(silent)} ms after the last heartbeat`);
    t.like(agentStatus(brain), { phase: "dead", deathCause: death.cause });
  });

  test(`${kind}: the brain rides out a broker crash and restart: it reconnects, resubscribes and serves the agent again`, async (t) => {
    const { brain, broker, logs } = await rig(t, kind);
    const a = await ScriptedAgent.connect({ url: broker.url, agentId: "r1", key: KEY_R1, generation: 1 });
    await a.register();
    await broker.kill9();
    await a.close();
    await broker.restart();
    await until("the brain's reconnection", () => logs.some(([l, m]) => l === "info" && m.startsWith("reconnected to the MQTT broker")), 8000);
    const b = await agentOf(t, broker.url, { generation: 2 });
    const reg = await b.register();
    t.is(reg.generation, 2);
    await b.sendSensor(1, 0, [[0, far]]);
    const m = await b.nextMotor();
    t.deepEqual([m.decoded, m.mac], [1, 0]);
    t.like(agentStatus(brain), { phase: "active", generation: 2, sessions: 2 });
    t.true(logs.some(([l, m]) => l === "warn" && m.startsWith("lost the MQTT broker")));
  });

  test(`${kind}: after a brain restart on the same broker, an agent of the old brain is evicted and registers again`, async (t) => {
    const broker = await startBroker(kind);
    t.teardown(() => broker.stop());
    const first = await startBrain({ broker: broker.url, keys: KEYS, log: () => undefined });
    const a = await agentOf(t, broker.url);
    const reg1 = await a.register();
    await first.close();
    const logs: string[] = [];
    const second = await startBrain({ broker: broker.url, keys: KEYS, log: (_, m) => logs.push(m) });
    t.teardown(() => second.close());
    t.not(second.clientId, first.clientId);
    await a.sendHeartbeat(1, 1, 0);
    const ev = await a.nextControl(3000);
    t.deepEqual([ev.type, ev.reason], [MsgType.Deregistered, DeregisteredReason.Evicted]);
    t.true(logs.some((m) => m.includes("heartbeat without a session")));
    const reg2 = await a.register();
    t.not(reg2.sessionId, reg1.sessionId);
    await a.sendSensor(1, 0, [[0, far]]);
    const m = await a.nextMotor();
    t.deepEqual([m.decoded, m.mac, m.seq], [1, 0, 1]);
    t.like(agentStatus(second), { phase: "active", evictions: 1, sessions: 1 });
  });
}

test("bad hellos: unsupported version, id mismatch and malformed hello are rejected", async (t) => {
  const { brain, broker } = await rig(t, "aedes");
  const a = await agentOf(t, broker.url);
  await a.sendHello({ version: 2 });
  const r1 = await a.nextControl(3000);
  t.deepEqual([r1.type, r1.reason], [MsgType.Rejected, RejectReason.UnsupportedVersion]);
  t.regex(r1.text, /protocol version 2/);
  await a.sendHello({ agentId: "r2" });
  const r2 = await a.nextControl(3000);
  t.deepEqual([r2.reason, r2.text], [RejectReason.InvalidRequest, 'hello id "r2" does not match the topic\'s agent id']);
  await a.publishControl(Buffer.from([0xa2, 0x61, 0x74, 0x01, 0x61, 0x76, 0x01])); // {t: 1, v: 1}
  const r3 = await a.nextControl(3000);
  t.deepEqual([r3.reason, r3.text], [RejectReason.InvalidRequest, "malformed hello (MSG_MISSING_FIELD)"]);
  const small = await agentOf(t, broker.url, { agentId: "r2", key: KEY_R2, maxFrameBytes: 99 });
  await small.sendHello();
  const r4 = await small.nextControl(3000);
  t.deepEqual([r4.reason, r4.text], [RejectReason.InvalidRequest, "mfb 99 cannot hold the largest frame of these channels (100 bytes)"]);
  await a.publishControl(Buffer.from([0xa1, 0x61, 0x74, 0x06])); // a heartbeat without fields: skipped, counted
  await a.register();
  t.like(agentStatus(brain), { phase: "registered", rejections: 3, malformed: 1 });
  t.deepEqual(brain.status().rejections, { "unsupported-version": 1, "invalid-request": 3 });
});

test("the embedded aedes broker is the default, on 127.0.0.1, and close() frees its port", async (t) => {
  const brain = await startBrain({ keys: KEYS, log: () => undefined });
  let closed = false;
  t.teardown(() => (closed ? undefined : brain.close()));
  t.regex(brain.brokerUrl, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  t.regex(brain.statusUrl, /^http:\/\/127\.0\.0\.1:\d+\/status$/);
  const a = await ScriptedAgent.connect({ url: brain.brokerUrl, agentId: "r1", key: KEY_R1 });
  await a.register();
  await a.sendHeartbeat(3, 4, 0);
  t.is((await a.nextControl(3000, MsgType.HeartbeatAck)).seq, 3);
  await a.close();
  await brain.close();
  closed = true;
  const port = Number(new URL(brain.brokerUrl).port);
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });
  t.true(refused, "nothing listens on the broker port after close()");
});
