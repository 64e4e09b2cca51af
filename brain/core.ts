/*
 * brain/core: the state the session service's parts share, and the helpers they all use.
 *
 * Theory of operation: BrainCore owns the agent records, the registry, the negotiated-limit
 * defaults, the controller and the host seam (publish / log / emit). It knows nothing about
 * MQTT.js or HTTP: the host passes `publish(topic, payload, qos)` in, so the service can be
 * driven by any transport or by a test. Helpers here are the transitions every handler needs:
 * setPhase, endSession, declareDead, reject (with the log line and counters), evict (a
 * rate-limited `deregistered` for an agent that talks as if it had a session this brain does
 * not know, e.g. after a brain restart) and sendControl (encode with src/protocol, copy out
 * of the scratch buffer, publish on the agent's dn/ctl at QoS 1, heartbeat-acks at QoS 0).
 */
import { errorName } from "../src/errors";
import { encodeDeregistered, encodeRejected } from "../src/protocol/encode";
import { TopicKind, topicFor } from "../src/protocol/topics";
import { DeregisteredReason, MAX_TEXT_BYTES, RejectReason } from "../src/protocol/wire";
import type { AgentRegistry } from "./keys";
import type { FrameController, SensorContext } from "./controller";
import { AgentRecord, isLive, type BrainPhase, type SessionLimits } from "./record";
import { nowMs } from "./clock";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string) => void;

/** Names of the rejection reasons (rejected `r`), for logs, events and /status. */
export const rejectReasonNames: Readonly<Record<number, string>> = {
  [RejectReason.INVALID_AUTH]: "invalid-auth",
  [RejectReason.INVALID_REQUEST]: "invalid-request",
  [RejectReason.ALREADY_REGISTERED]: "already-registered",
  [RejectReason.UNKNOWN_AGENT]: "unknown-agent",
  [RejectReason.UNSUPPORTED_VERSION]: "unsupported-version",
  [RejectReason.BUSY]: "busy",
};

/** Event payloads of Brain.on(...). */
export interface BrainEvents {
  registered: { agentId: string; sessionId: number; generation: number; limits: SessionLimits; channels: number; firmware: string };
  /** The reused controller context: valid only during the listener call. */
  sensor: SensorContext;
  motor: { agentId: string; sessionId: number; seq: number; deadline: number; frame: Buffer };
  rejected: { agentId: string; reason: number; reasonName: string; message: string };
  death: { agentId: string; generation: number; cause: string };
  "stale-death": { agentId: string; generation: number; currentGeneration: number };
  deregistered: { agentId: string; reason: string };
}
export type BrainEvent = keyof BrainEvents;

export interface CoreHost {
  publish(topic: string, payload: Buffer, qos: 0 | 1): void;
  log: Logger;
  emit<E extends BrainEvent>(event: E, data: BrainEvents[E]): void;
  /** True when someone listens to event (the hot path skips building payloads otherwise). */
  listening(event: BrainEvent): boolean;
}

/** Brain limits offered at registration (mfb is min(requested, this)). */
export type BrainLimits = SessionLimits;

/** Evictions of one agent are at least this far apart, ms. */
export const EVICT_INTERVAL_MS = 2000;
/** No eviction this soon after the record changed phase: late frames of an ended session. */
export const EVICT_QUIET_MS = 2000;
/** Controller / motor problems logged per session before the log goes quiet. */
export const PROBLEMS_LOGGED_MAX = 3;
/** Distinct unknown agent ids remembered for /status. */
const UNKNOWN_AGENTS_MAX = 100;

export interface UnknownAgent {
  id: string;
  rejections: number;
  lastAtMs: number;
}

export class BrainCore {
  readonly records = new Map<string, AgentRecord>();
  readonly unknownAgents = new Map<string, UnknownAgent>();
  readonly rejectionsByReason: Record<string, number> = {};
  /** Messages on topics that are not a valid agent's up/ctl or up/sns. */
  unroutable = 0;
  /** Control messages that failed to decode, from agents without a record. */
  malformed = 0;
  /** Scratch for control message encoders (src/protocol/encode.ts). */
  readonly scratch = new Uint8Array(2048);

  constructor(
    readonly registry: AgentRegistry,
    readonly limits: BrainLimits,
    readonly controller: FrameController,
    readonly host: CoreHost,
  ) {}

  log(level: LogLevel, msg: string): void {
    this.host.log(level, msg);
  }

  /** The record of a known agent (created on first contact), or undefined for unknown ids. */
  recordOf(agentId: string): AgentRecord | undefined {
    let r = this.records.get(agentId);
    if (r === undefined && this.registry.keyOf(agentId) !== undefined) {
      r = new AgentRecord(agentId, topicFor(agentId, TopicKind.DN_CTL));
      this.records.set(agentId, r);
    }
    return r;
  }

