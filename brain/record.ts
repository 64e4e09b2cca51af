/*
 * brain/record: what the brain keeps per agent, and the JSON snapshot /status shows.
 *
 * Theory of operation: one AgentRecord per agent id that has talked to the brain. Its phase
 * is the brain's view (not the agent's own phase, which arrives in status messages):
 *   authenticating  hello accepted, challenge sent, waiting for the agent's proof
 *   registered      proof verified, `registered` sent, no heartbeat or sensor frame yet
 *   active          heartbeats or sensor frames are flowing
 *   draining        `drain` sent, waiting for the agent's deregister
 *   deregistered    the agent deregistered, or the brain deregistered / evicted it
 *   dead            heartbeats stopped (liveness bound), the current generation's Last Will
 *                   arrived, or the handshake timed out
 *   rejected        the last hello or proof was rejected (e.g. invalid auth)
 * A record holds at most one pending Handshake and at most one Session (the negotiated
 * limits, the session key and the per-session hot-path objects: the reused controller context
 * and motor sequence). Counters are plain numbers named for /status.
 */
import { errorName } from "../src/errors";
import { counterNames } from "../src/session/counters";
import { phaseNames } from "../src/session/automaton";
import type { MotorSigner } from "./auth";
import type { DeclaredChannels } from "./channels";
import type { SensorContext } from "./controller";

export type BrainPhase = "authenticating" | "registered" | "active" | "draining" | "deregistered" | "dead" | "rejected";

/** Phases in which the agent holds (or is about to hold) a session with this brain. */
export function isLive(phase: BrainPhase): boolean {
  return phase === "authenticating" || phase === "registered" || phase === "active" || phase === "draining";
}

/** A hello accepted and challenged, waiting for the proof. */
export interface Handshake {
  agentNonce: Buffer;
  brainNonce: Buffer;
  generation: number;
  declared: DeclaredChannels;
  requestedFrameBytes: number;
  startedAtMs: number;
}

/** Negotiated at registration (the values sent in `registered`). */
export interface SessionLimits {
  maxFrameBytes: number;
  maxSensorHz: number;
  heartbeatMs: number;
  motorDeadlineMs: number;
}

/** A registered session. */
export interface Session {
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
  ctx: SensorContext;
  /** Controller / motor problems logged so far in this session (logging is capped). */
  problemsLogged: number;
}

export class AgentRecord {
  readonly id: string;
  /** Topic of the agent's downward control messages. */
  readonly controlTopic: string;
  phase: BrainPhase = "deregistered";
  phaseSinceMs = -Infinity;
  /** Generation of the current (or last) hello / session. */
  generation = 0;
  firmware = "";
  handshake: Handshake | null = null;
  session: Session | null = null;
  /** Limits of the last session (kept after it ends, for /status). */
  lastLimits: SessionLimits | null = null;
  lastChannels: DeclaredChannels | null = null;
  lastSessionId: number | null = null;
  lastHeardMs = -Infinity;
  drainStartedMs = 0;
  drainDeadlineMs = 0;
  drainReason = 0;
  lastEvictMs = -Infinity;
  /** Why the agent was last declared dead. */
  deathCause: string | null = null;
  // ---- from the agent's heartbeats and status messages ----
  rttMs = 0;
  clockOffsetMs: number | null = null;
  agentPhase: number | null = null;
  agentLastReason = 0;
  agentCounters: Uint32Array | null = null;
  statusAtMs = -Infinity;
  // ---- brain-side counters ----
  framesIn = 0;
  framesOut = 0;
  /** Sensor frames refused (no session, too large, malformed, wrong channels). */
  drops = 0;
  /** Sensor frames missing by sequence number (sent by the agent, never seen here). */
  lostFrames = 0;
  /** Controller failures and motor commands that did not fit the declared channels. */
  motorErrors = 0;
  heartbeats = 0;
  malformed = 0;
  unexpected = 0;
  staleDeathsIgnored = 0;
  rejections = 0;
  evictions = 0;
  sessions = 0;
  lastDropReason = 0;

