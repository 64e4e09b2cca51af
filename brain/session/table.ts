/*
 * brain/session/table: the brain-side session of one agent: its states, events, actions,
 * guards and the one transition table. Engine-agnostic (no Node, no clock).
 *
 * Theory of operation: states and events are numeric `as const` objects. `table[state][event]`
 * is a Cell: the target state (or STAY / IGNORE), the action to run, and an optional named
 * guard. When a cell's guard does not hold, the cell's `otherwise` action runs instead and the
 * state does not change. agent-session.ts runs the table with no per-state branching: it looks
 * the cell up, checks the guard, runs the action, then enters the target (each state carries
 * only its own data, see states.ts). A state's timer (handshake, liveness, drain) is named in
 * `stateTimeout`: when the state's deadline passes, the scan feeds that event.
 *   awaiting-hello  the agent is in the keys file; no handshake (first contact or a rejection)
 *   challenged      a valid hello was answered with `challenge`; waiting for the agent's proof
 *   registered      proof verified, `registered` sent; nothing of the session heard yet
 *   binding         the session's first heartbeat arrived (a device heartbeats only once its
 *                   data channels are bound); no sensor frame yet
 *   active          sensor frames flow through the controller
 *   draining        `drain` sent; waiting for the agent's deregister
 *   deregistered    the agent deregistered, or the brain deregistered (evicted) it
 *   dead            liveness bound passed, the current generation's Last Will, or no proof
 * test/brain-table.test.ts checks every cell against a written list of intended transitions.
 */

export const State = {
  AwaitingHello: 0,
  Challenged: 1,
  Registered: 2,
  Binding: 3,
  Active: 4,
  Draining: 5,
  Deregistered: 6,
  Dead: 7,
} as const;
export const STATE_COUNT = 8;

export const stateNames: readonly string[] = [
  "awaiting-hello", "challenged", "registered", "binding", "active", "draining", "deregistered", "dead",
];

export const Ev = {
  Hello: 0, // a valid hello of a known agent
  HelloRefused: 1, // a hello the brain refuses (malformed, id mismatch, version, channels, mfb)
  ProofOk: 2, // the proof matches the pending challenge
  ProofBad: 3, // the proof does not match
  ProofStray: 4, // a proof with no pending challenge
  Heartbeat: 5,
  SensorFrame: 6,
  Status: 7,
  Deregister: 8, // the agent's deregister
  Death: 9, // the current generation's Last Will
  StaleDeath: 10, // a Last Will of another generation
  Drain: 11, // operator: drain
  Evict: 12, // operator or keys reload: deregister now
  HandshakeTimeout: 13,
  Silence: 14, // liveness bound passed
  DrainTimeout: 15,
  Malformed: 16, // a control message that does not decode
  Unexpected: 17, // a message type an agent never sends upward
} as const;
export const EVENT_COUNT = 18;

export const eventNames: readonly string[] = [
  "hello", "hello-refused", "proof-ok", "proof-bad", "proof-stray", "heartbeat", "sensor-frame",
  "status", "deregister", "death", "stale-death", "drain", "evict", "handshake-timeout",
  "silence", "drain-timeout", "malformed", "unexpected",
];

export const Act = {
  None: 0,
  Challenge: 1, // end any session, keep the handshake, send `challenge`
  Refuse: 2, // send `rejected` with the classified reason, end any session
  Register: 3, // create the session, send `registered`, tell the controller
  AckHeartbeat: 4, // send heartbeat-ack, refresh liveness
  Frame: 5, // the hot path: decode, controller, signed motor frame
  StoreStatus: 6, // keep the agent's status message for /status
  AckDeregister: 7, // send `deregistered` (acknowledged / drain complete), end the session
  Die: 8, // end the session, report the death
  CountStale: 9, // a stale death: counted and reported
  SendDrain: 10, // send `drain`
  DrainHandshake: 11, // drain during a handshake: send `drain`, drop the handshake
  EvictNow: 12, // send `deregistered` (evicted), end the session
  EvictStray: 13, // traffic as if a session existed: send `deregistered` (evicted)
  DropEvict: 14, // a sensor frame without a session: counted, then as EvictStray
  CountDrop: 15, // a sensor frame without a session: counted
  CountDuplicate: 16, // a proof for a session already registered (QoS 1 duplicate)
  CountMalformed: 17,
  CountUnexpected: 18,
} as const;
export const ACTION_COUNT = 19;

export const actionNames: readonly string[] = [
  "none", "challenge", "refuse", "register", "ack-heartbeat", "frame", "store-status",
  "ack-deregister", "die", "count-stale", "send-drain", "drain-handshake", "evict-now",
  "evict-stray", "drop-evict", "count-drop", "count-duplicate", "count-malformed", "count-unexpected",
];

