/*
 * automaton: the session's phases, events and table. This file is the behaviour; session.ts
 * only executes it.
 *
 * Theory of operation: phases and events are numeric `as const` objects. `rows` holds one row
 * per phase, and a newcomer can read the whole machine from it:
 *   - allows:   what may happen in the phase: sensor frames out, motor frames in, heartbeats,
 *               an open transport (the silent-link watch runs), an MQTT session (keep-alive pings);
 *   - stage:    which per-phase data the phase holds (session-state.ts): none, the connect
 *               attempt, the handshake, or the live session;
 *   - entry / exit: the steps (`Do`) run on entering and on leaving the phase;
 *   - deadline: what the phase's deadline is (`Deadline`) and which event and reason its
 *               expiry fires;
 *   - on:       every event the phase reacts to: the target phase (or STAY), the steps of the
 *               transition and, where the target depends on a fact, a named guard (`Guard`)
 *               with the target and steps when it does not hold. Events a phase does not list
 *               are IGNORED (counted when they came from the peer, harmless otherwise); INVALID
 *               marks a local misuse (e.g. the host reports a transport opening nobody asked
 *               for), refused with Err.UndefinedTransition.
 * `compile` flattens the rows into typed arrays once, so a lookup allocates nothing.
 * test/session-table.test.ts checks every (phase, event) cell against a written list.
 */
import { Err } from "../errors";

export const Phase = {
  Idle: 0,
  TransportOpening: 1, // the host is opening the transport to the broker
  MqttConnecting: 2, // CONNECT sent, waiting for CONNACK
  ControlSubscribing: 3, // control-topic SUBSCRIBE sent, waiting for SUBACK
  Authenticating: 4, // hello sent, waiting for the brain's challenge and proof
  Registering: 5, // our proof sent, waiting for registered
  Binding: 6, // motor-topic SUBSCRIBE sent, waiting for SUBACK; then sensors may flow
  Active: 7,
  Draining: 8, // server-directed: no new sensor frames, finish pending QoS 1 work
  Deregistering: 9,
  BackingOff: 10,
  Stopped: 11,
  Failed: 12, // a rejected key or an invalid request: retried only after failedRetryMs (0 = never)
} as const;
export const PHASE_COUNT = 13;

export const phaseNames: readonly string[] = [
  "idle", "transport-opening", "mqtt-connecting", "control-subscribing", "authenticating", "registering", "binding",
  "active", "draining", "deregistering", "backing-off", "stopped", "failed",
];

export const Ev = {
  Start: 0, // user command
  Stop: 1, // user command: deregister and stop
  TransportOpened: 2,
  TransportLost: 3, // closed or errored, with a reason (a send or receive error too)
  ConnAckOk: 4,
  ConnAckRefused: 5,
  ControlSubscribed: 6,
  SubscribeFailed: 7,
  ChallengeOk: 8, // the brain's proof verified and our nonce echoed
  ChallengeUnproven: 9, // our nonce echoed, the brain's proof did not verify (a wrong key, or a rogue)
  RegisteredOk: 10,
  RejectedRetry: 11, // already registered, busy, a registered message without endpoints
  RejectedFatal: 12, // invalid auth, unknown agent, invalid request, unsupported version
  MotorSubscribed: 13,
  Drain: 14,
  Deregistered: 15, // from the brain: an ack, or unsolicited (the brain may do it in any phase)
  PhaseTimeout: 16, // the current phase's deadline passed
  BackoffElapsed: 17, // the backoff delay, or the failed-retry delay, is over
  LivenessLost: 18, // heartbeat acks missed, or the link went silent (half-open)
  PendingDone: 19, // nothing pending any more (QoS 1 work acknowledged)
  ActionFailed: 20, // the host failed to carry out an action: an explicit failure event, never a crash
} as const;
export const EVENT_COUNT = 21;

