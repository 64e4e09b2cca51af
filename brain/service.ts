/*
 * brain/service: the session service, transport-free and clock-free: (nowMs, topic, payload)
 * in, publishes out. Engine-agnostic (no Node imports): it also runs inside an XS bundle.
 *
 * Theory of operation: the service is the registry of brain-side sessions and the router to
 * them. `onMessage(nowMs, topic, payload)` takes everything the brain's subscription
 * `bs/1/+/up/#` delivers. The topic is mapped once to (agent id, kind, session) and cached
 * (bounded), so the hot path does one Map lookup: up/sns feeds Ev.SensorFrame to the agent's
 * AgentSession; up/ctl is decoded (src/protocol) and classified into one event of
 * session/table.ts, with the details the action needs left in SessionShared:
 *   hello       unknown id -> rejected (unknown agent) here, no session; a hello that fails a
 *               check (id matches the topic, version 1, a valid channel table, an mfb,
 *               requested and granted, that holds the largest frame) -> HelloRefused; else Hello.
 *               Every hello's generation also feeds the duplicate-id detector.
 *   proof       Challenged: verified in constant time -> ProofOk / ProofBad; else ProofStray.
 *   heartbeat, status, deregister, death (current generation -> Death, else StaleDeath),
 *   malformed, and types an agent never sends (Unexpected).
 * Operator requests (drain, deregister, requestStatus), the timers (`scan(nowMs)`: each
 * state's deadline, and the end of log windows), a keys reload (`setKeys`), `forget` (a
 * cluster worker that lost an agent's partition) and the /status report are methods here. The transport, the clock, HTTP and event emitters belong to the
 * host (index.ts, or a test); nowMs is the host's monotonic clock in ms, and brain time on
 * the wire is nowMs >>> 0.
 */
import { readUtf8 } from "../src/codec/bytes";
import { errorName } from "../src/errors";
import { decodeControl } from "../src/protocol/decode";
import { encodeStatusRequest } from "../src/protocol/encode";
import { parseAgentTopic, PROTOCOL_VERSION, TopicKind } from "../src/protocol/topics";
import { DrainReason, MsgType, RejectReason, msgTypeName } from "../src/protocol/wire";
import { agentProofValid } from "./auth";
import { declareChannels } from "./channels";
import type { FrameController } from "./controller";
import type { ServiceHost } from "./events";
import { LogWindow } from "./log-window";
import { AgentSession, refuseAgent } from "./session/agent-session";
import { DUPLICATE_WINDOW_MS } from "./session/duplicate-id";
import { SessionShared, type BrainLimits, type KeyLookup } from "./session/shared";
import { sessionOf } from "./session/states";
import { Ev, isLiveState, State } from "./session/table";
import { snapshot, type AgentStatus } from "./status";

/** Cached topic routes; the cache is cleared when it grows past this. */
const ROUTES_MAX = 10_000;
/** Distinct unknown agent ids remembered for /status. */
const UNKNOWN_AGENTS_MAX = 100;
/** Default drain deadline (dl), ms. */
export const DRAIN_DEADLINE_DEFAULT_MS = 10_000;

interface Route {
  agentId: string;
  kind: number;
  session: AgentSession | undefined;
}

export interface UnknownAgent {
  id: string;
  rejections: number;
  lastAtMs: number;
}

/** A keys lookup that can also list its ids (what a reload compares). */
export interface KeySet extends KeyLookup {
  ids(): string[];
}

/** The JSON of GET /status. */
export interface StatusReport {
  brainTimeMs: number;
  uptimeMs: number;
  broker: string;
  limits: BrainLimits;
  agents: AgentStatus[];
  /** Agents rejected as unknown (not in the keys file), most recent 100 ids. */
  unknownAgents: { id: string; rejections: number; lastMsAgo: number }[];
  /** Rejections sent, by reason name. */
  rejections: Record<string, number>;
  unroutable: number;
  malformed: number;
  /** Agent ids on which two clients seem to alternate (within the last minute). */
  duplicateIds: string[];
  /** Keys file reloads so far. */
  keysReloads: number;
}

