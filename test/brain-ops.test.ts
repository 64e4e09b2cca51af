/*
 * What an operator meets running the brain: the keys file is read again when it changes and
 * on SIGHUP (a bad file keeps the keys loaded before); repeated rejections make one log line
 * per agent per window, with a count; two devices that share an agent id are reported as
 * `duplicate-id` in /status and logged once per window. Real Node hosts against the
 * embedded broker where the network matters; the log window on a simulated clock.
 */
import test, { type ExecutionContext } from "ava";
import crypto from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startBrain, type Brain, type LogLevel, type StatusReport } from "../brain/index";
import { REJECT_LOG_WINDOW_MS } from "../brain/session/shared";
import type { AgentConfigInput } from "../src/agent/config";
import { Err } from "../src/errors";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { NodeAgent } from "../hosts/node/node-agent";
import { WireRig } from "../testkit/brain-wire";
import { until } from "../testkit/until";

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "distance", kind: "sensor", type: "f32", count: 4 }, // the demo controller steers by it
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

function hex(k: Uint8Array): string {
  return Buffer.from(k).toString("hex");
}

function keysFile(t: ExecutionContext, agents: Record<string, Uint8Array>): { file: string; write(a: Record<string, Uint8Array> | string): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "bs-keys-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "keys.json");
  const write = (a: Record<string, Uint8Array> | string) =>
    writeFileSync(file, typeof a === "string" ? a : JSON.stringify({ agents: Object.fromEntries(Object.entries(a).map(([id, k]) => [id, hex(k)])) }));
  write(agents);
  return { file, write };
}

function nodeAgent(t: ExecutionContext, brain: Brain, agentId: string, key: Uint8Array, session: AgentConfigInput["session"] = {}): NodeAgent {
  const url = new URL(brain.brokerUrl);
  const a = new NodeAgent({
    config: { agentId, key, brokerHost: url.hostname, brokerPort: Number(url.port), channels, session: { sensorRateHz: 20, heartbeatIntervalMs: 200, backoffBaseMs: 100, backoffMaxMs: 1_000, ...session } },
  });
  t.teardown(() => a.kill());
  a.start();
  return a;
}

test.serial("keys file: read again when it changes and on SIGHUP; a bad file keeps the keys loaded before; a changed key ends the session it proved", async (t) => {
  const k1 = crypto.randomBytes(32);
  const k2 = crypto.randomBytes(32);
  const keys = keysFile(t, { a1: k1 });
  const logs: [LogLevel, string][] = [];
  const brain = await startBrain({ keys: keys.file, keysPollMs: 50, heartbeatMs: 200, log: (l, m) => logs.push([l, m]) });
  t.teardown(() => brain.close());
  const reloads: unknown[] = [];
  brain.on("keys-reloaded", (e) => reloads.push(e));
  const a1 = nodeAgent(t, brain, "a1", k1);
  await until("a1 active", () => a1.agent.phase === Phase.Active);

  keys.write({ a1: k1, a2: k2 });
  await until("the change is noticed", () => brain.status().keysReloads === 1);
  t.deepEqual(reloads[0], { added: ["a2"], removed: [], changed: [] });
  t.true(logs.some(([l, m]) => l === "info" && m.startsWith("keys reloaded (file changed): 2 agents")), JSON.stringify(logs));
  const a2 = nodeAgent(t, brain, "a2", k2);
  await until("a2, added by the reload, active", () => a2.agent.phase === Phase.Active);
  t.is(brain.agents().find((a) => a.id === "a1")!.sessions, 1, "a1 kept its session through a reload that did not touch it");

  process.kill(process.pid, "SIGHUP");
  await until("SIGHUP reloads", () => brain.status().keysReloads === 2);
  t.true(logs.some(([, m]) => m.startsWith("keys reloaded (SIGHUP)")));

  keys.write("{ not json");
  await until("the bad file is reported", () => logs.some(([l, m]) => l === "error" && m.includes("keys reload (file changed) failed")));
  t.is(brain.status().keysReloads, 2, "a bad file is not loaded");
  t.true(logs.some(([, m]) => m.includes("keeping the 2 keys loaded before")));
  t.is(a1.agent.phase, Phase.Active, "agents carry on");

  const deregistered: string[] = [];
  brain.on("deregistered", (e) => deregistered.push(`${e.agentId} ${e.reason}`));
  keys.write({ a1: crypto.randomBytes(32), a2: k2 });
  await until("a changed key evicts a1", () => deregistered.includes("a1 evicted"));
  t.deepEqual(reloads[2], { added: [], removed: [], changed: ["a1"] });
  await until("a1, proving the old key, is refused", () => brain.agents().find((a) => a.id === "a1")!.rejection?.startsWith("invalid-auth") === true);
  t.is(a2.agent.phase, Phase.Active, "a2 is untouched");
});