export const eventNames: readonly string[] = [
  "start", "stop", "transport-opened", "transport-lost", "connack-ok", "connack-refused", "control-subscribed",
  "subscribe-failed", "challenge-ok", "challenge-unproven", "registered", "rejected-retry",
  "rejected-fatal", "motor-subscribed", "drain", "deregistered", "phase-timeout", "backoff-elapsed",
  "liveness-lost", "pending-done", "action-failed",
];

/** Events that report something the peer sent: ignoring one counts an unexpected message. */
export function fromPeer(event: number): boolean {
  return event >= Ev.ConnAckOk && event <= Ev.Deregistered;
}

/** Events that end a connection attempt or a link by failure (each is recorded by Do.RecordLoss). */
export function isLoss(event: number): boolean {
  return event === Ev.TransportLost || event === Ev.LivenessLost || event === Ev.ActionFailed ||
    event === Ev.ConnAckRefused || event === Ev.SubscribeFailed ||
    event === Ev.RejectedRetry || event === Ev.PhaseTimeout;
}

/** What a phase allows (bits of `Row.allows`). */
export const Allow = {
  Sensors: 1, // sensor frames go out
  Motors: 2, // motor frames are applied (through the motor gate)
  Heartbeats: 4, // heartbeats go out and their acks count
  Link: 8, // the transport is open: the silent-link watch runs, a loss is a link loss
  Mqtt: 16, // the MQTT session is up: keep-alive pings, a graceful close sends DISCONNECT
} as const;

/** Which per-phase data a phase holds (session-state.ts). */
export const Stage = { Offline: 0, Attempt: 1, Handshake: 2, Live: 3 } as const;

/** What a phase's deadline is. */
export const Deadline = {
  None: 0, // no deadline
  Transition: 1, // transitionTimeoutMs from entry
  Registration: 2, // registrationDeadlineMs from entry (none when 0)
  Keep: 3, // the deadline set by an earlier phase keeps running
  KeepOrTransition: 4, // keep one that runs, else transitionTimeoutMs from entry
  Drain: 5, // the drain deadline the brain asked for, clamped to drainTimeoutMs
  Chosen: 6, // set by an entry step (a backoff delay, the failed-retry delay)
} as const;

/** Steps the session carries out on entry, on exit and on transitions (session.ts `run`). */
export const Do = {
  ClearStop: 0, // a start cancels an earlier stop request
  RequestStop: 1,
  BeginAttempt: 2, // new generation, count the attempt, forget the last attempt's data
  Open: 3, // ask the host to open the transport (to the next broker if the last was not reached)
  LinkOpened: 4, // start the link clocks (silent-link watch, keep-alive)
  SendConnect: 5,
  CountConnectOk: 6,
  SendSubscribeControl: 7,
  SendHello: 8,
  MarkBrainProven: 9,
  MarkBrainUnproven: 10, // counted as an auth failure; we still answer, so a real brain rejects us with a reason
  SendProof: 11,
  SendSubscribeMotor: 12,
  BeginActive: 13, // reset the backoff, start heartbeats, sensor and status cadences
  ReleaseMotors: 14, // release the motor gate and send the outputs safe
  MotorsSafe: 15,
  SendDeregister: 16, // reason: stop, drain or fault
  CloseLink: 17, // DISCONNECT first when the close class is not unexpected, then Close
  ScheduleReconnect: 18, // weigh the evidence, escalate or back off, set the delay
  ReportFailed: 19,
  ScheduleFailedRetry: 20,
  CountFailedRetry: 21,
  RecordLoss: 22, // a link loss (link was up) or a connect failure; its evidence class
  CountServerDeregister: 23,
  LoseUnprovenBrain: 24, // registered by a brain that never proved the key: AUTH_BAD_PROOF
  AdoptDrain: 25, // take the drain's reason, retry-after hint and deadline
  CloseLinkGracefully: 26, // DISCONNECT (when the MQTT session is up), then Close
  AdoptChallenge: 27, // the brain's offered nonce and the session key become this session's
  AdoptRegistration: 28, // the offered data topics become this session's
} as const;
export const STEP_COUNT = 29;