  constructor(id: string, controlTopic: string) {
    this.id = id;
    this.controlTopic = controlTopic;
  }
}

/** A channel as /status shows it. */
export interface ChannelStatus {
  /** The channel's name from the hello (ch<id> for firmware that sends none) and its unit ("" = none). */
  name: string;
  unit: string;
  id: number;
  kind: "sensor" | "motor";
  type: string;
  count: number;
  rateHz: number;
}

/** One agent in /status and Brain.agents(). */
export interface AgentStatus {
  id: string;
  phase: BrainPhase;
  /** Milliseconds in the current phase. */
  phaseForMs: number | null;
  generation: number;
  /** The current session id, or the last one once the session ended; null before any. */
  sessionId: number | null;
  firmware: string;
  /** Last RTT the agent reported (heartbeat `rtt`, status `rtt`), ms. */
  rttMs: number;
  /** The agent's clock offset to brain time (status `off`), ms; null before its first status. */
  clockOffsetMs: number | null;
  /** The agent's own phase name (from its last status), or null. */
  agentPhase: string | null;
  /** The agent's last reason code name (status `lr`), or null. */
  agentLastReason: string | null;
  /** The agent's counters by name (src/session/counters.ts counterNames), from its last status. */
  counters: Record<string, number>;
  framesIn: number;
  framesOut: number;
  drops: number;
  lostFrames: number;
  motorErrors: number;
  heartbeats: number;
  malformed: number;
  unexpected: number;
  staleDeathsIgnored: number;
  rejections: number;
  evictions: number;
  sessions: number;
  lastDropReason: string | null;
  deathCause: string | null;
  lastHeardMsAgo: number | null;
  limits: SessionLimits | null;
  channels: ChannelStatus[];
}

function namedCounters(c: Uint32Array | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (c === null) return out;
  for (let i = 0; i < c.length; i++) out[i < counterNames.length ? counterNames[i] : `counter${i}`] = c[i];
  return out;
}

/** The JSON-ready snapshot of a record at brain clock nowMs. */
export function snapshot(r: AgentRecord, nowMs: number): AgentStatus {
  const s = r.session;
  const channels = s?.declared ?? r.handshake?.declared ?? r.lastChannels;
  return {
    id: r.id,
    phase: r.phase,
    phaseForMs: Number.isFinite(r.phaseSinceMs) ? Math.round(nowMs - r.phaseSinceMs) : null,
    generation: r.generation,
    sessionId: s?.sessionId ?? r.lastSessionId,
    firmware: r.firmware,
    rttMs: r.rttMs,
    clockOffsetMs: r.clockOffsetMs,
    agentPhase: r.agentPhase === null ? null : (phaseNames[r.agentPhase] ?? `phase${r.agentPhase}`),
    agentLastReason: r.agentCounters === null ? null : r.agentLastReason === 0 ? "OK" : errorName(r.agentLastReason),
    counters: namedCounters(r.agentCounters),
    framesIn: r.framesIn,
    framesOut: r.framesOut,
    drops: r.drops,
    lostFrames: r.lostFrames,
    motorErrors: r.motorErrors,
    heartbeats: r.heartbeats,
    malformed: r.malformed,
    unexpected: r.unexpected,
    staleDeathsIgnored: r.staleDeathsIgnored,
    rejections: r.rejections,
    evictions: r.evictions,
    sessions: r.sessions,
    lastDropReason: r.lastDropReason === 0 ? null : errorName(r.lastDropReason),
    deathCause: r.deathCause,
    lastHeardMsAgo: Number.isFinite(r.lastHeardMs) ? Math.round(nowMs - r.lastHeardMs) : null,
    limits: s?.limits ?? r.lastLimits,
    channels: channels === null || channels === undefined ? [] : channels.list.map((c) => ({ name: c.name, unit: c.unit, id: c.id, kind: c.kind, type: c.type, count: c.count, rateHz: c.rateHz })),
  };
}
