/*
 * brain/session/states: what each brain-side session state holds, as a discriminated union.
 *
 * Theory of operation: a state holds only its own data. `challenged` holds the handshake;
 * `registered`, `binding`, `active` and `draining` hold the live session (draining also its
 * drain terms); the resting states hold the last session that ended (for /status) and why
 * they were entered. `deadlineMs` is the state's timer (table.ts stateTimeout), Infinity for
 * none. Facts about the agent rather than its state (generation, counters, what its last
 * status said) live on AgentSession, once.
 */
import type { MotorSigner } from "../auth";
import type { DeclaredChannels, TypedArray } from "../channels";
import type { SensorContext } from "../controller";
import { State } from "./table";

/** Negotiated at registration (the values sent in `registered`). */
export interface SessionLimits {
  maxFrameBytes: number;
  maxSensorHz: number;
  heartbeatMs: number;
  motorDeadlineMs: number;
}

/** A hello accepted and challenged, waiting for the proof. */
export interface Handshake {
  agentNonce: Uint8Array;
  brainNonce: Uint8Array;
  generation: number;
  declared: DeclaredChannels;
  requestedFrameBytes: number;
}

/** A registered session. */
export interface LiveSession {
  sessionId: number;
  /** Signs this session's motor frames (keyed with the session key). */
  signer: MotorSigner;
  generation: number;
  declared: DeclaredChannels;
  limits: SessionLimits;
  sensorTopic: string;
  motorTopic: string;
  startedAtMs: number;
  /** Last motor seq sent (u32). */
  motorSeq: number;
  /** Last sensor seq received, for gap accounting. */
  sensorSeq: number;
  haveSensorSeq: boolean;
  /** The controller context, reused for every frame of the session. */
  ctx: SensorContext & { channels: Map<number, TypedArray> };
  /** Controller / motor problems logged so far in this session (logging is capped). */
  problemsLogged: number;
  /** False once the session ended (a late controller promise must not send for it). */
  open: boolean;
}

interface Base {
  sinceMs: number;
  /** When the state's timer fires (Infinity: none). */
  deadlineMs: number;
}

export interface AwaitingHelloState extends Base {
  s: typeof State.AwaitingHello;
  last: LiveSession | null;
  /** Why the last hello or proof was refused (null on first contact). */
  rejection: string | null;
}
export interface ChallengedState extends Base {
  s: typeof State.Challenged;
  hs: Handshake;
  last: LiveSession | null;
}
export interface SessionState extends Base {
  s: typeof State.Registered | typeof State.Binding | typeof State.Active;
  session: LiveSession;
}
export interface DrainingState extends Base {
  s: typeof State.Draining;
  session: LiveSession;
  drainReason: number;
  drainDeadlineMs: number;
  retryAfterMs: number;
}
export interface DeregisteredState extends Base {
  s: typeof State.Deregistered;
  last: LiveSession | null;
  reason: string;
}
export interface DeadState extends Base {
  s: typeof State.Dead;
  last: LiveSession | null;
  cause: string;
}

export type BrainState = AwaitingHelloState | ChallengedState | SessionState | DrainingState | DeregisteredState | DeadState;

/** The live session of a state, or null. */
export function sessionOf(st: BrainState): LiveSession | null {
  return "session" in st ? st.session : null;
}

/** The session a state shows in /status: the live one, else the last one that ended. */
export function shownSession(st: BrainState): LiveSession | null {
  return "session" in st ? st.session : st.last;
}
