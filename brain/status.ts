/*
 * brain/status: the JSON snapshot of one agent's brain-side session, for /status and
 * Brain.agents(). Engine-agnostic; time comes in as nowMs.
 *
 * Theory of operation: `snapshot` reads an AgentSession and its state (session/states.ts)
 * and builds plain data: the state's name as `phase`, how long it has held, the session the
 * state shows (the live one, else the last that ended), the agent's own report (phase,
 * counters by name, clock offset), the brain's counters, and `alerts` ("duplicate-id" while
 * two clients seem to share the id).
 */
import { errorName } from "../src/errors";
import { counterNames } from "../src/session/counters";
import { phaseNames } from "../src/session/automaton";
import type { AgentSession } from "./session/agent-session";
import { shownSession, type BrainState, type SessionLimits } from "./session/states";
import { State, stateNames } from "./session/table";

/** The brain's view of an agent: session/table.ts stateNames. */
export type BrainPhase = "awaiting-hello" | "challenged" | "registered" | "binding" | "active" | "draining" | "deregistered" | "dead";

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
  /** Inputs that meant nothing in the state they arrived in. */
  ignored: number;
  staleDeathsIgnored: number;
  rejections: number;
  evictions: number;
  sessions: number;
  lastDropReason: string | null;
  deathCause: string | null;
  /** Why the last hello or proof was refused, while awaiting a new hello. */
  rejection: string | null;
  /** Why the agent is deregistered, while it is. */
  deregisteredReason: string | null;
  lastHeardMsAgo: number | null;
  limits: SessionLimits | null;
  channels: ChannelStatus[];
  /** Problems worth an operator's attention: "duplicate-id". */
  alerts: string[];
}

function namedCounters(c: Uint32Array | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (c === null) return out;
  for (let i = 0; i < c.length; i++) out[i < counterNames.length ? counterNames[i] : `counter${i}`] = c[i];
  return out;
}

function field<K extends string>(st: BrainState, k: K): string | null {
  return k in st ? ((st as unknown as Record<K, string>)[k] ?? null) : null;
}

/** The JSON-ready snapshot of an agent session at brain clock nowMs. */
export function snapshot(a: AgentSession, nowMs: number): AgentStatus {
  const st = a.state;
  const s = shownSession(st);
  const channels = st.s === State.Challenged ? st.hs.declared : s?.declared;
  return {
    id: a.id,
    phase: stateNames[st.s] as BrainPhase,
    phaseForMs: Number.isFinite(st.sinceMs) ? Math.round(nowMs - st.sinceMs) : null,
    generation: a.generation,
    sessionId: s?.sessionId ?? null,
    firmware: a.firmware,
    rttMs: a.rttMs,
    clockOffsetMs: a.clockOffsetMs,
    agentPhase: a.agentPhase === null ? null : (phaseNames[a.agentPhase] ?? `phase${a.agentPhase}`),
    agentLastReason: a.agentCounters === null ? null : a.agentLastReason === 0 ? "OK" : errorName(a.agentLastReason),
    counters: namedCounters(a.agentCounters),
    framesIn: a.framesIn,
    framesOut: a.framesOut,
    drops: a.drops,
    lostFrames: a.lostFrames,
    motorErrors: a.motorErrors,
    heartbeats: a.heartbeats,
    malformed: a.malformed,
    unexpected: a.unexpected,
    ignored: a.ignored,
    staleDeathsIgnored: a.staleDeathsIgnored,
    rejections: a.rejections,
    evictions: a.evictions,
    sessions: a.sessions,
    lastDropReason: a.lastDropReason === 0 ? null : errorName(a.lastDropReason),
    deathCause: field(st, "cause"),
    rejection: field(st, "rejection"),
    deregisteredReason: field(st, "reason"),
    lastHeardMsAgo: Number.isFinite(a.lastHeardMs) ? Math.round(nowMs - a.lastHeardMs) : null,
    limits: s?.limits ?? null,
    channels: channels === undefined ? [] : channels.list.map((c) => ({ name: c.name, unit: c.unit, id: c.id, kind: c.kind, type: c.type, count: c.count, rateHz: c.rateHz })),
    alerts: a.duplicates.suspected(nowMs) ? ["duplicate-id"] : [],
  };
}