function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SessionService {
  readonly shared: SessionShared;
  readonly sessions = new Map<string, AgentSession>();
  readonly unknownAgents = new Map<string, UnknownAgent>();
  /** Messages on topics that are not a valid agent's up/ctl or up/sns. */
  unroutable = 0;
  /** Control messages that failed to decode, from agents without a session. */
  malformed = 0;
  keysReloads = 0;
  private readonly routes = new Map<string, Route>();
  private readonly duplicateLog = new LogWindow(DUPLICATE_WINDOW_MS);
  private startedMs = NaN;

  constructor(keys: KeyLookup, limits: BrainLimits, controller: FrameController, host: ServiceHost) {
    this.shared = new SessionShared(keys, limits, controller, host);
  }

  get limits(): BrainLimits {
    return this.shared.limits;
  }

  /** The session of a known agent (created on first contact), or undefined for unknown ids. */
  private sessionFor(agentId: string): AgentSession | undefined {
    let a = this.sessions.get(agentId);
    if (a === undefined && this.shared.keys.keyOf(agentId) !== undefined) {
      a = new AgentSession(agentId, this.shared);
      this.sessions.set(agentId, a);
    }
    return a;
  }

  /** One MQTT message from the brain's subscription, at host time nowMs. */
  onMessage(nowMs: number, topic: string, payload: Uint8Array): void {
    if (this.startedMs !== this.startedMs) this.startedMs = nowMs;
    let route = this.routes.get(topic);
    if (route === undefined) {
      const parsed = parseAgentTopic(topic);
      if (parsed === null || (parsed.kind !== TopicKind.UpSns && parsed.kind !== TopicKind.UpCtl)) {
        this.unroutable++;
        return;
      }
      if (this.routes.size >= ROUTES_MAX) this.routes.clear();
      route = { agentId: parsed.agentId, kind: parsed.kind, session: undefined };
      this.routes.set(topic, route);
    }
    if (route.kind === TopicKind.UpSns) {
      const a = route.session ?? (route.session = this.sessionFor(route.agentId));
      if (a === undefined) return; // not in the keys: its traffic is ignored
      this.shared.frame = payload;
      a.input(nowMs, Ev.SensorFrame);
      return;
    }
    this.onControl(nowMs, route.agentId, payload);
  }

  private onControl(nowMs: number, agentId: string, payload: Uint8Array): void {
    const sh = this.shared;
    const m = sh.msg;
    const t = decodeControl(payload, 0, payload.length, m);
    if (t < 0) {
      if (m.type === MsgType.Hello) return this.refuseHello(nowMs, agentId, RejectReason.InvalidRequest, `malformed hello (${errorName(t)})`);
      const a = this.sessions.get(agentId);
      if (a !== undefined) a.input(nowMs, Ev.Malformed);
      else this.malformed++;
      sh.log("debug", `agent ${agentId}: malformed control message skipped (${errorName(t)})`);
      return;
    }
    switch (t) {
      case MsgType.Hello:
        return this.onHello(nowMs, agentId);
      case MsgType.Proof: {
        const a = this.sessionFor(agentId);
        if (a === undefined) return;
        const st = a.state;
        if (st.s !== State.Challenged) return a.input(nowMs, Ev.ProofStray);
        const key = sh.keys.keyOf(agentId);
        const ok = key !== undefined && agentProofValid(key, st.hs.agentNonce, st.hs.brainNonce, m.buf, m.proofOff);
        if (!ok) this.setRefusal(RejectReason.InvalidAuth, "the agent's proof does not match its key in the keys file (wrong device key?)");
        return a.input(nowMs, ok ? Ev.ProofOk : Ev.ProofBad);
      }
      case MsgType.Heartbeat:
        return this.sessionFor(agentId)?.input(nowMs, Ev.Heartbeat);
      case MsgType.Status:
        return this.sessions.get(agentId)?.input(nowMs, Ev.Status);
      case MsgType.Deregister:
        return this.sessions.get(agentId)?.input(nowMs, Ev.Deregister);
      case MsgType.Death: {
        const a = this.sessions.get(agentId);
        if (a === undefined) {
          sh.log("debug", `agent ${agentId}: death notice (generation ${m.generation}) for an agent without a session: ignored`);
          return;
        }
        return a.input(nowMs, m.generation === a.generation ? Ev.Death : Ev.StaleDeath);
      }
      default: {
        const a = this.sessions.get(agentId);
        if (a !== undefined) a.input(nowMs, Ev.Unexpected);
        sh.log("debug", `agent ${agentId}: unexpected ${msgTypeName(t)} on its upward control topic`);
      }
    }
  }

  private setRefusal(reason: number, text: string): void {
    this.shared.refusalReason = reason;
    this.shared.refusalText = text;
  }

  private refuseHello(nowMs: number, agentId: string, reason: number, text: string): void {
    const a = this.sessionFor(agentId);
    if (a === undefined) return this.refuseUnknown(nowMs, agentId);
    this.setRefusal(reason, text);
    a.input(nowMs, Ev.HelloRefused);
  }

  private refuseUnknown(nowMs: number, agentId: string): void {
    refuseAgent(this.shared, agentId, RejectReason.UnknownAgent, `unknown agent "${agentId}": no key for it in the brain's keys file`, nowMs);
    let u = this.unknownAgents.get(agentId);
    if (u === undefined) {
      if (this.unknownAgents.size >= UNKNOWN_AGENTS_MAX) this.unknownAgents.delete(this.unknownAgents.keys().next().value!);
      u = { id: agentId, rejections: 0, lastAtMs: 0 };
      this.unknownAgents.set(agentId, u);
    }
    u.rejections++;
    u.lastAtMs = nowMs;
  }

  private onHello(nowMs: number, agentId: string): void {
    const sh = this.shared;
    const m = sh.msg;
    const a = this.sessionFor(agentId);
    if (a === undefined) return this.refuseUnknown(nowMs, agentId);
    if (a.duplicates.noteHello(nowMs, m.generation)) this.reportDuplicate(nowMs, a);
    const helloId = readUtf8(m.buf, m.idOff, m.idOff + m.idLen);
    if (helloId !== agentId) return this.refuseHello(nowMs, agentId, RejectReason.InvalidRequest, `hello id "${helloId}" does not match the topic's agent id`);
    if (m.version !== PROTOCOL_VERSION)
      return this.refuseHello(nowMs, agentId, RejectReason.UnsupportedVersion, `protocol version ${m.version} is not supported (this brain speaks ${PROTOCOL_VERSION})`);
    const declared = declareChannels(m);
    if (typeof declared === "string") return this.refuseHello(nowMs, agentId, RejectReason.InvalidRequest, declared);
    // protocol.md §5.1: an mfb that cannot hold a frame is an invalid request
    if (m.maxFrameBytes < declared.largestFrameBytes)
      return this.refuseHello(nowMs, agentId, RejectReason.InvalidRequest, `mfb ${m.maxFrameBytes} cannot hold the largest frame of these channels (${declared.largestFrameBytes} bytes)`);
    if (sh.limits.maxFrameBytes < declared.largestFrameBytes)
      return this.refuseHello(nowMs, agentId, RejectReason.InvalidRequest, `frames of these channels need ${declared.largestFrameBytes} bytes; this brain allows ${sh.limits.maxFrameBytes}`);
    sh.declared = declared;
    a.input(nowMs, Ev.Hello);
    sh.declared = null;
  }

  private reportDuplicate(nowMs: number, a: AgentSession): void {
    const held = this.duplicateLog.hit(a.id, nowMs);
    if (held < 0) return;
    this.shared.log(
      "warn",
      `agent ${a.id}: duplicate-id: two clients seem to alternate on this agent id (${a.duplicates.regressions} hellos whose generation was not newer than the one before, within ${DUPLICATE_WINDOW_MS / 1000} s); give every device its own id and key`,
    );
    this.shared.emit("duplicate-id", { agentId: a.id, regressions: a.duplicates.regressions, windowMs: DUPLICATE_WINDOW_MS });
  }

  /** Runs every state's timer and ends the log windows due at nowMs (call from a timer). */
  scan(nowMs: number): void {
    for (const a of this.sessions.values()) a.timeout(nowMs);
    const sh = this.shared;
    sh.rejectLog.flush(nowMs, (id, held) => sh.log("warn", `agent ${id}: ${held} more rejections in the last ${sh.rejectLog.windowMs / 1000} s`));
  }

  private targets(agentId: string, what: string): AgentSession[] {
    if (agentId === "all") return this.liveSessions();
    const a = this.sessions.get(agentId);
    if (a === undefined) throw new Error(`${what}: no agent "${agentId}" has contacted this brain`);
    return [a];
  }

  /**
   * Sends `drain` to one agent or every live one (protocol.md §drain). An agent still in its
   * handshake is told to go away the same way. Returns how many were drained. Unknown ids
   * throw (a caller bug); a bad reason or time throws RangeError.
   */
  drain(nowMs: number, agentId: string, reason: number, retryAfterMs: number, deadlineMs = DRAIN_DEADLINE_DEFAULT_MS): number {
    if (reason !== DrainReason.Deploy && reason !== DrainReason.Operator) throw new RangeError(`drain: reason must be 1 (deploy) or 2 (operator), got ${reason}`);
    if (!isU32(retryAfterMs) || !isU32(deadlineMs)) throw new RangeError("drain: retryAfterMs and deadlineMs must be whole milliseconds 0..2^32-1");
    let n = 0;
    for (const a of this.targets(agentId, "drain")) {
      if (!isLiveState[a.state.s] || a.state.s === State.Draining) continue;
      a.setDrainTerms(reason, retryAfterMs, deadlineMs);
      a.input(nowMs, Ev.Drain);
      n++;
    }
    return n;
  }

  /** Deregisters (evicts) an agent now. Unknown ids throw. */
  deregister(nowMs: number, agentId: string): void {
    for (const a of this.targets(agentId, "deregister")) a.input(nowMs, Ev.Evict);
  }

  /**
   * Forgets an agent: its session ends (the controller hears onSessionEnd) and nothing is sent;
   * for a worker that no longer owns the agent (another brain answers it now). Traffic from it
   * later starts a fresh session here (awaiting hello). Returns false for an id never seen.
   */
  forget(_nowMs: number, agentId: string): boolean {
    const a = this.sessions.get(agentId);
    if (a === undefined) return false;
    a.release();
    this.sessions.delete(agentId);
    this.routes.clear();
    return true;
  }

  /** Asks one agent or all with a session for a status message; returns how many. */
  requestStatus(_nowMs: number, agentId: string): number {
    const sh = this.shared;
    let n = 0;
    for (const a of this.targets(agentId, "requestStatus")) {
      if (sessionOf(a.state) === null) continue;
      sh.sendScratch(a.controlTopic, encodeStatusRequest(sh.scratch, 0), 1);
      n++;
    }
    return n;
  }

  /**
   * Replaces the keys (a reload of the keys file). Agents removed, or whose key changed, lose
   * their session or handshake (deregistered, evicted): it was proven with the old key. An
   * agent the old keys refused says hello again on its own and meets the new keys.
   */
  setKeys(nowMs: number, keys: KeySet, oldIds: readonly string[]): { added: string[]; removed: string[]; changed: string[] } {
    const sh = this.shared;
    const old = sh.keys;
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const now = new Set(keys.ids());
    for (const id of oldIds) {
      if (!now.has(id)) removed.push(id);
      else if (!sameBytes(old.keyOf(id)!, keys.keyOf(id)!)) changed.push(id);
    }
    const before = new Set(oldIds);
    for (const id of now) if (!before.has(id)) added.push(id);
    sh.keys = keys;
    this.keysReloads++;
    this.routes.clear(); // routes cache sessions, and unknown ids may be known now
    for (const id of [...removed, ...changed]) {
      const a = this.sessions.get(id);
      if (a !== undefined && isLiveState[a.state.s]) a.input(nowMs, Ev.Evict);
    }
    for (const id of added) this.unknownAgents.delete(id);
    return { added, removed, changed };
  }

  /** Sessions that hold, or are about to hold, a session with this brain. */
  liveSessions(): AgentSession[] {
    return [...this.sessions.values()].filter((a) => isLiveState[a.state.s]);
  }

  agents(nowMs: number): AgentStatus[] {
    return [...this.sessions.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((a) => snapshot(a, nowMs));
  }

  status(nowMs: number, broker: string): StatusReport {
    const agents = this.agents(nowMs);
    return {
      brainTimeMs: nowMs >>> 0,
      uptimeMs: this.startedMs === this.startedMs ? Math.round(nowMs - this.startedMs) : 0,
      broker,
      limits: this.shared.limits,
      agents,
      unknownAgents: [...this.unknownAgents.values()].map((u) => ({ id: u.id, rejections: u.rejections, lastMsAgo: Math.round(nowMs - u.lastAtMs) })),
      rejections: { ...this.shared.rejectionsByReason },
      unroutable: this.unroutable,
      malformed: this.malformed,
      duplicateIds: agents.filter((a) => a.alerts.includes("duplicate-id")).map((a) => a.id),
      keysReloads: this.keysReloads,
    };
  }

  /** Marks the service's start for uptime (the host calls it once; else the first message does). */
  start(nowMs: number): void {
    this.startedMs = nowMs;
  }
}