export const stepNames: readonly string[] = [
  "clear-stop", "request-stop", "begin-attempt", "open", "link-opened", "send-connect", "count-connect-ok",
  "send-subscribe-control", "send-hello", "mark-brain-proven", "mark-brain-unproven", "send-proof",
  "send-subscribe-motor", "begin-active", "release-motors", "motors-safe", "send-deregister", "close-link",
  "schedule-reconnect", "report-failed", "schedule-failed-retry", "count-failed-retry", "record-loss",
  "count-server-deregister", "lose-unproven-brain", "adopt-drain", "close-link-gracefully", "adopt-challenge",
  "adopt-registration",
];

/** Named facts a cell may depend on. */
export const Guard = {
  None: 0,
  StopRequested: 1, // the user asked to stop
  NothingPending: 2, // no QoS 1 work awaits its PUBACK (the drain can deregister at once)
  BrainProven: 3, // the brain proved the key during this handshake
} as const;

export const guardNames: readonly string[] = ["", "stop-requested", "nothing-pending", "brain-proven"];

export const STAY = -1;
export const IGNORE = -2;
export const INVALID = -3;

/** One (phase, event) cell: go to `to` running `steps`; with a guard that does not hold, to `elseTo` running `elseSteps`. */
export interface Cell {
  to: number;
  steps: readonly number[];
  guard: number;
  elseTo: number;
  elseSteps: readonly number[];
}

export interface Row {
  phase: number;
  allows: number;
  stage: number;
  entry: readonly number[];
  exit: readonly number[];
  deadline: number;
  /** The event and the reason code the deadline's expiry fires. */
  timeout: readonly [event: number, reason: number];
  on: ReadonlyArray<readonly [event: number, cell: Cell]>;
}

const go = (to: number, ...steps: number[]): Cell => ({ to, steps, guard: Guard.None, elseTo: to, elseSteps: steps });
const when = (guard: number, to: number, steps: number[], elseTo: number, elseSteps: number[]): Cell => ({ to, steps, guard, elseTo, elseSteps });
const stay = (...steps: number[]): Cell => go(STAY, ...steps);
const invalid: Cell = go(INVALID);
/** A failure that ends the attempt: record it, back off. */
const lost: Cell = go(Phase.BackingOff, Do.RecordLoss);

const P = Phase, E = Ev, A = Allow, D = Deadline;
const LIVE_LINK = A.Link | A.Mqtt;
const noTimeout = [E.PhaseTimeout, 0] as const;

/** Every phase enters and leaves the same way when the user starts, stops, or the host misbehaves. */
const startInvalid = [E.Start, invalid] as const;
const openedInvalid = [E.TransportOpened, invalid] as const;
/** The failures every connected phase reacts to alike. */
const linkFailures = [
  [E.TransportLost, lost], [E.PhaseTimeout, lost], [E.LivenessLost, lost], [E.ActionFailed, lost],
] as const;

