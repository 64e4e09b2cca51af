/*
 * session.suite: scenarios on a simulated clock against a scripted fake brain (pure, no
 * sockets). Runs on V8 (test/session.test.ts) and on XS. Each row of `scenarios` is one
 * behaviour of the session; the name says which. Every scenario
 * checks the motor/phase invariants after every step (sim.ts `checkInvariants`).
 */
import { Err } from "../../src/errors";
import { encodeHeartbeatAck } from "../../src/protocol/encode";
import { RejectReason, MsgType } from "../../src/protocol/wire";
import { Phase } from "../../src/session/automaton";
import { backoffCeilingMs } from "../../src/session/backoff";
import { COUNTER_COUNT, Counter } from "../../src/session/counters";
import { Level } from "../../src/session/actions";
import { Agent } from "../../src/agent/agent";
import type { Check } from "../helpers/suite";
import { SimWorld, checkInvariants, simConfig } from "../../testkit/sim";

type Scenario = readonly [name: string, body: (w: SimWorld, check: Check) => void, make?: () => SimWorld];

const ACTIVE_WITHIN_MS = 2_000;

function started(w: SimWorld): SimWorld {
  w.agent.start(w.now);
  return w;
}

function reachesActive(w: SimWorld, check: Check, what: string, withinMs = ACTIVE_WITHIN_MS): number {
  const took = w.runUntil(() => w.phase === Phase.Active, withinMs);
  check.ok(took >= 0, `${what}: active within ${withinMs} ms (phase ${w.agent.phaseName}, reason ${w.agent.lastReason})`);
  return took;
}

function count(w: SimWorld, type: number): number {
  return w.received.filter((r) => r.type === type).length;
}

/** Runs until the agent is in `phase` (cutting an active link first, so it reconnects), then applies `fault`. */
function faultIn(w: SimWorld, phase: number, fault: () => void): boolean {
  if (w.phase === Phase.Active && phase !== Phase.Active) w.cutLink();
  const took = w.runUntil(() => w.phase === phase, 70_000);
  if (took < 0) return false;
  fault();
  return true;
}

const counter = (w: SimWorld, c: number) => w.agent.counters[c];