  setPhase(r: AgentRecord, phase: BrainPhase): void {
    if (r.phase === phase) return;
    r.phase = phase;
    r.phaseSinceMs = nowMs();
  }

  /** Publishes scratch[0..len) on topic (a copy: MQTT.js may hold it until the socket drains). */
  sendScratch(topic: string, len: number, qos: 0 | 1): void {
    if (len < 0) throw new Error(`brain: control message encoding failed: ${errorName(len)}`); // a brain bug
    this.host.publish(topic, Buffer.from(this.scratch.subarray(0, len)), qos);
  }

  /** Ends the session (and any pending handshake) without changing the phase. */
  endSession(r: AgentRecord): void {
    r.handshake = null;
    const s = r.session;
    if (s === null) return;
    r.session = null;
    r.lastLimits = s.limits;
    r.lastChannels = s.declared;
    r.lastSessionId = s.sessionId;
    const end = this.controller.onSessionEnd;
    if (end !== undefined) {
      try {
        end.call(this.controller, r.id, s.sessionId);
      } catch (e) {
        this.log("warn", `controller onSessionEnd(${r.id}) threw: ${(e as Error).message}`);
      }
    }
  }

  declareDead(r: AgentRecord, cause: string): void {
    this.endSession(r);
    this.setPhase(r, "dead");
    r.deathCause = cause;
    this.log("info", `agent ${r.id} dead: ${cause} (generation ${r.generation})`);
    this.host.emit("death", { agentId: r.id, generation: r.generation, cause });
  }

  /** Sends `rejected`, counts it, logs it at `level` and emits "rejected". */
  reject(agentId: string, r: AgentRecord | undefined, reason: number, message: string, level: LogLevel): void {
    let text = message;
    while (Buffer.byteLength(text) > MAX_TEXT_BYTES) text = text.slice(0, -1);
    this.sendScratch(topicFor(agentId, TopicKind.DN_CTL), encodeRejected(this.scratch, 0, reason, text, -1), 1);
    const name = rejectReasonNames[reason] ?? `reason${reason}`;
    this.rejectionsByReason[name] = (this.rejectionsByReason[name] ?? 0) + 1;
    if (r !== undefined) {
      r.rejections++;
      this.endSession(r);
      this.setPhase(r, "rejected");
    } else {
      let u = this.unknownAgents.get(agentId);
      if (u === undefined) {
        if (this.unknownAgents.size >= UNKNOWN_AGENTS_MAX) this.unknownAgents.delete(this.unknownAgents.keys().next().value!);
        u = { id: agentId, rejections: 0, lastAtMs: 0 };
        this.unknownAgents.set(agentId, u);
      }
      u.rejections++;
      u.lastAtMs = nowMs();
    }
    this.log(level, `agent ${agentId} rejected: ${name}: ${message}`);
    this.host.emit("rejected", { agentId, reason, reasonName: name, message });
  }

  /**
   * An agent of the registry talks as if it had a session here, and it has none: send
   * `deregistered` (evicted) so that it reconnects and registers again. Rate-limited, and
   * quiet right after a session ended (frames still in flight) or during a handshake.
   */
  evict(agentId: string, why: string): void {
    const r = this.recordOf(agentId);
    if (r === undefined) return; // not in the registry: ignore its traffic
    if (r.phase === "authenticating") return;
    const now = nowMs();
    if (now - r.phaseSinceMs < EVICT_QUIET_MS || now - r.lastEvictMs < EVICT_INTERVAL_MS) return;
    r.lastEvictMs = now;
    r.evictions++;
    this.endSession(r);
    this.setPhase(r, "deregistered");
    this.sendScratch(r.controlTopic, encodeDeregistered(this.scratch, 0, DeregisteredReason.EVICTED), 1);
    this.log("info", `agent ${agentId}: ${why}; sent deregistered (evicted) so that it registers again`);
    this.host.emit("deregistered", { agentId, reason: "evicted" });
  }

  /** Counts a controller or motor problem; logs the first few of a session. */
  motorProblem(r: AgentRecord, what: string): void {
    r.motorErrors++;
    const s = r.session;
    if (s !== null && s.problemsLogged < PROBLEMS_LOGGED_MAX) {
      s.problemsLogged++;
      this.log("warn", `agent ${r.id}: ${what}${s.problemsLogged === PROBLEMS_LOGGED_MAX ? " (further problems of this session are only counted)" : ""}`);
    }
  }

  /** Live records (holding or about to hold a session). */
  liveRecords(): AgentRecord[] {
    return [...this.records.values()].filter((r) => isLive(r.phase));
  }
}
