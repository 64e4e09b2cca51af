/*
 * The table is the automaton: every (phase, event) cell is checked against the written list
 * of intended transitions below, statically (the table says it) and dynamically (a real
 * Session put in the phase, with the guard's fact made true and false, ends in the intended
 * phase). A pair the list does not name must be ignored. Also: every phase is reachable, an
 * undefined pair is an error value, a spurious tick is a no-op, the config ranges.
 */
import test from "ava";
import {
  EVENT_COUNT, Ev, Guard, IGNORE, INVALID, PHASE_COUNT, Phase, STAY, cellFor, eventNames, guardNames, phaseNames, rows, transitionFor,
} from "../src/session/automaton";
import { resolveSessionConfig } from "../src/session/config";
import { Session } from "../src/session/session";
import { Err } from "../src/errors";

/** "phase: event -> target", or "phase: event -> target [guard] / target when the guard does not hold". */
const intended: readonly string[] = [
  "idle: start -> transport-opening",
  "idle: stop -> stopped",
  "idle: transport-opened -> INVALID",

  "transport-opening: start -> INVALID",
  "transport-opening: stop -> stopped",
  "transport-opening: transport-opened -> mqtt-connecting",
  "transport-opening: transport-lost -> backing-off",
  "transport-opening: phase-timeout -> backing-off",
  "transport-opening: action-failed -> backing-off",

  "mqtt-connecting: start -> INVALID",
  "mqtt-connecting: stop -> stopped",
  "mqtt-connecting: transport-opened -> INVALID",
  "mqtt-connecting: transport-lost -> backing-off",
  "mqtt-connecting: phase-timeout -> backing-off",
  "mqtt-connecting: liveness-lost -> backing-off",
  "mqtt-connecting: action-failed -> backing-off",
  "mqtt-connecting: connack-ok -> control-subscribing",
  "mqtt-connecting: connack-refused -> backing-off",

  "control-subscribing: start -> INVALID",
  "control-subscribing: stop -> stopped",
  "control-subscribing: transport-opened -> INVALID",
  "control-subscribing: transport-lost -> backing-off",
  "control-subscribing: phase-timeout -> backing-off",
  "control-subscribing: liveness-lost -> backing-off",
  "control-subscribing: action-failed -> backing-off",
  "control-subscribing: control-subscribed -> authenticating",
  "control-subscribing: subscribe-failed -> backing-off",
  "control-subscribing: deregistered -> backing-off",

  "authenticating: start -> INVALID",
  "authenticating: stop -> stopped",
  "authenticating: transport-opened -> INVALID",
  "authenticating: transport-lost -> backing-off",
  "authenticating: phase-timeout -> backing-off",
  "authenticating: liveness-lost -> backing-off",
  "authenticating: action-failed -> backing-off",
  "authenticating: subscribe-failed -> backing-off",
  "authenticating: challenge-ok -> registering",
  "authenticating: challenge-unproven -> registering",
  "authenticating: rejected-retry -> backing-off",
  "authenticating: rejected-fatal -> failed",
  "authenticating: drain -> backing-off",
  "authenticating: deregistered -> backing-off",

  "registering: start -> INVALID",
  "registering: stop -> deregistering",
  "registering: transport-opened -> INVALID",
  "registering: transport-lost -> backing-off",
  "registering: phase-timeout -> backing-off",
  "registering: liveness-lost -> backing-off",
  "registering: action-failed -> backing-off",
  "registering: subscribe-failed -> backing-off",
  "registering: registered -> binding [brain-proven] / backing-off",
  "registering: rejected-retry -> backing-off",
  "registering: rejected-fatal -> failed",
  "registering: drain -> backing-off",
  "registering: deregistered -> backing-off",

  "binding: start -> INVALID",
  "binding: stop -> deregistering",
  "binding: transport-opened -> INVALID",
  "binding: transport-lost -> backing-off",
  "binding: phase-timeout -> backing-off",
  "binding: liveness-lost -> backing-off",
  "binding: action-failed -> backing-off",
  "binding: subscribe-failed -> backing-off",
  "binding: motor-subscribed -> active",
  "binding: drain -> deregistering [nothing-pending] / draining",
  "binding: deregistered -> backing-off",

  "active: start -> INVALID",
  "active: stop -> deregistering",
  "active: transport-opened -> INVALID",
  "active: transport-lost -> backing-off",
  "active: liveness-lost -> backing-off",
  "active: action-failed -> backing-off",
  "active: drain -> deregistering [nothing-pending] / draining",
  "active: deregistered -> backing-off",

  "draining: start -> INVALID",
  "draining: stop -> deregistering",
  "draining: transport-opened -> INVALID",
  "draining: transport-lost -> backing-off",
  "draining: liveness-lost -> backing-off",
  "draining: action-failed -> backing-off",
  "draining: drain -> STAY",
  "draining: deregistered -> backing-off",
  "draining: phase-timeout -> deregistering",
  "draining: pending-done -> deregistering",

  "deregistering: start -> INVALID",
  "deregistering: stop -> STAY",
  "deregistering: transport-opened -> INVALID",
  "deregistering: drain -> STAY",
  "deregistering: transport-lost -> stopped [stop-requested] / backing-off",
  "deregistering: liveness-lost -> stopped [stop-requested] / backing-off",
  "deregistering: action-failed -> stopped [stop-requested] / backing-off",
  "deregistering: phase-timeout -> stopped [stop-requested] / backing-off",
  "deregistering: deregistered -> stopped [stop-requested] / backing-off",

  "backing-off: start -> INVALID",
  "backing-off: stop -> stopped",
  "backing-off: transport-opened -> INVALID",
  "backing-off: backoff-elapsed -> transport-opening",

  "stopped: start -> transport-opening",
  "stopped: stop -> STAY",
  "stopped: transport-opened -> INVALID",

  "failed: start -> INVALID",
  "failed: stop -> stopped",
  "failed: transport-opened -> INVALID",
  "failed: backoff-elapsed -> transport-opening",
];