export const scenarios: readonly Scenario[] = [
  ["happy path: registers, streams sensor frames, applies motor frames, learns RTT and clock offset", (w, check) => {
    reachesActive(w, check, "first session");
    w.run(2_000);
    check.ok(w.sensorFramesAtBrain >= 38, `sensor frames at 20 Hz over 2 s: ${w.sensorFramesAtBrain}`);
    check.ok(w.applied.length >= 38, `motor frames applied: ${w.applied.length}`);
    check.is(counter(w, Counter.SensorFramesDropped), 0, "no sensor frame dropped");
    const live = w.agent.status();
    check.is(live.rttMs, 2 * w.latencyMs, "RTT equals the round-trip latency");
    check.ok(Math.abs(live.clockOffsetMs - w.script.brainClockOffsetMs) <= w.latencyMs, `clock offset learned: ${live.clockOffsetMs}`);
    check.is(w.agent.status().generation, 1, "first generation is 1");
  }],

  ["heartbeats flow only while active", (w, check) => {
    reachesActive(w, check, "session");
    const beforeActive = w.received.filter((r) => r.type === MsgType.Heartbeat && r.phase !== Phase.Active && r.phase !== Phase.Draining);
    check.is(beforeActive.length, 0, "no heartbeat before active");
    w.run(2_000);
    check.ok(count(w, MsgType.Heartbeat) >= 4, "heartbeats every 500 ms while active");
  }],

  ["registration deadline: a silent brain times the registration out and the agent retries", (w, check) => {
    w.script.silent = true;
    w.run(16_000);
    check.is(w.agent.lastReason, Err.TimeoutRegistration, "reason is the registration timeout");
    check.ok(counter(w, Counter.ConnectAttempts) >= 2, "it reconnected after the deadline");
    w.script.silent = false;
    reachesActive(w, check, "after the brain wakes up (a hello it missed waits out one deadline)", 20_000);
  }],

  ["registration deadline is optional: with 0 the agent waits in authenticating", (w, check) => {
    w.script.silent = true;
    w.run(40_000);
    check.is(w.phase, Phase.Authenticating, "still authenticating (no deadline)");
    check.is(counter(w, Counter.ConnectAttempts), 1, "no reconnect");
  }, () => started(new SimWorld(simConfig({ session: { registrationDeadlineMs: 0 } })))],

  ["a registered message without a data endpoint is a failure, retried", (w, check) => {
    w.script.omitMotorTopic = true;
    w.run(3_000);
    check.is(w.agent.lastReason, Err.RegMissingEndpoint, "reason REG_MISSING_ENDPOINT");
    check.ok(w.phase !== Phase.Failed, "not terminal");
    w.script.omitMotorTopic = false;
    reachesActive(w, check, "once the brain sends both topics", 10_000);
  }],

  ["rejected as invalid auth: failed with its reason; with failedRetryMs 0 it stays failed", (w, check) => {
    w.script.rejectReason = RejectReason.InvalidAuth;
    w.run(2_000);
    check.is(w.phase, Phase.Failed, "failed");
    check.is(w.agent.lastReason, Err.RejectedInvalidAuth, "reason");
    check.ok(w.logs.some((l) => l[1] === Level.Error), "logged at error level");
    const attempts = counter(w, Counter.ConnectAttempts);
    w.script.rejectReason = 0;
    w.run(24 * 3_600_000, 1_000);
    check.is(counter(w, Counter.ConnectAttempts), attempts, "failedRetryMs 0: no attempt in a day");
    check.is(counter(w, Counter.FailedRetries), 0, "no retry counted");
  }, () => started(new SimWorld(simConfig({ session: { failedRetryMs: 0 } })))],

  ["failed is not forever: the key is fixed on the brain and the agent comes back after failedRetryMs (jittered, counted)", (w, check) => {
    const retryMs = 20_000;
    w.script.rejectReason = RejectReason.InvalidAuth;
    w.runUntil(() => w.phase === Phase.Failed, 5_000);
    const failedAt = w.t;
    check.is(w.phase, Phase.Failed, "failed");
    const wait = w.logs.find((l) => l[3].includes("reconnecting in") && l[3].includes("REJECTED_INVALID_AUTH"));
    check.ok(wait !== undefined && wait[3].includes("peer-level REJECTED_INVALID_AUTH"), `the wait out of failed names the rejection's class: ${wait?.[3]}`);
    w.script.rejectReason = 0; // the keys file is fixed
    const took = w.runUntil(() => w.phase === Phase.Active, retryMs + 2_000);
    check.ok(took >= retryMs / 10 && took <= retryMs + 100, `active again ${w.t - failedAt} ms after failing (retry within [${retryMs / 10}, ${retryMs}])`);
    check.is(counter(w, Counter.FailedRetries), 1, "the retry is counted");
    check.ok(w.logs.some((l) => l[3].includes("retrying after failed (REJECTED_INVALID_AUTH)")), "the retry is logged with its reason");
    // Still rejected: the retries keep the slow cadence, each one jittered.
    w.script.rejectReason = RejectReason.InvalidAuth;
    w.cutLink();
    w.runUntil(() => w.phase === Phase.Failed, 70_000);
    const retriesBefore = counter(w, Counter.FailedRetries);
    const t0 = w.t;
    w.run(10 * retryMs);
    const retries = counter(w, Counter.FailedRetries) - retriesBefore;
    check.ok(retries >= 10 && retries <= 100, `slow cadence: ${retries} retries in ${w.t - t0} ms`);
    check.is(counter(w, Counter.NetworkRestarts) + counter(w, Counter.RebootRequests), 0, "a rejection never escalates");
    w.agent.stop(w.now);
    const attempts = counter(w, Counter.ConnectAttempts);
    w.run(10 * retryMs);
    check.is(w.phase, Phase.Stopped, "a stop in failed cancels the retry");
    check.is(counter(w, Counter.ConnectAttempts), attempts, "no attempt after the stop");
  }, () => started(new SimWorld(simConfig({ session: { failedRetryMs: 20_000 } })))],

  ["a wrong device key: the brain rejects the proof, failed with REJECTED_INVALID_AUTH", (w, check) => {
    w.run(2_000);
    check.is(w.phase, Phase.Failed, "failed");
    check.is(w.agent.lastReason, Err.RejectedInvalidAuth, "reason");
    check.ok(counter(w, Counter.AuthFailures) >= 1, "the brain's proof failed our check too, and was counted");
  }, () => started(new SimWorld(simConfig({ key: new Uint8Array(32).fill(7) })))],

  ["rejected as invalid request: failed with its reason", (w, check) => {
    w.script.rejectReason = RejectReason.InvalidRequest;
    w.run(2_000);
    check.is(w.phase, Phase.Failed, "failed");
    check.is(w.agent.lastReason, Err.RejectedInvalidRequest, "reason");
  }],

  ["rejected as unknown agent: failed with its reason", (w, check) => {
    w.script.rejectReason = RejectReason.UnknownAgent;
    w.run(2_000);
    check.is(w.phase, Phase.Failed, "failed");
    check.is(w.agent.lastReason, Err.RejectedUnknownAgent, "reason");
  }],

  ["rejected as already registered: backs off and retries until the brain lets go", (w, check) => {
    w.script.rejectReason = RejectReason.AlreadyRegistered;
    w.script.rejectAtProof = true;
    w.run(5_000);
    check.is(w.agent.lastReason, Err.RejectedAlreadyRegistered, "reason");
    check.ok(counter(w, Counter.ConnectAttempts) >= 2, "retried");
    check.ok(counter(w, Counter.Rejections) >= 2, "rejections counted");
    w.script.rejectReason = 0;
    reachesActive(w, check, "after the old session is gone", 10_000);
  }],

  ["rejected as busy with retry-after: the hint is honoured", (w, check) => {
    w.script.rejectReason = RejectReason.Busy;
    w.script.retryAfterMs = 7_000;
    w.run(200);
    w.script.rejectReason = 0;
    const took = w.runUntil(() => w.phase === Phase.Active, 20_000);
    check.ok(took >= 6_800, `stayed away for the hint: ${took} ms`);
  }],

  ["a brain that cannot prove the key is never trusted: no active session, retried", (w, check) => {
    w.script.badBrainProof = true; // it accepts our proof but cannot prove the key itself (a rogue)
    w.run(1_000, 200_000, () => w.phase === Phase.Active);
    check.ok(w.phase !== Phase.Active, "never active with an unproven brain");
    check.is(w.applied.length, 0, "no motor frame applied");
    check.is(w.agent.lastReason, Err.AuthBadProof, "reason AUTH_BAD_PROOF");
    check.ok(counter(w, Counter.AuthFailures) >= 1, "auth failure counted");
    check.ok(w.phase !== Phase.Failed, "not terminal");
    w.script.badBrainProof = false;
    reachesActive(w, check, "with the right brain", 10_000);
  }],

  ["a replayed challenge (old nonce) is rejected and skipped", (w, check) => {
    reachesActive(w, check, "first session");
    w.cutLink();
    w.script.replayOldChallenge = true;
    w.run(3_000);
    check.is(count(w, MsgType.Proof), 1, "no proof answers the replayed challenge");
    check.ok(counter(w, Counter.MalformedMessages) >= 1, "replay counted");
    w.script.replayOldChallenge = false;
    reachesActive(w, check, "after the replays stop", 30_000);
  }],

  ["capabilities are re-sent on every reconnect", (w, check) => {
    for (let i = 0; i < 3; i++) {
      reachesActive(w, check, `session ${i + 1}`, 10_000);
      w.cutLink();
    }
    reachesActive(w, check, "session 4", 10_000);
    const hellos = w.received.filter((r) => r.type === MsgType.Hello);
    check.is(hellos.length, 4, "one hello per connection");
    check.ok(hellos.every((h) => h.channels === 3), "every hello carries the whole channel table");
  }],

  ["a malformed control message is counted and skipped; the session goes on", (w, check) => {
    reachesActive(w, check, "session");
    w.brainSays(new Uint8Array([0xff, 0x00, 0x13]));
    w.brainSays(new Uint8Array([0xa1, 0x61, 0x74, 0x18, 0x63])); // {"t": 99}
    w.run(1_000);
    check.is(counter(w, Counter.MalformedMessages), 2, "both counted");
    check.is(w.phase, Phase.Active, "still active");
    check.is(counter(w, Counter.ConnectAttempts), 1, "no reconnect");
  }],

  ["an action error (outbox full on a stalled socket) drives the explicit failure event", (w, check) => {
    w.script.maxSensorHz = 500;
    reachesActive(w, check, "session");
    w.stalled = true;
    w.run(3_000);
    check.ok(counter(w, Counter.ActionFailures) >= 1, "action failure counted");
    check.ok(counter(w, Counter.SensorFramesDropped) >= 1, "sensor frames dropped, not queued without bound");
    w.stalled = false;
    reachesActive(w, check, "after the socket drains", 10_000);
  }, () => started(new SimWorld(simConfig({ session: { sensorRateHz: 400 } })))],

  ["the config is validated at construction with one error listing every bad field", (_w, check) => {
    let message = "";
    try {
      new Agent({ ...simConfig(), agentId: "bad id!", brokerPort: 0, session: { heartbeatMissLimit: 0, drainTimeoutMs: 1 } }, {} as never);
    } catch (e) {
      message = String((e as Error).message);
    }
    for (const field of ["agentId", "brokerPort", "heartbeatMissLimit", "drainTimeoutMs"]) check.ok(message.includes(field), `error names ${field}`);
  }],

  ["a host callback that throws out of the loop: the inputs it queued run first, in order, on the next call", (w, check) => {
    reachesActive(w, check, "session");
    const io = (w.agent as unknown as { io: { sampleSensors: (nowMs: number, sensors: unknown) => void } }).io;
    const sample = io.sampleSensors;
    let threw = false;
    io.sampleSensors = (nowMs, sensors) => {
      io.sampleSensors = sample;
      check.is(w.agent.submitSensorFrame(nowMs), 0, "a sensor frame asked for from inside the loop is queued");
      throw new Error("sensor bus fault");
    };
    try {
      w.run(1_000);
    } catch (e) {
      threw = String(e).includes("sensor bus fault");
    }
    check.ok(threw, "the callback's exception reaches the host");
    const sent = counter(w, Counter.SensorFramesSent);
    const dropped = counter(w, Counter.SensorFramesDropped);
    w.agent.stop(w.now);
    check.is(counter(w, Counter.SensorFramesSent), sent + 1, "the queued sensor frame went out before the stop");
    check.is(counter(w, Counter.SensorFramesDropped), dropped, "and was not dropped as sent after it");
    check.ok(w.phase !== Phase.Active, "then the stop took effect");
  }],

  ["deploy drain: stops sensors, deregisters, reconnects after retry-after without escalating", (w, check) => {
    reachesActive(w, check, "session");
    const sentBefore = counter(w, Counter.SensorFramesSent);
    w.drain(1, 3_000, 2_000);
    w.run(100);
    check.ok(count(w, MsgType.Deregister) >= 1, "deregistered with the brain");
    check.ok(counter(w, Counter.SensorFramesSent) <= sentBefore + 1, "no new sensor frames after the drain");
    check.ok(w.motorsSafe, "motors safe once draining");
    const took = w.runUntil(() => w.phase === Phase.Active, 10_000);
    check.ok(took >= 2_900 && took <= 6_200, `reconnected after the hint with jitter: ${took} ms`);
    check.is(w.agent.status().attempt, 0, "backoff not escalated");
    check.ok(w.logs.some((l) => l[3].includes("drain requested (deploy)") && l[1] === Level.Info), "deploy drain logged at info");
  }],

  ["operator drain: the same, logged at warn", (w, check) => {
    reachesActive(w, check, "session");
    w.drain(2, 1_000, 1_000);
    w.run(10);
    check.is(w.phase, Phase.BackingOff, "drained and backing off");
    reachesActive(w, check, "after the operator drain", 5_000);
    check.ok(w.logs.some((l) => l[3].includes("drain requested (operator)") && l[1] === Level.Warn), "operator drain logged at warn");
    const wait = w.logs.find((l) => l[3].includes("reconnecting in"));
    check.ok(wait !== undefined && wait[3].includes("drained (operator), as the brain's retry-after hint asks"), `the wait names the drain, not a stale reason: ${wait?.[3]}`);
  }],

  ["draining waits for pending QoS 1 work: it ends as soon as the PUBACKs arrive", (w, check) => {
    w.withholdPuback = true; // hello and proof stay unacknowledged
    reachesActive(w, check, "session");
    w.drain(1, 1_000, 5_000);
    w.run(500);
    check.is(w.phase, Phase.Draining, "still draining while QoS 1 work is pending");
    w.releasePubacks();
    w.run(20);
    check.ok(w.phase === Phase.Deregistering || w.phase === Phase.BackingOff, `drain ended when nothing was pending (${w.agent.phaseName})`);
  }],

  ["draining with work that never completes ends at the drain deadline", (w, check) => {
    w.withholdPuback = true;
    reachesActive(w, check, "session");
    w.drain(1, 1_000, 1_500);
    w.run(1_400);
    check.is(w.phase, Phase.Draining, "draining until the deadline");
    w.run(200);
    check.ok(w.phase !== Phase.Draining, "the drain deadline ended it");
  }],

  ["the brain deregisters the agent in every phase; each time it resumes without escalating", (w, check) => {
    for (const phase of [Phase.Authenticating, Phase.Registering, Phase.Binding, Phase.Active]) {
      const ok = faultIn(w, phase, () => w.deregister());
      check.ok(ok, `reached ${phase}`);
      w.run(20);
      reachesActive(w, check, `after deregistered in phase ${phase}`, 10_000);
    }
    check.ok(counter(w, Counter.ServerDeregisters) >= 4, "server deregisters counted");
    check.is(counter(w, Counter.NetworkRestarts), 0, "no escalation");
  }],

  ["a link loss in every phase is followed by a resume, with a new generation", (w, check) => {
    const phases = [Phase.MqttConnecting, Phase.ControlSubscribing, Phase.Authenticating, Phase.Registering, Phase.Binding, Phase.Active, Phase.Draining, Phase.Deregistering];
    let gen = 0;
    for (const phase of phases) {
      if (phase === Phase.Draining) {
        w.withholdPuback = true; // this connection's hello and proof stay pending, so draining lasts
        w.cutLink();
        reachesActive(w, check, "setup for draining", 70_000);
        w.drain(1, 500, 5_000);
      } else if (phase === Phase.Deregistering) {
        reachesActive(w, check, "setup for deregistering", 70_000);
        w.script.silent = true; // the brain never acknowledges the deregister
        w.drain(1, 500, 100);
      }
      if (w.phase === Phase.Active && phase < Phase.Active) w.cutLink();
      const reachedPhase = w.runUntil(() => w.phase === phase && w.linkUp, 70_000) >= 0;
      check.ok(reachedPhase, `in phase ${phase}`);
      w.cutLink();
      w.withholdPuback = false;
      w.script.silent = false;
      reachesActive(w, check, `after a loss in phase ${phase}`, 70_000);
      check.ok(w.agent.status().generation > gen, "generation increments");
      gen = w.agent.status().generation;
    }
    check.ok(w.deaths.length >= 5, `the broker published death notices: ${w.deaths.length}`);
  }],

  ["failures before auth escalate the backoff within bounds; reaching active resets it", (w, check) => {
    w.brokerUp = false;
    const cfg = w.agent.config.session;
    const delays: number[] = [];
    let last = -1;
    for (let i = 0; i < 8; i++) {
      w.runUntil(() => w.phase === Phase.BackingOff && counter(w, Counter.ConnectAttempts) !== last, 200_000);
      last = counter(w, Counter.ConnectAttempts);
      const took = w.runUntil(() => w.phase !== Phase.BackingOff, 200_000);
      delays.push(took);
    }
    delays.forEach((d, i) => {
      const ceiling = backoffCeilingMs(i, cfg.backoffBaseMs, cfg.backoffMaxMs);
      check.ok(d >= cfg.backoffBaseMs / 10 && d <= ceiling + w.latencyMs, `delay ${i} = ${d} within [${cfg.backoffBaseMs / 10}, ${ceiling}]`);
    });
    w.brokerUp = true;
    reachesActive(w, check, "broker back", 200_000);
    check.is(w.agent.status().attempt, 0, "attempt reset at active");
  }],

  ["escalation: a network that is down: network restart after 5 failures, reboot after 5 more, each counted", (w, check) => {
    w.networkFault = Err.NetUnreachable;
    w.runUntil(() => w.networkRestarts === 1, 600_000);
    check.is(counter(w, Counter.NetworkRestarts), 1, "network restart requested and counted");
    check.is(w.reboots, 0, "no reboot yet");
    w.runUntil(() => w.reboots === 1, 600_000);
    check.is(counter(w, Counter.RebootRequests), 1, "reboot requested and counted");
    check.is(counter(w, Counter.ConnectAttempts), 10, "exactly 10 failed attempts before the reboot");
    check.ok(w.logs.some((l) => l[3].includes("escalating: reboot after 10 network-level failures")), "the reboot line gives the true count");
    check.is(counter(w, Counter.LinkLosses), 0, "no link was ever up: no link loss");
    check.is(counter(w, Counter.ConnectFailures), 10, "10 connect failures");
    w.networkFault = 0;
    reachesActive(w, check, "after the broker is back", 120_000);
  }],

  ["a session taken over again and again (a duplicate id): the backoff grows instead of resetting", (w, check) => {
    const cfg = w.agent.config.session;
    const gaps: number[] = [];
    const start = w.t;
    let sessions = 0;
    while (w.t - start < 10 * 60_000) {
      if (w.runUntil(() => w.phase === Phase.Active, 200_000) < 0) break;
      sessions++;
      w.run(300); // the other device connects with our client id: the broker closes our link
      w.cutLink();
      const lostAt = w.t;
      w.runUntil(() => w.phase === Phase.TransportOpening, 200_000);
      gaps.push(w.t - lostAt);
    }
    check.ok(sessions >= 8 && sessions <= 30, `${sessions} sessions in 10 minutes (was about 1 every 0.8 s: 750)`);
    check.ok(gaps.every((g) => g <= cfg.backoffMaxMs), `every delay within backoffMaxMs: max ${Math.max(...gaps)}`);
    const late = gaps.slice(6);
    check.ok(late.reduce((a, b) => a + b, 0) / late.length >= cfg.backoffMaxMs / 4, `the delays grew: ${gaps.slice(0, 8).join(", ")} ...`);
    check.is(counter(w, Counter.ShortSessions), sessions, "every short session counted");
    check.ok(w.logs.some((l) => l[1] === Level.Warn && l[3].includes("another device with agent id sim1")), "warned about a possible duplicate id");
    check.is(counter(w, Counter.NetworkRestarts), 0, "no escalation");
    // A session that lasts past stableSessionMs resets the streak and the backoff.
    w.runUntil(() => w.phase === Phase.Active, 200_000);
    w.run(cfg.stableSessionMs + 1_000);
    w.cutLink();
    const lostAt = w.t;
    w.runUntil(() => w.phase === Phase.TransportOpening, 200_000);
    check.ok(w.t - lostAt <= cfg.backoffBaseMs, `after a stable session the first delay is short again: ${w.t - lostAt} ms`);
    check.is(w.agent.status().shortSessions, 0, "streak reset");
  }],

  ["broker list: a broker that cannot be reached is skipped for the next one within the same backoff", (w, check) => {
    w.refusedBrokers = ["b1.sim:1883"];
    reachesActive(w, check, "via the second broker", 5_000);
    check.is(w.opens.map((o) => o.broker).join(" "), "b1.sim:1883 b2.sim:1884", "tried b1, then b2");
    const gap = w.opens[1].t - w.opens[0].t;
    check.ok(gap >= 100 && gap <= 1_000 + 2 * w.latencyMs, `rotated after one ordinary backoff delay: ${gap} ms`);
    check.ok(w.logs.some((l) => l[3].includes("b1.sim:1883 peer-level PEER_REFUSED")), "the reconnect line names the broker that failed");
    w.cutLink(); // b2 was reached: a loss after CONNACK stays with b2
    reachesActive(w, check, "again", 10_000);
    check.is(w.opens[w.opens.length - 1].broker, "b2.sim:1884", "reconnects to the broker it had reached");
    w.refusedBrokers = ["b2.sim:1884", "b3.sim:1883"];
    w.cutLink();
    reachesActive(w, check, "back on the first", 20_000);
    check.is(w.opens.slice(-3).map((o) => o.broker).join(" "), "b2.sim:1884 b3.sim:1883 b1.sim:1883", "wraps around the list");
  }, () => started(new SimWorld(simConfig({ brokerHost: undefined, brokerPort: undefined, brokers: ["b1.sim:1883", "b2.sim:1884", "b3.sim"] })))],

  ["half-open link (black hole) is detected within the stated bound, then resumed", (w, check) => {
    reachesActive(w, check, "session");
    w.blackHole = true;
    const cfg = w.agent.config.session;
    const bound = Math.min(cfg.linkSilenceMs, w.script.heartbeatMs + cfg.heartbeatMissLimit * cfg.heartbeatTimeoutMaxMs);
    const took = w.runUntil(() => w.phase !== Phase.Active, bound + 100);
    check.ok(took >= 0 && took <= bound, `detected in ${took} ms (bound ${bound})`);
    const r = w.agent.lastReason;
    check.ok(r === Err.TimeoutHeartbeat || r === Err.TimeoutSilentLink, `reason is a liveness timeout (${r})`);
    check.ok(w.motorsSafe, "motors safe");
    w.blackHole = false;
    w.cutLink();
    reachesActive(w, check, "after the link heals", 10_000);
  }],

  ["half-open before active is caught by the silent-link bound", (w, check) => {
    faultIn(w, Phase.Authenticating, () => {
      w.blackHole = true;
    });
    const took = w.runUntil(() => w.phase !== Phase.Authenticating, 20_000);
    check.ok(took >= 0 && took <= w.agent.config.session.linkSilenceMs + 10, `silent link detected in ${took} ms`);
    check.is(w.agent.lastReason, Err.TimeoutSilentLink, "reason silent link");
    w.blackHole = false;
  }, () => started(new SimWorld(simConfig({ session: { registrationDeadlineMs: 0 } })))],

  ["motor safety: stale, replayed, out-of-order and badly signed frames are dropped and counted", (w, check) => {
    w.script.motorPerSensor = false;
    reachesActive(w, check, "session");
    w.run(100);
    const bt = () => w.brainNow();
    const good = w.sendMotor(100, bt() + 300);
    w.run(10);
    check.is(w.applied.length, 1, "fresh frame applied");
    w.motorRaw(good);
    w.sendMotor(50, bt() + 300);
    w.sendMotor(101, bt() - 5);
    const forged = w.motorFrame(102, bt() + 300);
    forged[forged.length - 1] ^= 1;
    w.motorRaw(forged);
    w.run(10);
    check.is(w.applied.length, 1, "none of the bad frames applied");
    check.is(counter(w, Counter.MotorDroppedReplay), 1, "replay counted");
    check.is(counter(w, Counter.MotorDroppedOrder), 1, "out-of-order counted");
    check.is(counter(w, Counter.MotorDroppedStale), 1, "stale counted");
    check.ok(counter(w, Counter.MotorDroppedMac) >= 1, "bad MAC counted");
    check.is(w.applied.length, 1, "nothing else applied");
  }],

  ["motors go safe when no valid frame arrives before the deadline, and on leaving active", (w, check) => {
    w.script.motorPerSensor = false;
    reachesActive(w, check, "session");
    w.sendMotor(1, w.brainNow() + 10_000);
    w.run(10);
    check.ok(!w.motorsSafe, "driven");
    const took = w.runUntil(() => w.motorsSafe, 1_000);
    check.ok(took >= 0 && took <= w.script.motorDeadlineMs, `safe after the hold time (${took} ms)`);
    check.is(counter(w, Counter.MotorDeadlineSafe), 1, "deadline expiry counted");
    w.sendMotor(2, w.brainNow() + 10_000);
    w.run(10);
    w.cutLink();
    check.ok(w.motorsSafe, "safe at once on leaving active");
  }],

  ["status: the brain asks and gets the counters", (w, check) => {
    reachesActive(w, check, "session");
    w.requestStatus();
    w.run(50);
    const statuses = w.received.filter((r) => r.type === MsgType.Status);
    check.ok(statuses.length >= 1, "status sent");
    check.ok(statuses.every((s) => s.counters === COUNTER_COUNT), "status carries every counter");
  }],

  ["user stop: deregisters, disconnects cleanly (no death notice) and stays stopped", (w, check) => {
    reachesActive(w, check, "session");
    w.agent.stop(w.now);
    w.run(1_000);
    check.is(w.phase, Phase.Stopped, "stopped");
    check.is(count(w, MsgType.Deregister), 1, "deregister sent");
    check.is(w.deaths.length, 0, "clean disconnect: the Will was not published");
    check.ok(w.motorsSafe, "motors safe");
    w.run(60_000);
    check.is(counter(w, Counter.ConnectAttempts), 1, "no reconnect after stop");
  }],

  ["clock wrap: a run across the u32 wrap keeps heartbeats, frames and deadlines right", (w, check) => {
    reachesActive(w, check, "session before the wrap");
    w.run(20_000);
    check.ok(w.now < 100_000, `the clock wrapped (now ${w.now})`);
    check.is(w.phase, Phase.Active, "still active after the wrap");
    check.is(counter(w, Counter.HeartbeatMisses), 0, "no spurious heartbeat miss");
    check.is(counter(w, Counter.MotorDroppedStale), 0, "no frame judged stale by the wrap");
    check.ok(w.applied.length >= 380, `motor frames applied across the wrap: ${w.applied.length}`);
    check.is(counter(w, Counter.ConnectAttempts), 1, "no reconnect");
  }, () => started(new SimWorld(simConfig(), { epochMs: 0xffffffff - 5_000 }))],

  ["the device clock jumping back releases the motors and keeps every timer's remaining time", (w, check) => {
    reachesActive(w, check, "session");
    w.run(1_000);
    check.ok(!w.motorsSafe, "driven before the jump");
    w.epochMs -= 7_000;
    w.run(1);
    check.ok(w.motorsSafe || w.applied[w.applied.length - 1].t >= w.t - 1, "held command released at the jump");
    check.is(counter(w, Counter.ClockJumpsBack), 1, "jump counted");
    w.run(3_000);
    check.is(w.phase, Phase.Active, "session survives the jump");
    check.is(counter(w, Counter.ConnectAttempts), 1, "no reconnect");
    check.ok(w.applied.length >= 70, `motor frames keep flowing: ${w.applied.length}`);
  }],

  ["the device clock jumping forward is taken as elapsed time: liveness decides, then it resumes", (w, check) => {
    reachesActive(w, check, "session");
    w.epochMs += 30_000;
    w.run(1);
    check.ok(w.motorsSafe, "motors safe: the hold time passed");
    reachesActive(w, check, "after the jump", 10_000);
  }],

  ["a stall longer than a sensor period skips the missed samples and keeps the sampling phase", (w, check) => {
    const periodMs = 50; // 20 Hz in simConfig
    reachesActive(w, check, "session");
    w.run(1_000);
    const last = w.sampleTimes[w.sampleTimes.length - 1];
    const phase = last % periodMs;
    check.ok(w.sampleTimes.slice(-10).every((t) => t % periodMs === phase), "steady sampling on one phase");
    const n = w.sampleTimes.length;
    w.epochMs += 237; // the host stalled: no tick for 237 ms
    w.run(1_000);
    const after = w.sampleTimes.slice(n);
    check.ok(after.length >= 18 && after.length <= 21, `one late sample, then the rate again (${after.length} in 1 s)`);
    check.ok(after[0] - last >= 237, "the first sample after the stall is the late one, taken at once");
    check.ok(after.length > 1 && after[1] - after[0] > 0 && after[1] - after[0] <= periodMs, "the missed samples are not bunched");
    check.ok(after.slice(1).every((t) => t % periodMs === phase), `then back on the old phase (${phase} ms): ${after.slice(0, 4).map((t) => t % periodMs).join(",")}`);
  }],

  ["brain clock far from ours (offset across the wrap) still validates deadlines", (w, check) => {
    w.script.brainClockOffsetMs = 0x7fff0000;
    reachesActive(w, check, "session");
    w.run(2_000);
    check.ok(w.applied.length >= 38, `frames applied: ${w.applied.length}`);
    check.is(counter(w, Counter.MotorDroppedStale), 0, "none stale");
  }],

  ["a late heartbeat ack from an earlier probe is ignored", (w, check) => {
    reachesActive(w, check, "session");
    const out = new Uint8Array(64);
    const n = encodeHeartbeatAck(out, 0, 999_999, w.now - 50, w.brainNow());
    w.brainSays(out.slice(0, n));
    w.run(100);
    check.is(w.agent.status().rttMs, 2 * w.latencyMs, "RTT unaffected");
  }],
];

/** Runs every scenario (or those whose name includes `filter`). */
export function run(check: Check, filter = ""): void {
  for (const [name, body, make] of scenarios) {
    if (filter && !name.includes(filter)) continue;
    const w = make ? make() : started(new SimWorld());
    let failures = 0;
    const prefixed: Check = {
      is: (a, b, what) => check.is(a, b, `${name}: ${what}`),
      bytes: (a, b, what) => check.bytes(a, b, `${name}: ${what}`),
      ok: (c, what) => check.ok(c, `${name}: ${what}`),
    };
    w.onStep = () => checkInvariants(w, (msg) => {
      if (failures++ < 3) check.ok(false, `${name}: invariant: ${msg}`);
    });
    try {
      body(w, prefixed);
    } catch (e) {
      check.ok(false, `${name}: threw ${(e as Error)?.message ?? e}`);
    }
    check.ok(failures === 0, `${name}: invariants held`);
  }
}
