/*
 * automaton: the session's phases, events and transition table. One file, one table.
 *
 * Theory of operation (DESIGN conventions 1-3, seeds 000/003/004): phases and events are
 * numeric `as const` objects. `transitions[phase][event]` says what an event does in a phase:
 *   - a phase number: go there (leaving and entering run the phase's exit/entry actions);
 *   - STAY:    handled without a phase change (the handler did its work, e.g. a heartbeat ack);
 *   - IGNORE:  not meaningful here but harmless (a late packet from the peer): counted, no error;
 *   - INVALID: a local misuse (e.g. the host reports a transport opening we never asked for):
 *              the event is refused with Err.UNDEFINED_TRANSITION;
 *   - END:     leave Deregistering: to Stopped when the user asked to stop, else to BackingOff.
 * Every (phase, event) pair is written out below; test/session-table.test.ts checks that the
 * table is complete and that every phase is reachable.
 */

export const Phase = {
  Idle: 0,
  Connecting: 1, // transport + MQTT CONNECT/CONNACK + control-topic SUBSCRIBE/SUBACK
  Authenticating: 2, // hello sent, waiting for the brain's challenge and proof
  Registering: 3, // our proof sent, waiting for registered
  Binding: 4, // motor-topic SUBSCRIBE sent, waiting for SUBACK; then sensors may flow
  Active: 5,
  Draining: 6, // server-directed: no new sensor frames, finish pending QoS 1 work
  Deregistering: 7,
  BackingOff: 8,
  Stopped: 9,
  Failed: 10, // a rejected key or an invalid request: retried only after failedRetryMs (0 = never)
} as const;
export const PHASE_COUNT = 11;

export const phaseNames: readonly string[] = [
  "idle", "connecting", "authenticating", "registering", "binding", "active", "draining",
  "deregistering", "backing-off", "stopped", "failed",
];

export const Ev = {
  Start: 0, // user command
  Stop: 1, // user command: deregister and stop
  TransportOpened: 2,
  TransportLost: 3, // closed or errored, with a reason
  ConnAckOk: 4,
  ConnAckRefused: 5,
  ControlSubscribed: 6,
  SubscribeFailed: 7,
  ChallengeOk: 8, // brain proof verified, our nonce echoed
  AuthFailed: 9, // brain proof wrong, or a replayed/stale challenge
  RegisteredOk: 10,
  RejectedRetry: 11, // already registered, busy, a registered message without endpoints
  RejectedFatal: 12, // invalid auth, unknown agent, invalid request, unsupported version
  MotorSubscribed: 13,
  Drain: 14,
  Deregistered: 15, // from the brain: an ack, or unsolicited (the brain may do it in any phase)
  PhaseTimeout: 16, // the current phase's deadline passed
  BackoffElapsed: 17, // the backoff delay, or the failed-retry delay, is over
  LivenessLost: 18, // heartbeat acks missed, or the link went silent (half-open)
  PendingDone: 19, // draining: nothing pending any more
  ActionFailed: 20, // the host failed to carry out an action (seed 003: explicit failure event)
  Malformed: 21, // a malformed inbound message was skipped (seed 002)
  HeartbeatAck: 22,
  SensorSubmit: 23, // user command: submit a sensor frame
  MotorFrame: 24,
  Tick: 25,
} as const;
export const EVENT_COUNT = 26;

export const eventNames: readonly string[] = [
  "start", "stop", "transport-opened", "transport-lost", "connack-ok", "connack-refused",
  "control-subscribed", "subscribe-failed", "challenge-ok", "auth-failed", "registered",
  "rejected-retry", "rejected-fatal", "motor-subscribed", "drain", "deregistered",
  "phase-timeout", "backoff-elapsed", "liveness-lost", "pending-done", "action-failed",
  "malformed", "heartbeat-ack", "sensor-submit", "motor-frame", "tick",
];

export const STAY = -1;
export const IGNORE = -2;
export const INVALID = -3;
export const END = -4;

const _ = STAY, i = IGNORE, x = INVALID;
const { Connecting: CN, Authenticating: AU, Registering: RG, Binding: BD, Active: AC } = Phase;
const { Draining: DR, Deregistering: DG, BackingOff: BO, Stopped: ST, Failed: FL } = Phase;

// Columns, in Ev order:
//  Start Stop TOpen TLost CAOk CARef CtlSub SubF ChOk AuthF RegOk RejR RejF MotSub Drain Dereg PTmo BOel Live PDone ActF Malf HbAck Sens Motor Tick
export const transitions: readonly (readonly number[])[] = [
  /* Idle          */ [CN, ST, x, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, _, i, _, i, _],
  /* Connecting    */ [x, ST, _, BO, _, BO, AU, BO, i, i, i, i, i, i, i, BO, BO, i, BO, i, BO, _, i, _, i, _],
  /* Authenticating*/ [x, ST, x, BO, i, i, i, BO, RG, BO, i, BO, FL, i, BO, BO, BO, i, BO, i, BO, _, i, _, i, _],
  /* Registering   */ [x, DG, x, BO, i, i, i, BO, i, BO, BD, BO, FL, i, BO, BO, BO, i, BO, i, BO, _, i, _, i, _],
  /* Binding       */ [x, DG, x, BO, i, i, i, BO, i, i, i, i, i, AC, DR, BO, BO, i, BO, i, BO, _, i, _, _, _],
  /* Active        */ [x, DG, x, BO, i, i, i, i, i, i, i, i, i, i, DR, BO, i, i, BO, i, BO, _, _, _, _, _],
  /* Draining      */ [x, DG, x, BO, i, i, i, i, i, i, i, i, i, i, _, BO, DG, i, BO, DG, BO, _, _, _, _, _],
  /* Deregistering */ [x, _, x, END, i, i, i, i, i, i, i, i, i, i, _, END, END, i, END, i, END, _, _, _, _, _],
  /* BackingOff    */ [x, ST, x, i, i, i, i, i, i, i, i, i, i, i, i, i, i, CN, i, i, i, _, i, _, i, _],
  /* Stopped       */ [CN, _, x, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, _, i, _, i, _],
  /* Failed        */ [x, ST, x, i, i, i, i, i, i, i, i, i, i, i, i, i, i, CN, i, i, i, _, i, _, i, _],
];

/** Looks up a pair. Out-of-range phases or events are INVALID. */
export function transitionFor(phase: number, event: number): number {
  const row = transitions[phase];
  if (row === undefined || event < 0 || event >= EVENT_COUNT) return INVALID;
  return row[event];
}