test.serial("wrong key in the keys file: fixing the file brings the fleet back, no device restarted", async (t) => {
  const fleet = ["f1", "f2", "f3"];
  const right = Object.fromEntries(fleet.map((id) => [id, crypto.randomBytes(32)]));
  const wrong = Object.fromEntries(fleet.map((id) => [id, crypto.randomBytes(32)]));
  const keys = keysFile(t, wrong);
  const logs: [LogLevel, string][] = [];
  const brain = await startBrain({ keys: keys.file, keysPollMs: 50, heartbeatMs: 200, log: (l, m) => logs.push([l, m]) });
  t.teardown(() => brain.close());
  const FAILED_RETRY_MS = 10_000; // the shortest failedRetryMs a device accepts
  const agents = fleet.map((id) => nodeAgent(t, brain, id, right[id], { failedRetryMs: FAILED_RETRY_MS }));
  await until("every device failed on the wrong key", () => agents.every((a) => a.agent.phase === Phase.Failed), 5_000);
  t.true(agents.every((a) => a.agent.lastReason === Err.RejectedInvalidAuth));
  const fixedAt = Date.now();
  keys.write(right);
  await until("the fleet is back", () => agents.every((a) => a.agent.phase === Phase.Active), FAILED_RETRY_MS + 5_000);
  t.log(`fleet of ${fleet.length} active again ${Date.now() - fixedAt} ms after the keys file was fixed (failedRetryMs ${FAILED_RETRY_MS}, full jitter)`);
  for (const a of agents) {
    t.is(a.agent.counters[Counter.FailedRetries], 1, `${a.agent.config.agentId}: one retry out of failed`);
    t.is(a.rebootRequests + a.networkRestartRequests, 0, `${a.agent.config.agentId}: no reboot, no network restart`);
  }
  await until("the brain sees the fleet's frames", () => brain.agents().every((a) => a.phase === "active"));
  t.deepEqual(brain.agents().map((a) => [a.id, a.sessions, a.rejections]), fleet.map((id) => [id, 1, 1]));
  for (const id of fleet) t.is(logs.filter(([l, m]) => l === "warn" && m.startsWith(`agent ${id} rejected: invalid-auth`)).length, 1, `${id}: one rejection line`);
});

test("rejection log: one line per agent per window, then one line with the count of the rest", (t) => {
  const w = new WireRig([["a1", new Uint8Array(32).fill(1)]]);
  for (let i = 0; i < 10; i++) w.hello(1000 + i * 1000, "ghost", i);
  for (let i = 0; i < 4; i++) {
    w.hello(1000 + i * 1000, "a1", i + 1);
    w.proof(1500 + i * 1000, "a1", new Uint8Array(32).fill(2)); // the wrong key
  }
  const lines = () => w.logs.filter(([l]) => l === "warn").map(([, m]) => m);
  t.deepEqual(lines(), [
    'agent ghost rejected: unknown-agent: unknown agent "ghost": no key for it in the brain\'s keys file',
    "agent a1 rejected: invalid-auth: the agent's proof does not match its key in the keys file (wrong device key?)",
  ]);
  t.is(w.published.filter((p) => p.topic === "bs/1/ghost/dn/ctl").length, 10, "every hello is still answered");
  w.service.scan(1000 + REJECT_LOG_WINDOW_MS - 1);
  t.is(lines().length, 2, "nothing before the window ends");
  w.service.scan(1000 + REJECT_LOG_WINDOW_MS);
  t.deepEqual(lines().slice(2), ["agent ghost: 9 more rejections in the last 60 s"]);
  w.service.scan(1500 + REJECT_LOG_WINDOW_MS);
  t.deepEqual(lines().slice(3), ["agent a1: 3 more rejections in the last 60 s"]);
  w.hello(200_000, "ghost", 99);
  t.is(lines().length, 5, "a new window logs again");
  t.is(w.service.status(200_000, "wire").rejections["unknown-agent"], 11);
});

