/*
 * Faults over the real stack: agent (Node host) -> fault-injecting proxy -> Mosquitto <- brain.
 *
 * Every scenario asserts: the agent resumes by itself within a bound that follows from its
 * config; no stale, replayed or out-of-order motor command is ever applied (the brain's
 * controller numbers its commands; the host checks they only increase within a session); the
 * motors go safe within the motor deadline after the link is lost; the counters and reasons
 * record what happened; queues stay bounded. Recovery times are printed (t.log) for the notes.
 */
import test, { type ExecutionContext } from "ava";
import crypto from "node:crypto";
import mqtt from "mqtt";
import { startBrain, type Brain, type Controller } from "../brain/index";
import type { AgentConfigInput } from "../src/agent/config";
import { Err } from "../src/errors";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { encodeDrain } from "../src/protocol/encode";
import { makeClock } from "../hosts/node/clock";
import { NodeAgent } from "../hosts/node/node-agent";
import { startMosquitto, type TestBroker } from "../testkit/brokers";
import { startFaultProxy, type FaultProxy } from "../testkit/fault-proxy";
import { until } from "../testkit/until";

const SESSION = {
  sensorRateHz: 50, heartbeatIntervalMs: 200, heartbeatTimeoutMaxMs: 500, heartbeatMissLimit: 2,
  linkSilenceMs: 1_500, backoffBaseMs: 100, backoffMaxMs: 1_000, transitionTimeoutMs: 3_000, registrationDeadlineMs: 3_000,
};
const MOTOR_DEADLINE_MS = 300;
/** Detection (silent link) + the largest backoff + a handshake with slack: the resume bound the config implies. */
const RESUME_BOUND_MS = SESSION.linkSilenceMs + SESSION.backoffMaxMs + SESSION.transitionTimeoutMs;
/** Timer slack for "motors safe within the deadline" on a loaded 2-core CI machine. */
const TIMER_SLACK_MS = 250;

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

/** Numbers every command: wheels[0] = a counter that only grows, across sessions too. */
class CountingController implements Controller {
  n = 0;
  delayMs = 0;
  onSensorFrame() {
    const cmd = { motors: { wheels: Float32Array.of(++this.n, 0) } };
    if (this.delayMs === 0) return cmd;
    return new Promise<typeof cmd>((r) => setTimeout(() => r(cmd), this.delayMs));
  }
}

interface Watch {
  agent: NodeAgent;
  violations: string[];
  lastApplyAt: number;
  safeAt: number;
  applied: number;
  onPhase: ((name: string) => void) | null;
  clockOffset: { ms: number };
}

interface World {
  broker: TestBroker;
  proxy: FaultProxy;
  brain: Brain;
  controller: CountingController;
  keys: Map<string, Uint8Array>;
  watch(id?: string, extra?: Partial<AgentConfigInput["session"]>, clockStart?: number): Watch;
}

async function world(t: ExecutionContext): Promise<World> {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: broker.port } });
  t.teardown(() => proxy.close());
  const keys = new Map([["f1", crypto.randomBytes(32)], ["f2", crypto.randomBytes(32)]]);
  const controller = new CountingController();
  const w: World = {
    broker, proxy, controller, keys,
    brain: await startBrain({ broker: broker.url, keys, httpPort: 0, controller, heartbeatMs: SESSION.heartbeatIntervalMs, motorDeadlineMs: MOTOR_DEADLINE_MS, log: () => undefined }),
    watch(id = "f1", extra = {}, clockStart = 0) {
      const clockOffset = { ms: 0 };
      const base = makeClock(clockStart);
      const clock = () => (base() + clockOffset.ms) >>> 0;
      const v: Watch = { agent: null as unknown as NodeAgent, violations: [], lastApplyAt: -1, safeAt: -1, applied: 0, onPhase: null, clockOffset };
      let last = -1;
      let lastSession = -1;
      v.agent = new NodeAgent({
        config: { agentId: id, key: keys.get(id)!, brokerHost: "127.0.0.1", brokerPort: proxy.port, channels, session: { ...SESSION, ...extra } },
        clock,
        applyMotor: (_id, values) => {
          const session = v.agent.agent.status().sessionId;
          if (session === lastSession && values[0] <= last) v.violations.push(`command ${values[0]} applied after ${last} in session ${session}`);
          if (v.agent.agent.phase !== Phase.Active) v.violations.push(`command applied in phase ${v.agent.agent.phaseName}`);
          last = values[0];
          lastSession = session;
          v.lastApplyAt = Date.now();
          v.applied++;
        },
        motorsSafe: () => {
          v.safeAt = Date.now();
        },
        log: (_level, _code, message) => {
          const m = /phase (\S+)/.exec(message);
          if (m && v.onPhase) v.onPhase(m[1]);
        },
      });
      t.teardown(() => v.agent.kill());
      v.agent.start();
      return v;
    },
  };
  t.teardown(() => w.brain.close());
  return w;
}