function targetName(to: number): string {
  return to === STAY ? "STAY" : to === INVALID ? "INVALID" : to === IGNORE ? "IGNORE" : phaseNames[to];
}

function describeCell(p: number, e: number): string {
  const c = cellFor(p, e);
  const head = `${phaseNames[p]}: ${eventNames[e]} -> ${targetName(c.to)}`;
  return c.guard === Guard.None ? head : `${head} [${guardNames[c.guard]}] / ${targetName(c.elseTo)}`;
}

test("every cell of the table is the intended one (the written list), every other pair is ignored", (t) => {
  t.is(rows.length, PHASE_COUNT);
  t.is(phaseNames.length, PHASE_COUNT);
  t.is(eventNames.length, EVENT_COUNT);
  t.is(new Set(intended).size, intended.length, "no duplicates in the list");
  const listed = new Set(intended);
  let checked = 0;
  for (let p = 0; p < PHASE_COUNT; p++) {
    t.is(rows[p].phase, p, `row ${p} is phase ${phaseNames[p]}`);
    for (let e = 0; e < EVENT_COUNT; e++) {
      const actual = describeCell(p, e);
      if (cellFor(p, e).to === IGNORE) t.false([...listed].some((l) => l.startsWith(`${phaseNames[p]}: ${eventNames[e]} ->`)), `${actual} is listed`);
      else {
        t.true(listed.has(actual), `unlisted or different: ${actual}`);
        listed.delete(actual);
      }
      checked++;
    }
  }
  t.deepEqual([...listed], [], "every listed transition is in the table");
  t.is(checked, PHASE_COUNT * EVENT_COUNT);
});

// ------------------------------------------------------------ the same list, executed

const NOW = 1_000;
const config = resolveSessionConfig({}).config;

/** A session put in `phase`. `fact` makes the guard of the cell under test true or false. */
function sessionIn(phase: number, guard: number, fact: boolean): Session {
  const s = new Session(config, () => 0.5);
  const drive = (...events: number[]) => events.forEach((e) => s.handle(NOW, e));
  const toAuthenticating = () => drive(Ev.Start, Ev.TransportOpened, Ev.ConnAckOk, Ev.ControlSubscribed);
  const toRegistering = (proven: boolean) => {
    toAuthenticating();
    drive(proven ? Ev.ChallengeOk : Ev.ChallengeUnproven);
  };
  const toActive = () => {
    toRegistering(true);
    s.onRegistered(NOW, 7, 0, 0, 0, 0);
    drive(Ev.MotorSubscribed);
  };
  switch (phase) {
    case Phase.TransportOpening: drive(Ev.Start); break;
    case Phase.MqttConnecting: drive(Ev.Start, Ev.TransportOpened); break;
    case Phase.ControlSubscribing: drive(Ev.Start, Ev.TransportOpened, Ev.ConnAckOk); break;
    case Phase.Authenticating: toAuthenticating(); break;
    case Phase.Registering: toRegistering(guard === Guard.BrainProven ? fact : true); break;
    case Phase.Binding: toRegistering(true); s.onRegistered(NOW, 7, 0, 0, 0, 0); break;
    case Phase.Active: toActive(); break;
    case Phase.Draining: toActive(); s.onDrain(NOW, 1, 0, 0, 1); break;
    case Phase.Deregistering:
      toActive();
      if (guard === Guard.StopRequested && fact) drive(Ev.Stop);
      else s.onDrain(NOW, 1, 0, 0, 0);
      break;
    case Phase.BackingOff: drive(Ev.Start, Ev.TransportLost); break;
    case Phase.Stopped: drive(Ev.Stop); break;
    case Phase.Failed: toAuthenticating(); s.onRejected(NOW, Err.RejectedInvalidAuth, 0); break;
  }
  return s;
}

