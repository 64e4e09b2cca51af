/*
 * brain/service: the session service, transport-free: (topic, payload) in, publishes out.
 *
 * Theory of operation: `onMessage` is called for everything the brain's subscription
 * `bs/1/+/up/#` delivers. The topic is mapped once to (agent id, kind) and cached (bounded),
 * so the hot path does one Map lookup instead of parsing: up/sns goes to the data plane
 * (dataplane.ts), up/ctl to the control handlers (control.ts); anything else is counted as
 * unroutable. Operator requests (operations.ts), the liveness scan (liveness.ts) and the
 * /status report are exposed here. The transport, the clock source of the scan timer, HTTP
 * and events belong to the caller (index.ts); tests may drive this class directly.
 */
import { parseAgentTopic, TopicKind } from "../src/protocol/topics";
import { nowMs, brainTimeMs } from "./clock";
import { ControlHandlers } from "./control";
import { BrainCore, type BrainLimits, type CoreHost } from "./core";
import type { FrameController } from "./controller";
import { DataPlane } from "./dataplane";
import type { AgentRegistry } from "./keys";
import { scanLiveness } from "./liveness";
import { deregister, drain, requestStatus } from "./operations";
import { snapshot, type AgentStatus } from "./record";

/** Cached topic routes; the cache is cleared when it grows past this. */
const ROUTES_MAX = 10_000;

interface Route {
  agentId: string;
  kind: number;
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
}

export class SessionService {
  readonly core: BrainCore;
  private readonly control: ControlHandlers;
  private readonly data: DataPlane;
  private readonly routes = new Map<string, Route>();
  private readonly startedMs = nowMs();

  constructor(registry: AgentRegistry, limits: BrainLimits, controller: FrameController, host: CoreHost) {
    this.core = new BrainCore(registry, limits, controller, host);
    this.control = new ControlHandlers(this.core);
    this.data = new DataPlane(this.core);
  }

  /** One MQTT message from the brain's subscription. */
  onMessage(topic: string, payload: Uint8Array): void {
    let route = this.routes.get(topic);
    if (route === undefined) {
      const parsed = parseAgentTopic(topic);
      if (parsed === null || (parsed.kind !== TopicKind.UP_SNS && parsed.kind !== TopicKind.UP_CTL)) {
        this.core.unroutable++;
        return;
      }
      if (this.routes.size >= ROUTES_MAX) this.routes.clear();
      route = parsed;
      this.routes.set(topic, route);
    }
    if (route.kind === TopicKind.UP_SNS) this.data.onSensorFrame(route.agentId, payload);
    else this.control.handle(route.agentId, payload);
  }

  /** Runs the liveness bounds (call from a timer). */
  scan(): void {
    scanLiveness(this.core, nowMs());
  }

  drain(agentId: string, reason: number, retryAfterMs: number, deadlineMs?: number): number {
    return drain(this.core, agentId, reason, retryAfterMs, deadlineMs);
  }

  deregister(agentId: string): void {
    deregister(this.core, agentId);
  }

  requestStatus(agentId: string): number {
    return requestStatus(this.core, agentId);
  }

  agents(): AgentStatus[] {
    const now = nowMs();
    return [...this.core.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => snapshot(r, now));
  }

  status(broker: string): StatusReport {
    const now = nowMs();
    const core = this.core;
    return {
      brainTimeMs: brainTimeMs(),
      uptimeMs: Math.round(now - this.startedMs),
      broker,
      limits: core.limits,
      agents: this.agents(),
      unknownAgents: [...core.unknownAgents.values()].map((u) => ({ id: u.id, rejections: u.rejections, lastMsAgo: Math.round(now - u.lastAtMs) })),
      rejections: { ...core.rejectionsByReason },
      unroutable: core.unroutable,
      malformed: core.malformed,
    };
  }
}