export const rows: readonly Row[] = [
  {
    phase: P.Idle, allows: 0, stage: Stage.Offline, entry: [], exit: [Do.MotorsSafe], deadline: D.None, timeout: noTimeout,
    on: [[E.Start, go(P.TransportOpening, Do.ClearStop)], [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid],
  },
  {
    phase: P.TransportOpening, allows: 0, stage: Stage.Attempt, entry: [Do.BeginAttempt, Do.Open], exit: [],
    deadline: D.Transition, timeout: [E.PhaseTimeout, Err.NetConnectTimeout],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], [E.TransportOpened, go(P.MqttConnecting)],
      [E.TransportLost, lost], [E.PhaseTimeout, lost], [E.ActionFailed, lost]],
  },
  {
    phase: P.MqttConnecting, allows: A.Link, stage: Stage.Attempt, entry: [Do.LinkOpened, Do.SendConnect], exit: [],
    deadline: D.Keep, timeout: [E.PhaseTimeout, Err.TimeoutConnect],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid, ...linkFailures,
      [E.ConnAckOk, go(P.ControlSubscribing, Do.CountConnectOk)], [E.ConnAckRefused, lost]],
  },
  {
    phase: P.ControlSubscribing, allows: LIVE_LINK, stage: Stage.Attempt, entry: [Do.SendSubscribeControl], exit: [],
    deadline: D.Keep, timeout: [E.PhaseTimeout, Err.TimeoutConnect],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid, ...linkFailures,
      [E.ControlSubscribed, go(P.Authenticating)], [E.SubscribeFailed, lost],
      [E.Deregistered, go(P.BackingOff, Do.CountServerDeregister)]],
  },
  {
    phase: P.Authenticating, allows: LIVE_LINK, stage: Stage.Handshake, entry: [Do.SendHello], exit: [],
    deadline: D.Registration, timeout: [E.PhaseTimeout, Err.TimeoutRegistration],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid, ...linkFailures,
      [E.SubscribeFailed, lost], [E.ChallengeOk, go(P.Registering, Do.MarkBrainProven, Do.AdoptChallenge)],
      [E.ChallengeUnproven, go(P.Registering, Do.MarkBrainUnproven, Do.AdoptChallenge)],
      [E.RejectedRetry, lost], [E.RejectedFatal, go(P.Failed)], [E.Drain, go(P.BackingOff, Do.AdoptDrain)],
      [E.Deregistered, go(P.BackingOff, Do.CountServerDeregister)]],
  },
  {
    phase: P.Registering, allows: LIVE_LINK, stage: Stage.Handshake, entry: [Do.SendProof], exit: [],
    deadline: D.Keep, timeout: [E.PhaseTimeout, Err.TimeoutRegistration],
    on: [startInvalid, [E.Stop, go(P.Deregistering, Do.RequestStop)], openedInvalid, ...linkFailures,
      [E.SubscribeFailed, lost],
      [E.RegisteredOk, when(Guard.BrainProven, P.Binding, [Do.AdoptRegistration], P.BackingOff, [Do.LoseUnprovenBrain, Do.RecordLoss])],
      [E.RejectedRetry, lost], [E.RejectedFatal, go(P.Failed)], [E.Drain, go(P.BackingOff, Do.AdoptDrain)],
      [E.Deregistered, go(P.BackingOff, Do.CountServerDeregister)]],
  },
  {
    phase: P.Binding, allows: LIVE_LINK, stage: Stage.Handshake, entry: [Do.SendSubscribeMotor], exit: [],
    deadline: D.KeepOrTransition, timeout: [E.PhaseTimeout, Err.TimeoutRegistration],
    on: [startInvalid, [E.Stop, go(P.Deregistering, Do.RequestStop)], openedInvalid, ...linkFailures,
      [E.SubscribeFailed, lost], [E.MotorSubscribed, go(P.Active)],
      [E.Drain, when(Guard.NothingPending, P.Deregistering, [Do.AdoptDrain], P.Draining, [Do.AdoptDrain])],
      [E.Deregistered, go(P.BackingOff, Do.CountServerDeregister)]],
  },
  {
    phase: P.Active, allows: A.Sensors | A.Motors | A.Heartbeats | LIVE_LINK, stage: Stage.Live,
    entry: [Do.BeginActive], exit: [Do.ReleaseMotors], deadline: D.None, timeout: noTimeout,
    on: [startInvalid, [E.Stop, go(P.Deregistering, Do.RequestStop)], openedInvalid,
      [E.TransportLost, lost], [E.LivenessLost, lost], [E.ActionFailed, lost],
      [E.Drain, when(Guard.NothingPending, P.Deregistering, [Do.AdoptDrain], P.Draining, [Do.AdoptDrain])],
      [E.Deregistered, go(P.BackingOff, Do.CountServerDeregister)]],
  },
  {
    phase: P.Draining, allows: A.Heartbeats | LIVE_LINK, stage: Stage.Live, entry: [], exit: [],
    deadline: D.Drain, timeout: noTimeout,
    on: [startInvalid, [E.Stop, go(P.Deregistering, Do.RequestStop)], openedInvalid,
      [E.TransportLost, lost], [E.LivenessLost, lost], [E.ActionFailed, lost],
      [E.Drain, stay(Do.AdoptDrain)], [E.Deregistered, go(P.BackingOff)], [E.PhaseTimeout, go(P.Deregistering)],
      [E.PendingDone, go(P.Deregistering)]],
  },
  {
    phase: P.Deregistering, allows: LIVE_LINK, stage: Stage.Live, entry: [Do.SendDeregister], exit: [],
    deadline: D.Transition, timeout: noTimeout,
    on: [startInvalid, [E.Stop, stay(Do.RequestStop)], openedInvalid, [E.Drain, stay(Do.AdoptDrain)],
      [E.TransportLost, when(Guard.StopRequested, P.Stopped, [], P.BackingOff, [Do.RecordLoss])],
      [E.LivenessLost, when(Guard.StopRequested, P.Stopped, [], P.BackingOff, [Do.RecordLoss])],
      [E.ActionFailed, when(Guard.StopRequested, P.Stopped, [], P.BackingOff, [Do.RecordLoss])],
      [E.PhaseTimeout, when(Guard.StopRequested, P.Stopped, [], P.BackingOff, [Do.RecordLoss])],
      [E.Deregistered, when(Guard.StopRequested, P.Stopped, [], P.BackingOff, [])]],
  },
  {
    phase: P.BackingOff, allows: 0, stage: Stage.Offline, entry: [Do.CloseLink, Do.ScheduleReconnect], exit: [],
    deadline: D.Chosen, timeout: [E.BackoffElapsed, 0],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid, [E.BackoffElapsed, go(P.TransportOpening)]],
  },
  {
    phase: P.Stopped, allows: 0, stage: Stage.Offline, entry: [Do.CloseLinkGracefully], exit: [Do.MotorsSafe], deadline: D.None, timeout: noTimeout,
    on: [[E.Start, go(P.TransportOpening, Do.ClearStop)], [E.Stop, stay()], openedInvalid],
  },
  {
    phase: P.Failed, allows: 0, stage: Stage.Offline, entry: [Do.CloseLinkGracefully, Do.ReportFailed, Do.ScheduleFailedRetry], exit: [],
    deadline: D.Chosen, timeout: [E.BackoffElapsed, 0],
    on: [startInvalid, [E.Stop, go(P.Stopped, Do.RequestStop)], openedInvalid,
      [E.BackoffElapsed, go(P.TransportOpening, Do.CountFailedRetry)]],
  },
];