const isActive = (v: Watch) => v.agent.agent.phase === Phase.Active;
const counter = (v: Watch, c: number) => v.agent.agent.counters[c];

/** Link lost at `lostAt` (Date.now()): the motors must have gone safe within the deadline of the last command. */
function assertWentSafe(t: ExecutionContext, v: Watch, lostAt: number): void {
  if (v.lastApplyAt < 0) return;
  t.true(v.safeAt >= v.lastApplyAt || v.safeAt >= lostAt, "motors went safe after the loss");
  const heldMs = v.safeAt - Math.max(v.lastApplyAt, 0);
  t.true(heldMs <= MOTOR_DEADLINE_MS + TIMER_SLACK_MS, `last command held ${heldMs} ms (deadline ${MOTOR_DEADLINE_MS} ms)`);
}

function assertClean(t: ExecutionContext, v: Watch): void {
  t.deepEqual(v.violations, [], "no stale, replayed or out-of-order command applied");
}

// ---- each loss-causing fault in each phase of the session ----

const lossFaults: [string, (p: FaultProxy) => void, (p: FaultProxy) => void][] = [
  ["cut", (p) => p.cut(), () => undefined],
  ["black hole (half-open)", (p) => p.blackHole(true), (p) => p.blackHole(false)],
  ["dropped bytes", (p) => p.dropBytes(0.2, "down", 7), (p) => p.dropBytes(0, "down", 7)],
];
const phases = ["mqtt-connecting", "control-subscribing", "authenticating", "registering", "binding", "active"];

for (const [faultName, inject, heal] of lossFaults) {
  test.serial(`${faultName} in every phase: the agent resumes each time within its bound`, async (t) => {
    const w = await world(t);
    w.proxy.delay(80, "down"); // stretch every handshake step so each phase can be hit
    const v = w.watch();
    await until("first active", () => isActive(v), RESUME_BOUND_MS);
    const times: string[] = [];
    for (const phase of phases) {
      const gen = v.agent.agent.status().generation;
      let injectedAt = 0;
      v.onPhase = (name) => {
        if (name !== phase || injectedAt) return;
        injectedAt = Date.now();
        inject(w.proxy); // mqtt-connecting is entered once TCP is up, before CONNACK
      };
      if (phase !== "active") w.proxy.cut(); // reconnect, so the handshake phases come round again
      else v.onPhase("active");
      await until(`fault injected in ${phase}`, () => injectedAt > 0, RESUME_BOUND_MS);
      // The fault stays until the agent has noticed the loss by itself, then the network heals.
      const detected = await until(`loss noticed after ${faultName} in ${phase}`, () => v.agent.agent.phase === Phase.BackingOff, RESUME_BOUND_MS);
      heal(w.proxy);
      w.proxy.cut(); // sockets the broker still holds half-open go away, as a healed network's RST would do
      const took = await until(`active again after ${faultName} in ${phase}`, () => isActive(v) && v.agent.agent.status().generation > gen, RESUME_BOUND_MS);
      times.push(`${phase}: detected ${detected} ms, active again ${took} ms later`);
      t.true(detected <= RESUME_BOUND_MS, "detected within the bound");
      v.onPhase = null;
      if (phase === "active") assertWentSafe(t, v, injectedAt);
    }
    t.log(`${faultName}: recovery after healing: ${times.join(", ")}`);
    t.true(counter(v, Counter.LinkLosses) >= phases.length, "every loss counted");
    t.true(counter(v, Counter.ConnectAttempts) > phases.length, "reconnects counted");
    t.is(w.proxy.stats.up.maxQueued <= 1 << 20 && w.proxy.stats.down.maxQueued <= 1 << 20, true, "proxy queues bounded");
    assertClean(t, v);
  });
}

