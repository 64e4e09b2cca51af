/*
 * duo.suite: the real device Agent against the real brain session service on one simulated
 * clock (testkit/duo.ts). Runs on V8 and on XS (test/duo.test.ts). Each row of `scenarios` is
 * one behaviour, checked from both ends: the device's phase and counters, and the brain's
 * view (its state, session, counters, log). Every scenario also requires the motor
 * invariants after every step (motors safe outside active, never past a deadline, never out of
 * order) and ends with no violation.
 */
import { Err } from "../../src/errors";
import { Phase } from "../../src/session/automaton";
import { Counter } from "../../src/session/counters";
import { DrainReason } from "../../src/protocol/wire";
import { livenessBoundMs } from "../../brain/liveness";
import type { Check } from "../helpers/suite";
import { DUO_ID, DUO_KEY, DuoWorld, duoConfig } from "../../testkit/duo";

type Scenario = readonly [name: string, body: (w: DuoWorld, check: Check) => void, make?: () => DuoWorld];

const ACTIVE_WITHIN_MS = 2_000;

function bothActive(w: DuoWorld): boolean {
  return w.phase === Phase.Active && w.brainState() === "active";
}

/** Starts the device and runs until both ends are active; returns the time it took or -1. */
function register(w: DuoWorld, check: Check, what = "registration", withinMs = ACTIVE_WITHIN_MS): number {
  if (w.phase === Phase.Idle) w.agent.start(w.agentNow);
  const took = w.runUntil(() => bothActive(w), withinMs);
  check.ok(took >= 0, `${what}: both ends active within ${withinMs} ms (device ${w.agent.phaseName}, brain ${w.brainState()})`);
  return took;
}

function sameSession(w: DuoWorld, check: Check, what: string): void {
  check.is(w.brainView()?.sessionId, w.agent.status().sessionId, `${what}: the brain and the device hold the same session id`);
}

function logged(w: DuoWorld, part: string): number {
  return w.brainLogs.filter(([, , m]) => m.includes(part)).length;
}