export const Guard = {
  None: 0,
  /** Not within EVICT_QUIET_MS of the last state change nor EVICT_INTERVAL_MS of the last eviction. */
  Evictable: 1,
} as const;
export const guardNames: readonly string[] = ["none", "evictable"];

export const STAY = -1;
export const IGNORE = -2;

export interface Cell {
  /** Target state, STAY (handled, no change) or IGNORE (meaningless here, harmless). */
  readonly to: number;
  readonly act: number;
  readonly guard: number;
  /** Runs instead of `act` (and the state stays) when the guard does not hold. */
  readonly otherwise: number;
}

function c(to: number, act: number = Act.None, guard: number = Guard.None, otherwise: number = Act.None): Cell {
  return Object.freeze({ to, act, guard, otherwise });
}

const { AwaitingHello: AW, Challenged: CH, Registered: RG, Binding: BD, Active: AC, Draining: DR, Deregistered: DG, Dead: DD } = State;
const A = Act;
const ig = c(IGNORE);
const stay = (act: number) => c(STAY, act);
const stray = c(DG, A.EvictStray, Guard.Evictable);
const strayFrame = c(DG, A.DropEvict, Guard.Evictable, A.CountDrop);
const hello = c(CH, A.Challenge);
const refuse = c(AW, A.Refuse);
const status = stay(A.StoreStatus);
const deregister = c(DG, A.AckDeregister);
const die = c(DD, A.Die);
const stale = stay(A.CountStale);
const evict = c(DG, A.EvictNow);
const malformed = stay(A.CountMalformed);
const unexpected = stay(A.CountUnexpected);
const duplicate = stay(A.CountDuplicate);
const ack = stay(A.AckHeartbeat);

// Columns, in Ev order:
//  Hello HelloRefused ProofOk ProofBad ProofStray Heartbeat SensorFrame Status Deregister Death
//  StaleDeath Drain Evict HandshakeTimeout Silence DrainTimeout Malformed Unexpected
export const table: readonly (readonly Cell[])[] = [
  /* awaiting-hello */ [hello, refuse, ig, ig, stray, stray, strayFrame, status, deregister, ig, stale, ig, evict, ig, ig, ig, malformed, unexpected],
  /* challenged     */ [hello, refuse, c(RG, A.Register), refuse, ig, ig, stay(A.CountDrop), status, deregister, die, stale, c(DG, A.DrainHandshake), evict, die, ig, ig, malformed, unexpected],
  /* registered     */ [hello, refuse, ig, ig, duplicate, c(BD, A.AckHeartbeat), c(AC, A.Frame), status, deregister, die, stale, c(DR, A.SendDrain), evict, ig, die, ig, malformed, unexpected],
  /* binding        */ [hello, refuse, ig, ig, duplicate, ack, c(AC, A.Frame), status, deregister, die, stale, c(DR, A.SendDrain), evict, ig, die, ig, malformed, unexpected],
  /* active         */ [hello, refuse, ig, ig, duplicate, ack, stay(A.Frame), status, deregister, die, stale, c(DR, A.SendDrain), evict, ig, die, ig, malformed, unexpected],
  /* draining       */ [hello, refuse, ig, ig, duplicate, ack, stay(A.Frame), status, deregister, die, stale, ig, evict, ig, ig, die, malformed, unexpected],
  /* deregistered   */ [hello, refuse, ig, ig, stray, stray, strayFrame, status, deregister, ig, stale, ig, evict, ig, ig, ig, malformed, unexpected],
  /* dead           */ [hello, refuse, ig, ig, stray, stray, strayFrame, status, deregister, ig, stale, ig, evict, ig, ig, ig, malformed, unexpected],
];

/** The event a state's timer feeds when its deadline passes (-1: the state has no timer). */
export const stateTimeout: readonly number[] = [
  /* awaiting-hello */ -1,
  /* challenged     */ Ev.HandshakeTimeout,
  /* registered     */ Ev.Silence,
  /* binding        */ Ev.Silence,
  /* active         */ Ev.Silence,
  /* draining       */ Ev.DrainTimeout,
  /* deregistered   */ -1,
  /* dead           */ -1,
];

/** States whose liveness deadline a heartbeat or status pushes back (draining has a fixed one). */
export const refreshesLiveness: readonly boolean[] = [false, false, true, true, true, false, false, false];

/** States in which the agent holds, or is about to hold, a session with this brain. */
export const isLiveState: readonly boolean[] = [false, true, true, true, true, true, false, false];