// ---- faults that slow the link but must not break the session ----

test.serial("one-byte fragments, delay and throttling: the session stays active and frames keep flowing", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  for (const [name, apply] of [
    ["fragment", () => w.proxy.fragment(true, "both")],
    ["delay 50 ms", () => w.proxy.delay(50, "both")],
    ["throttle 20 kB/s", () => w.proxy.throttle(20_000, "both")],
  ] as const) {
    w.proxy.reset();
    apply();
    const before = v.applied;
    await until(`frames under ${name}`, () => v.applied > before + 25, 10_000);
    t.true(isActive(v), `still active under ${name}`);
  }
  t.is(counter(v, Counter.ConnectAttempts), 1, "no reconnect");
  assertClean(t, v);
});

test.serial("broker killed with kill -9 and restarted: resumes, counted, motors safe", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  const gen = v.agent.agent.status().generation;
  const lostAt = Date.now();
  await w.broker.kill9();
  await until("loss noticed", () => !isActive(v), RESUME_BOUND_MS);
  assertWentSafe(t, v, lostAt);
  await new Promise((r) => setTimeout(r, 500));
  await w.broker.restart();
  const took = await until("active again", () => isActive(v) && v.agent.agent.status().generation > gen, RESUME_BOUND_MS + 5_000);
  t.log(`kill -9 broker: active again ${took} ms after the restart`);
  t.true(counter(v, Counter.LinkLosses) >= 1);
  assertClean(t, v);
});

test.serial("brain restarted: the agent resumes with the new brain", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  const gen = v.agent.agent.status().generation;
  await w.brain.close();
  w.brain = await startBrain({ broker: w.broker.url, keys: w.keys, httpPort: 0, controller: w.controller, heartbeatMs: 200, motorDeadlineMs: MOTOR_DEADLINE_MS, log: () => undefined });
  const took = await until("active with the new brain", () => isActive(v) && v.agent.agent.status().generation > gen, RESUME_BOUND_MS);
  t.log(`brain restart: active again in ${took} ms`);
  assertClean(t, v);
});

test.serial("a duplicate client id takes over the connection: the agent resumes, the imposter gets nothing", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  const gen = v.agent.agent.status().generation;
  const imposter = await mqtt.connectAsync(w.broker.url, { clientId: "bs-f1", reconnectPeriod: 0 });
  await until("kicked", () => !isActive(v), RESUME_BOUND_MS);
  const took = await until("active again", () => isActive(v) && v.agent.agent.status().generation > gen, RESUME_BOUND_MS);
  t.log(`duplicate client id: active again in ${took} ms`);
  t.false(imposter.connected, "the imposter was taken over in turn");
  await imposter.endAsync(true);
  assertClean(t, v);
});

test.serial("the clock jumps forward and back, and crosses the u32 wrap: the session survives", async (t) => {
  const w = await world(t);
  const v = w.watch("f1", {}, 0xffffffff - 1_500); // wraps 1.5 s in
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  await new Promise((r) => setTimeout(r, 2_000));
  t.true(v.agent.now() < 0x7fffffff, "the agent's clock wrapped");
  t.true(isActive(v), "active across the wrap");
  const lossesBefore = counter(v, Counter.LinkLosses);
  v.clockOffset.ms -= 5_000;
  await new Promise((r) => setTimeout(r, 500));
  t.is(counter(v, Counter.ClockJumpsBack), 1, "backward jump counted");
  t.true(isActive(v), "a backward jump keeps the session");
  v.clockOffset.ms += 20_000;
  const took = await until("active after the forward jump", () => isActive(v) && v.applied > 0, RESUME_BOUND_MS);
  t.log(`clock +20 s: active ${took} ms later (losses ${counter(v, Counter.LinkLosses) - lossesBefore})`);
  assertClean(t, v);
});