test.serial("duplicate ids: two devices sharing one id are reported in /status and logged once per window", async (t) => {
  const key = crypto.randomBytes(32);
  const logs: [LogLevel, string][] = [];
  const brain = await startBrain({ keys: new Map([["twin", key]]), heartbeatMs: 200, log: (l, m) => logs.push([l, m]) });
  t.teardown(() => brain.close());
  const events: unknown[] = [];
  brain.on("duplicate-id", (e) => events.push(e));
  nodeAgent(t, brain, "twin", key);
  nodeAgent(t, brain, "twin", key);
  await until("duplicate-id reported", () => brain.status().duplicateIds.includes("twin"), 20_000);
  const report = (await (await fetch(brain.statusUrl)).json()) as StatusReport;
  t.deepEqual(report.duplicateIds, ["twin"]);
  t.deepEqual(report.agents.find((a) => a.id === "twin")!.alerts, ["duplicate-id"]);
  const twinLines = () => logs.filter(([l, m]) => l === "warn" && m.includes("duplicate-id")).length;
  t.is(twinLines(), 1);
  const sessionsAtDetection = brain.agents()[0].sessions;
  await until("the two keep alternating", () => brain.agents()[0].sessions >= sessionsAtDetection + 2, 20_000);
  t.is(twinLines(), 1, "logged once per window however long it goes on");
  t.is(events.length, 1);
  t.regex(logs.find(([, m]) => m.includes("duplicate-id"))![1], /^agent twin: duplicate-id: two clients seem to alternate on this agent id/);
});

test("duplicate-id detector: generations that keep going back mean two clients; one client reconnecting never trips it", (t) => {
  const key = new Uint8Array(32).fill(1);
  const one = new WireRig([["solo", key]]);
  for (let g = 1; g <= 20; g++) one.hello(g * 500, "solo", g);
  t.deepEqual(one.service.status(10_000, "wire").duplicateIds, []);
  one.hello(11_000, "solo", 1); // a reboot: the generation starts again, once
  t.deepEqual(one.service.status(11_000, "wire").duplicateIds, [], "one step back is a reboot, not a twin");

  const two = new WireRig([["twin", key]]);
  const gens = [1, 1, 2, 2, 3, 3, 4];
  gens.forEach((g, i) => two.hello(1000 + i * 500, "twin", g));
  t.deepEqual(two.service.status(5000, "wire").duplicateIds, ["twin"], "three hellos that were not newer");
  t.deepEqual(two.events.filter((e) => e.event === "duplicate-id").map((e) => e.data), [{ agentId: "twin", regressions: 3, windowMs: 60_000 }]);
  t.deepEqual(two.service.status(1000 + 6 * 500 + 60_000, "wire").duplicateIds, [], "the alert ends a window after the last finding");
});

test("forget: a worker that no longer owns an agent drops its session silently; the agent's next heartbeat meets a fresh session", (t) => {
  const key = new Uint8Array(32).fill(4);
  const w = new WireRig([["a1", key]]);
  w.hello(1000, "a1", 1);
  w.proof(1010, "a1", key);
  w.sensor(1020, "a1", 1);
  t.is(w.stateOf(1020, "a1"), "active");
  const sent = w.published.length;
  t.true(w.service.forget(1030, "a1"));
  t.is(w.published.length, sent, "nothing sent");
  t.is(w.stateOf(1030, "a1"), "none");
  t.false(w.service.forget(1030, "a1"), "already forgotten");
  w.heartbeat(1040, "a1");
  t.is(w.stateOf(1040, "a1"), "deregistered", "stray traffic: evicted, so it registers again");
});

test.serial("the brain's clock is injected: a brain whose clock crosses the u32 wrap serves a real device, motor deadlines included", async (t) => {
  const key = crypto.randomBytes(32);
  const base = 0x1_0000_0000 - 1_500 - performance.now(); // brain time wraps 1.5 s after start
  const brain = await startBrain({ keys: new Map([["w1", key]]), heartbeatMs: 200, clock: () => base + performance.now(), log: () => undefined });
  t.teardown(() => brain.close());
  let applied = 0;
  const url = new URL(brain.brokerUrl);
  const a = new NodeAgent({
    config: { agentId: "w1", key, brokerHost: url.hostname, brokerPort: Number(url.port), channels, session: { sensorRateHz: 50, heartbeatIntervalMs: 200 } },
    applyMotor: () => void applied++,
  });
  t.teardown(() => a.kill());
  a.start();
  await until("active", () => a.agent.phase === Phase.Active);
  await until("brain time wrapped", () => brain.status().brainTimeMs < 1_000_000, 5_000);
  const before = applied;
  await new Promise((r) => setTimeout(r, 1_000));
  t.true(applied - before >= 20, `motor frames applied after the wrap: ${applied - before}`);
  t.is(a.agent.counters[Counter.MotorDroppedStale], 0, "no motor frame judged stale across the wrap");
  const expected = (brain.status().brainTimeMs - a.now()) | 0;
  t.true(Math.abs(a.agent.status().clockOffsetMs - expected) < 50, `device offset ${a.agent.status().clockOffsetMs}, about ${expected}`);
});
