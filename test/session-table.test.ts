/*
 * The transition table defines every (phase, event) pair, every phase is reachable, and an
 * undefined (INVALID) pair is refused with an error value rather than a crash.
 */
import test from "ava";
import { END, EVENT_COUNT, Ev, IGNORE, INVALID, PHASE_COUNT, Phase, STAY, eventNames, phaseNames, transitionFor, transitions } from "../src/session/automaton";
import { resolveSessionConfig } from "../src/session/config";
import { Session } from "../src/session/session";
import { Err } from "../src/errors";

test("every (phase, event) pair is defined", (t) => {
  t.is(transitions.length, PHASE_COUNT);
  t.is(phaseNames.length, PHASE_COUNT);
  t.is(eventNames.length, EVENT_COUNT);
  const allowed = new Set<number>([STAY, IGNORE, INVALID, END, ...Array.from({ length: PHASE_COUNT }, (_, i) => i)]);
  for (let p = 0; p < PHASE_COUNT; p++) {
    t.is(transitions[p].length, EVENT_COUNT, `row ${phaseNames[p]} has one entry per event`);
    for (let e = 0; e < EVENT_COUNT; e++) {
      t.true(allowed.has(transitions[p][e]), `${phaseNames[p]} x ${eventNames[e]} is defined`);
    }
  }
});

test("every phase is reachable from idle", (t) => {
  const seen = new Set<number>([Phase.Idle]);
  const queue = [Phase.Idle as number];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (let e = 0; e < EVENT_COUNT; e++) {
      const to = transitionFor(p, e);
      const targets = to === END ? [Phase.Stopped, Phase.BackingOff] : to >= 0 ? [to] : [];
      for (const n of targets) if (!seen.has(n)) { seen.add(n); queue.push(n); }
    }
  }
  t.is(seen.size, PHASE_COUNT);
});

test("failed is entered only through a fatal rejection, and left only by its retry timer or a stop", (t) => {
  for (let p = 0; p < PHASE_COUNT; p++)
    for (let e = 0; e < EVENT_COUNT; e++)
      if (transitionFor(p, e) === Phase.Failed) t.is(e, Ev.RejectedFatal, `${phaseNames[p]} x ${eventNames[e]}`);
  for (let e = 0; e < EVENT_COUNT; e++) {
    const want = e === Ev.BackoffElapsed ? Phase.Connecting : e === Ev.Stop ? Phase.Stopped : -1;
    const got = transitionFor(Phase.Failed, e);
    t.is(got < 0 ? -1 : got, want, `failed x ${eventNames[e]}`);
  }
});

test("an undefined pair is an error value, out-of-range lookups too", (t) => {
  const s = new Session(resolveSessionConfig({}).config, () => 0.5);
  t.is(s.handle(0, Ev.TransportOpened), Err.UNDEFINED_TRANSITION, "transport opened while idle");
  t.is(s.phase, Phase.Idle);
  t.is(s.handle(0, Ev.Start), 0);
  t.is(s.handle(0, Ev.Start), Err.UNDEFINED_TRANSITION, "start twice");
  t.is(transitionFor(99, 0), INVALID);
  t.is(transitionFor(0, 99), INVALID);
});

test("a spurious tick is a no-op", (t) => {
  const s = new Session(resolveSessionConfig({}).config, () => 0.5);
  s.handle(1000, Ev.Start);
  while (s.actions.poll() !== 0);
  for (let i = 0; i < 10; i++) s.tick(1000 + i);
  t.is(s.actions.length, 0);
  t.is(s.phase, Phase.Connecting);
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