export const scenarios: readonly Scenario[] = [
  [
    "registration: both ends active on one session; sensor frames in, signed motor frames applied",
    (w, check) => {
      register(w, check);
      sameSession(w, check, "registered");
      const applied0 = w.applied.length;
      w.run(2_000);
      const v = w.brainView()!;
      check.ok(w.applied.length - applied0 >= 30, `motor frames applied in 2 s at 20 Hz: ${w.applied.length - applied0}`);
      check.ok(v.framesIn >= 38, `brain frames in: ${v.framesIn}`);
      check.is(v.framesOut, v.framesIn, "one motor frame per sensor frame");
      check.is(v.drops + v.lostFrames + v.motorErrors, 0, "no drop, loss or motor error at the brain");
      const c = w.agent.counters;
      check.is(c[Counter.MotorDroppedStale] + c[Counter.MotorDroppedOrder] + c[Counter.MotorDroppedReplay] + c[Counter.MotorDroppedMac] + c[Counter.MotorDroppedMalformed], 0, "the device dropped no motor frame");
      check.is(c[Counter.MotorFramesApplied], w.applied.length, "the device counts what it applied");
      check.ok(v.heartbeats >= 3, `heartbeats acknowledged: ${v.heartbeats}`);
      check.is(v.sessions, 1, "one session");
    },
  ],
  [
    "drain: the device deregisters (drain complete), returns after retry-after with a new session",
    (w, check) => {
      register(w, check);
      const first = w.agent.status().sessionId;
      const generation = w.brainView()!.generation;
      check.is(w.service.drain(w.brainNow, DUO_ID, DrainReason.Deploy, 1500, 1000), 1, "one agent drained");
      check.is(w.brainState(), "draining", "the brain drains at once");

      const took = w.runUntil(() => w.brainState() === "deregistered", 2_000);
      check.ok(took >= 0, `the device deregistered within 2 s (brain ${w.brainState()})`);
      check.is(w.brainView()!.deregisteredReason, "drain complete", "brain: drain complete");
      check.ok(w.phase !== Phase.Active, "the device left active");
      check.ok(w.motorsSafe, "motors safe while drained");
      register(w, check, "after the drain (retry after 1.5 s)", 1_500 + ACTIVE_WITHIN_MS);
      check.ok(w.agent.status().sessionId !== first, "a new session");
      check.ok(w.brainView()!.generation !== generation, "a new generation");
      check.is(w.brainView()!.sessions, 2, "the brain counts two sessions");
      check.is(w.reboots + w.networkRestarts, 0, "no escalation for a drain");
    },
  ],
  [
    "deregister by the brain (evicted): the device registers again by itself",
    (w, check) => {
      register(w, check);
      const first = w.agent.status().sessionId;
      w.service.deregister(w.brainNow, DUO_ID);
      check.is(w.brainState(), "deregistered", "brain: deregistered at once");
      register(w, check, "after the eviction");
      check.ok(w.agent.status().sessionId !== first, "a new session");
      check.is(w.brainView()!.evictions, 1, "one eviction");
      sameSession(w, check, "re-registered");
    },
  ],
  [
    "stop: the device deregisters (stop requested); the brain shows it deregistered and idle",
    (w, check) => {
      register(w, check);
      w.agent.stop(w.agentNow);
      const took = w.runUntil(() => w.phase === Phase.Stopped && w.brainState() === "deregistered", 2_000);
      check.ok(took >= 0, `stopped and deregistered within 2 s (device ${w.agent.phaseName}, brain ${w.brainState()})`);
      check.is(w.brainView()!.deregisteredReason, "stop requested", "brain: stop requested");
      check.is(w.service.liveSessions().length, 0, "no live session left");
      w.run(3_000);
      check.is(w.brainState(), "deregistered", "no death after a clean stop");
    },
  ],
  [
    "liveness loss (half-open link): the brain declares the device dead within its bound; the device detects it, reconnects and resumes",
    (w, check) => {
      register(w, check);
      const first = w.agent.status().sessionId;
      const lastHeard = w.t;
      w.blackHoleLink();
      const bound = livenessBoundMs(w.limits.heartbeatMs);
      const dead = w.runUntil(() => w.brainState() === "dead", bound + 1_000);
      check.ok(dead >= 0, `brain: dead within ${bound + 1000} ms of silence (brain ${w.brainState()})`);
      check.ok(dead <= bound + w.limits.heartbeatMs + 250, `brain: dead after ${dead} ms, bound ${bound} ms + one heartbeat + one scan`);
      check.ok(/^no heartbeat for \d+ ms \(bound \d+ ms\)$/.test(w.brainView()!.deathCause ?? ""), `cause: ${w.brainView()!.deathCause}`);
      const left = w.runUntil(() => w.phase !== Phase.Active, 6_000);
      check.ok(left >= 0, "the device noticed the silence and left active");
      check.ok(w.motorsSafe, "motors safe once the link is silent");
      w.heal();
      register(w, check, "after the half-open link healed");
      check.ok(w.agent.status().sessionId !== first, "a new session");
      check.ok(w.t - lastHeard < 20_000, `resumed ${w.t - lastHeard} ms after the link went silent`);
      check.is(w.networkRestarts + w.reboots, 0, "no network restart, no reboot");
    },
  ],
  [
    "link cut: the Will marks the device dead (last will); it resumes with a new generation and the old Will is not applied to it",
    (w, check) => {
      register(w, check);
      const g1 = w.brainView()!.generation;
      w.cutLink();
      const dead = w.runUntil(() => w.brainState() === "dead", 100);
      check.ok(dead >= 0, `brain: dead at once from the Will (brain ${w.brainState()})`);
      check.is(w.brainView()!.deathCause, "last will", "cause: the Will");
      register(w, check, "after the cut");
      check.ok(w.brainView()!.generation !== g1, "a new generation");
      // the broker delivers the old connection's Will late: a stale death, the session stays
      w.service.onMessage(w.brainNow, `bs/1/${DUO_ID}/up/ctl`, new Uint8Array([0xa2, 0x61, 0x74, 0x0d, 0x61, 0x67, g1]));
      check.is(w.brainView()!.staleDeathsIgnored, 1, "the old Will counts as stale");
      w.run(500);
      check.ok(bothActive(w), "still active on both ends");
      check.is(w.brainView()!.alerts.join(","), "", "one device reconnecting is no duplicate id");
    },
  ],
  [
    "wrong key: the brain refuses the proof; the device fails with invalid auth; one rejection log line however often it retries",
    (w, check) => {
      w.agent.start(w.agentNow);
      const took = w.runUntil(() => w.phase === Phase.Failed, 3_000);
      check.ok(took >= 0, `the device failed (phase ${w.agent.phaseName})`);
      check.is(w.agent.lastReason, Err.RejectedInvalidAuth, "reason: invalid auth");
      const v = w.brainView()!;
      check.is(v.phase, "awaiting-hello", "brain: awaiting a new hello");
      check.ok((v.rejection ?? "").startsWith("invalid-auth: "), `brain: rejection ${v.rejection}`);
      check.is(v.sessions, 0, "no session was made");
      check.is(logged(w, "rejected: invalid-auth"), 1, "one log line");
      check.ok(w.motorsSafe, "motors safe");
    },
    () => new DuoWorld(duoConfig(), { brainKeys: [[DUO_ID, new Uint8Array(32).fill(0x5a)]] }),
  ],
  [
    "wrong key fixed: the brain's keys are reloaded with the right key; the failed device comes back by itself within failedRetryMs, not restarted",
    (w, check) => {
      w.agent.start(w.agentNow);
      check.ok(w.runUntil(() => w.phase === Phase.Failed, 3_000) >= 0, `the device failed (phase ${w.agent.phaseName})`);
      const failedAt = w.t;
      w.run(1_000);
      w.setBrainKeys([[DUO_ID, DUO_KEY]]); // the operator fixes the keys file
      const back = w.runUntil(() => bothActive(w), 300_000 + ACTIVE_WITHIN_MS);
      check.ok(back >= 0, `both ends active again (device ${w.agent.phaseName}, brain ${w.brainState()})`);
      check.ok(w.t - failedAt <= 300_000 + ACTIVE_WITHIN_MS, `back ${w.t - failedAt} ms after it failed (failedRetryMs 300000, full jitter)`);
      check.is(w.agent.counters[Counter.FailedRetries], 1, "one retry out of failed");
      check.is(w.reboots + w.networkRestarts, 0, "no reboot, no network restart");
      sameSession(w, check, "after the fix");
      check.is(w.brainView()!.rejections, 1, "the brain refused it once");
    },
    () => new DuoWorld(duoConfig(), { brainKeys: [[DUO_ID, new Uint8Array(32).fill(0x5a)]] }),
  ],
  [
    "unknown agent: the brain refuses the hello; the device fails with unknown agent; the brain lists the id",
    (w, check) => {
      w.agent.start(w.agentNow);
      const took = w.runUntil(() => w.phase === Phase.Failed, 3_000);
      check.ok(took >= 0, `the device failed (phase ${w.agent.phaseName})`);
      check.is(w.agent.lastReason, Err.RejectedUnknownAgent, "reason: unknown agent");
      check.is(w.brainView(), undefined, "no session for an unknown id");
      const report = w.service.status(w.brainNow, "duo");
      check.is(report.unknownAgents.map((u) => u.id).join(","), DUO_ID, "listed as unknown");
      check.is(report.rejections["unknown-agent"], 1, "one unknown-agent rejection");
    },
    () => new DuoWorld(duoConfig(), { brainKeys: [["someone", DUO_KEY]] }),
  ],
  [
    "motor deadline: when the brain's policy stalls, the device's motors go safe within the motor deadline; they resume with the policy",
    (w, check) => {
      register(w, check);
      w.run(500);
      check.ok(!w.motorsSafe, "motors driven while frames flow");
      w.controller.stalled = true;
      const safe = w.runUntil(() => w.motorsSafe, 2_000);
      check.ok(safe >= 0, "motors went safe");
      const after = w.t - w.applied[w.applied.length - 1].t; // frames in flight when the policy stalled still arrive
      check.ok(after <= w.limits.motorDeadlineMs + 2 * w.latencyMs, `safe ${after} ms after the last frame, deadline ${w.limits.motorDeadlineMs} ms`);
      check.ok(after >= 50, `not before the hold (${after} ms)`);
      check.ok(w.phase === Phase.Active && w.brainState() === "active", "the session itself stays up");
      w.controller.stalled = false;
      const back = w.runUntil(() => !w.motorsSafe, 500);
      check.ok(back >= 0, "motors driven again when the policy answers");
    },
  ],
  [
    "clock offset: brain and device clocks 123,456,789 ms apart and the device's clock wraps u32: the device learns the offset, the brain reads it back, motor deadlines hold across the wrap",
    (w, check) => {
      register(w, check);
      w.run(3_000); // the device's clock wraps during this run
      check.ok(w.agentNow < 10_000, `the device clock wrapped (now ${w.agentNow})`);
      const expected = ((w.brainEpochMs - w.agentEpochMs) | 0);
      const off = w.agent.status().clockOffsetMs;
      check.ok(Math.abs(off - expected) <= 2 * w.latencyMs, `device offset ${off}, true offset ${expected}`);
      w.service.requestStatus(w.brainNow, DUO_ID);
      w.run(100);
      check.is(w.brainView()!.clockOffsetMs, off, "the brain reads the device's offset from its status");
      const n = w.applied.length;
      w.run(1_000);
      check.ok(w.applied.length - n >= 15, `motor frames still applied after the wrap: ${w.applied.length - n}`);
      check.is(w.agent.counters[Counter.MotorDroppedStale], 0, "no motor frame judged stale");
    },
    () => new DuoWorld(duoConfig(), { agentEpochMs: 0x1_0000_0000 - 2_500, brainEpochMs: 0x1_0000_0000 - 2_500 + 123_456_789 }),
  ],
];

export function run(check: Check): void {
  for (const [name, body, make] of scenarios) {
    const w = make ? make() : new DuoWorld();
    const sub: Check = {
      is: (a, e, what) => check.is(a, e, `${name}: ${what}`),
      bytes: (a, e, what) => check.bytes(a, e, `${name}: ${what}`),
      ok: (c, what) => check.ok(c, `${name}: ${what}`),
    };
    try {
      body(w, sub);
    } catch (e) {
      check.ok(false, `${name}: threw ${(e as Error).message}`);
    }
    check.is(w.violations.join("; "), "", `${name}: motor invariants`);
  }
}