test.serial("a slow brain still drives, and commands delivered past their deadline are dropped as stale, never applied", async (t) => {
  const w = await world(t);
  // Liveness loosened so that a 600 ms one-way delay is "slow", not "dead".
  const v = w.watch("f1", { heartbeatTimeoutMaxMs: 3_000, heartbeatMissLimit: 3, linkSilenceMs: 6_000 });
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  w.controller.delayMs = 150; // a slow policy: commands are stamped when sent, so they still apply
  let before = v.applied;
  await until("a slow policy still drives", () => v.applied > before + 10, 10_000);
  w.controller.delayMs = 0;
  w.proxy.delay(MOTOR_DEADLINE_MS + 300, "down"); // every command now arrives after its deadline
  await new Promise((r) => setTimeout(r, 200));
  before = v.applied;
  const staleBefore = counter(v, Counter.MotorDroppedStale);
  await until("late commands dropped as stale", () => counter(v, Counter.MotorDroppedStale) > staleBefore + 10, 10_000);
  t.true(v.applied <= before + 1, `no late command applied (${v.applied - before})`);
  t.true(v.safeAt >= v.lastApplyAt, "motors safe");
  t.true(isActive(v), "the session itself stays up");
  w.proxy.reset();
  assertClean(t, v);
});

test.serial("malformed server messages and a replayed motor frame are counted and skipped", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("active", () => isActive(v), RESUME_BOUND_MS);
  const spy = await mqtt.connectAsync(w.broker.url, { clientId: "spy" });
  t.teardown(() => spy.endAsync(true));
  let captured: Buffer | null = null;
  spy.on("message", (topic, payload) => {
    if (topic.endsWith("/dn/mot") && captured === null) captured = Buffer.from(payload);
  });
  await spy.subscribeAsync("bs/1/f1/dn/mot");
  await until("captured a motor frame", () => captured !== null, 5_000);
  const applied = v.applied;
  await spy.publishAsync("bs/1/f1/dn/mot", captured!); // replay
  await spy.publishAsync("bs/1/f1/dn/mot", Buffer.from([0x85, 0x01, 0x02, 0xff]));
  await spy.publishAsync("bs/1/f1/dn/ctl", Buffer.from([0xbf, 0x00, 0x13]));
  const drain = new Uint8Array(64);
  const n = encodeDrain(drain, 0, 7, 0, 0);
  await spy.publishAsync("bs/1/f1/dn/ctl", Buffer.from(drain.subarray(0, n - 1))); // truncated
  await until("counted", () => counter(v, Counter.MotorDroppedReplay) + counter(v, Counter.MotorDroppedOrder) >= 1 &&
    counter(v, Counter.MotorDroppedMalformed) >= 1 && counter(v, Counter.MalformedMessages) >= 2, 5_000);
  t.true(isActive(v), "still active");
  t.true(v.applied >= applied, "frames keep applying");
  t.is(counter(v, Counter.ConnectAttempts), 1, "no reconnect");
  assertClean(t, v);
});

test.serial("a lost link while driving: the motors go safe within the motor deadline", async (t) => {
  const w = await world(t);
  const v = w.watch();
  await until("driving", () => isActive(v) && v.applied > 20, RESUME_BOUND_MS);
  const lostAt = Date.now();
  w.proxy.blackHole(true);
  await until("safe", () => v.safeAt >= lostAt, MOTOR_DEADLINE_MS + 2_000);
  assertWentSafe(t, v, lostAt);
  t.log(`motors safe ${v.safeAt - v.lastApplyAt} ms after the last command (deadline ${MOTOR_DEADLINE_MS} ms)`);
  await until("loss detected", () => !isActive(v), RESUME_BOUND_MS);
  const reason = v.agent.agent.lastReason;
  t.true(reason === Err.TimeoutHeartbeat || reason === Err.TimeoutSilentLink, `liveness reason recorded (${reason})`);
  w.proxy.blackHole(false);
  w.proxy.cut(); // the held half-open socket goes away, as a healed network's RST would do
  await until("active again", () => isActive(v), RESUME_BOUND_MS);
  assertClean(t, v);
});