test("every listed transition, executed by a real Session, reaches its intended target (both branches of each guard)", (t) => {
  let runs = 0;
  for (const line of intended) {
    const m = /^(\S+): (\S+) -> (\S+)(?: \[(\S+)\] \/ (\S+))?$/.exec(line)!;
    const p = phaseNames.indexOf(m[1]);
    const e = eventNames.indexOf(m[2]);
    const guard = m[4] ? guardNames.indexOf(m[4]) : Guard.None;
    for (const fact of guard === Guard.None ? [true] : [true, false]) {
      const s = sessionIn(p, guard, fact);
      t.is(s.phase, p, `${line}: set up in ${m[1]}`);
      const want = fact ? m[3] : m[5];
      const r = e === Ev.Drain ? s.onDrain(NOW, 1, 0, 0, guard === Guard.NothingPending && fact ? 0 : 1) : s.handle(NOW, e, Err.TransportClosed);
      if (want === "INVALID") {
        t.is(r, Err.UndefinedTransition, `${line}: refused`);
        t.is(s.phase, p, `${line}: unchanged`);
      } else t.is(phaseNames[s.phase], want === "STAY" ? m[1] : want, `${line}${guard ? ` (${guardNames[guard]} ${fact})` : ""}`);
      runs++;
    }
  }
  t.true(runs > intended.length, `${runs} runs`);
});

test("every phase is reachable from idle", (t) => {
  const seen = new Set<number>([Phase.Idle]);
  const queue = [Phase.Idle as number];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (let e = 0; e < EVENT_COUNT; e++) {
      const c = cellFor(p, e);
      for (const n of [c.to, c.elseTo]) if (n >= 0 && !seen.has(n)) { seen.add(n); queue.push(n); }
    }
  }
  t.is(seen.size, PHASE_COUNT);
});

test("failed is entered only through a fatal rejection, and left only by its retry timer or a stop", (t) => {
  for (let p = 0; p < PHASE_COUNT; p++)
    for (let e = 0; e < EVENT_COUNT; e++)
      if (transitionFor(p, e) === Phase.Failed) t.is(e, Ev.RejectedFatal, `${phaseNames[p]} x ${eventNames[e]}`);
  for (let e = 0; e < EVENT_COUNT; e++) {
    const want = e === Ev.BackoffElapsed ? Phase.TransportOpening : e === Ev.Stop ? Phase.Stopped : -1;
    const got = transitionFor(Phase.Failed, e);
    t.is(got < 0 ? -1 : got, want, `failed x ${eventNames[e]}`);
  }
});

test("an undefined pair is an error value, out-of-range lookups too", (t) => {
  const s = new Session(resolveSessionConfig({}).config, () => 0.5);
  t.is(s.handle(0, Ev.TransportOpened), Err.UndefinedTransition, "transport opened while idle");
  t.is(s.phase, Phase.Idle);
  t.is(s.handle(0, Ev.Start), 0);
  t.is(s.handle(0, Ev.Start), Err.UndefinedTransition, "start twice");
  t.is(transitionFor(99, 0), INVALID);
  t.is(transitionFor(0, 99), INVALID);
});

test("a spurious tick is a no-op", (t) => {
  const s = new Session(resolveSessionConfig({}).config, () => 0.5);
  s.handle(1000, Ev.Start);
  while (s.actions.poll() !== 0);
  for (let i = 0; i < 10; i++) s.tick(1000 + i);
  t.is(s.actions.length, 0);
  t.is(s.phase, Phase.TransportOpening);
});

test("config ranges: defaults valid, every bad field reported at once", (t) => {
  t.deepEqual(resolveSessionConfig({}).problems, []);
  const { problems } = resolveSessionConfig({ transitionTimeoutMs: 500, drainTimeoutMs: 700_000, heartbeatMissLimit: 1.5, bogus: 1 } as never);
  t.is(problems.length, 4);
  t.true(problems.some((p) => p.startsWith("transitionTimeoutMs: 500 is outside 1000..300000")));
  t.true(problems.some((p) => p.startsWith("drainTimeoutMs")));
  t.true(problems.some((p) => p.startsWith("heartbeatMissLimit")));
  t.true(problems.some((p) => p.startsWith("bogus: unknown")));
});