// ---------------------------------------------------------------- compiled form

const ignored: Cell = go(IGNORE);
const cells: Cell[] = [];
for (let p = 0; p < PHASE_COUNT; p++) {
  const row = rows[p];
  if (row.phase !== p) throw new Error(`automaton: row ${p} is phase ${row.phase}`); // a bug in the table
  for (let e = 0; e < EVENT_COUNT; e++) cells.push(ignored);
  for (const [e, cell] of row.on) {
    if (cells[p * EVENT_COUNT + e] !== ignored) throw new Error(`automaton: ${phaseNames[p]} x ${eventNames[e]} listed twice`);
    cells[p * EVENT_COUNT + e] = cell;
  }
}

/** The cell for a pair; out-of-range phases or events are INVALID. */
export function cellFor(phase: number, event: number): Cell {
  if (phase < 0 || phase >= PHASE_COUNT || event < 0 || event >= EVENT_COUNT) return invalid;
  return cells[phase * EVENT_COUNT + event];
}

/** The target of a pair when its guard holds (STAY, IGNORE and INVALID included). */
export function transitionFor(phase: number, event: number): number {
  return cellFor(phase, event).to;
}

/** True when `phase` allows `what` (an Allow bit). */
export function allows(phase: number, what: number): boolean {
  return (rows[phase].allows & what) !== 0;
}
