/*
 * brain: the reference brain server's public API.
 *
 * Theory of operation: `startBrain` wires the parts together:
 *   broker       the embedded aedes broker (broker.ts) on `brokerPort` (0 = free port), or
 *                any external broker given as `broker: "mqtt://host:port"`;
 *   registry     agent ids and device keys from a Map or a keys file (keys.ts); a keys
 *                file is read again when it changes and on SIGHUP (keys-watch.ts), and
 *                `reloadKeys()` does it on demand; a bad file keeps the keys loaded before;
 *   service      the transport-free, clock-free session service (service.ts): one
 *                brain-side session machine per agent (session/), operator requests, /status;
 *   clock        the host's monotonic clock, performance.now(): every call into the service
 *                passes it as nowMs (brain time on the wire is nowMs >>> 0);
 *   link         the brain's MQTT.js client (mqtt-link.ts) feeding the service;
 *   status       GET /status on 127.0.0.1:`httpPort` (status-http.ts);
 *   timer        runs the service's scan (state deadlines, log windows; liveness.ts period);
 *   live         the built-in page at / of the status port, the Foxglove WebSocket server
 *                (`foxglovePort`) and the MCAP recorder (`record`): consumers of the events
 *                (live/index.ts); the controller is wrapped by controller-adapter.ts.
 * `close()` stops all of it (and the embedded broker, if it started one). A brain can be
 * closed and started again on the same broker: agents that still believe in their old session
 * are evicted by the new brain on their next heartbeat or sensor frame and register again.
 * Events: see events.ts BrainEvents. "sensor" hands over the reused controller context.
 */
import { EventEmitter } from "node:events";
import { randomFillSync } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startEmbeddedBroker, type EmbeddedBroker } from "./broker";
import { DemoController } from "./demo-controller";
import type { Controller } from "./controller";
import type { BrainEvent, BrainEvents, Logger, LogLevel } from "./events";
import { AgentRegistry, KeysFileError, loadKeysFile } from "./keys";
import { watchKeysFile, type KeysWatch } from "./keys-watch";
import { toFrameController } from "./controller-adapter";
import { scanPeriodMs } from "./liveness";
import { connectBrainLink, type BrainLink } from "./mqtt-link";
import type { AgentStatus } from "./status";
import { SessionService, type StatusReport } from "./service";
import type { BrainLimits } from "./session/shared";
import { startStatusServer, type StatusServer } from "./status-http";
import { startLive, type Live } from "./live/index";
import { connectClusterLink, type ClusterLink, type ClusterOptions } from "./cluster/nats-link";

export type { AgentStatus, BrainPhase } from "./status";
export type { BrainEvent, BrainEvents, Logger, LogLevel, ServiceHost } from "./events";
export type { BrainLimits } from "./session/shared";
export { State as BrainState, stateNames as brainStateNames } from "./session/table";
export type { Controller, MotorCommand, MotorValues, SensorFrame, AgentSession, ChannelInfo, DeclaredChannel, DeclaredChannels, TypedArray, SensorContext } from "./controller";
export { SessionService, type StatusReport } from "./service";
export { DemoController } from "./demo-controller";
export { startEmbeddedBroker, type EmbeddedBroker } from "./broker";
export type { ClusterLink, ClusterOptions } from "./cluster/nats-link";
export { AgentRegistry, KeysFileError, loadKeysFile, parseKeys } from "./keys";

/** Defaults of the negotiated limits. */
export const BRAIN_DEFAULTS: Readonly<BrainLimits> = Object.freeze({
  heartbeatMs: 1000,
  motorDeadlineMs: 500,
  maxSensorHz: 1000,
  maxFrameBytes: 65536,
});
/** How long startBrain waits for the broker, ms. */
export const CONNECT_TIMEOUT_DEFAULT_MS = 10_000;

export interface BrainOptions {
  /** mqtt://host:port of an external broker; default: start the embedded aedes broker. */
  broker?: string;
  /** PEM of the CA that signed an external mqtts:// broker's certificate; default: the system CAs. */
  brokerCa?: string | Buffer;
  /** Embedded broker port (ignored with `broker`); 0 (the default) picks a free port. */
  brokerPort?: number;
  /** Embedded broker bind address; default 127.0.0.1 (use 0.0.0.0 for boards on the LAN). */
  brokerHost?: string;
  /** Agent ids and keys, or the path of a keys file ({"agents": {"<id>": "<hex key>"}}). */
  keys: Map<string, Uint8Array> | string;
  /** Port of GET /status on 127.0.0.1; 0 (the default) picks a free port. */
  httpPort?: number;
  /** The policy, by channel name (brain/controller.ts); default DemoController. */
  controller?: Controller;
  /** Log sink; default: info and above to the console. */
  log?: Logger;
  /** Heartbeat interval sent in `registered`, ms (default 1000). */
  heartbeatMs?: number;
  /** Motor deadline sent in `registered` and used for motor frame deadlines, ms (default 500). */
  motorDeadlineMs?: number;
  /** Max sensor rate sent in `registered`, Hz (default 1000). */
  maxSensorHz?: number;
  /** The brain's max frame bytes; registered mfb = min(requested, this) (default 65536). */
  maxFrameBytes?: number;
  /** How long to wait for the broker at start, ms (default 10000). */
  connectTimeoutMs?: number;
  /** Record every frame, status change and control event to this MCAP file. */
  record?: string;
  /** Serve the Foxglove WebSocket protocol on 127.0.0.1:port (0 = a free port); off when absent. */
  foxglovePort?: number;
  /** With a keys file: read it again when it changes (stat polling every keysPollMs) and on SIGHUP; default true. */
  watchKeys?: boolean;
  /** Stat polling period of the keys file, ms (default 1000). */
  keysPollMs?: number;
  /** The brain's monotonic clock, ms (default performance.now); brain time on the wire is its value >>> 0. */
  clock?: () => number;
  /** Run as one worker of a NATS cluster instead (brain/cluster/nats-link.ts); excludes `broker`. */
  cluster?: ClusterOptions;
}

/** What a keys reload did. */
export interface KeysReload {
  ok: boolean;
  /** Why it failed (the old keys stay), or null. */
  error: string | null;
  added: string[];
  removed: string[];
  changed: string[];
}

export interface Brain {
  /** mqtt://host:port the agents should use. */
  readonly brokerUrl: string;
  /** http://127.0.0.1:port/status */
  readonly statusUrl: string;
  /** The built-in page, http://127.0.0.1:port/ */
  readonly pageUrl: string;
  /** The page, the Foxglove server (foxglove.url) and the recorder (recorder.stats()). */
  readonly live: Live;
  /** The brain's MQTT client id (brain-<random>). */
  readonly clientId: string;
  /** The cluster link when started with `cluster` (its status, leases), else null. */
  readonly cluster: ClusterLink | null;
  agents(): AgentStatus[];
  /** The whole /status report. */
  status(): StatusReport;
  /** Drain one agent or all live ones: reason 1 deploy / 2 operator; deadlineMs default 10000. */
  drain(agentId: string | "all", reason: 1 | 2, retryAfterMs: number, deadlineMs?: number): void;
  /** Deregisters (evicts) an agent now. */
  deregister(agentId: string): void;
  /** Asks one agent or all for a status message. */
  requestStatus(agentId: string | "all"): void;
  /** Reads the keys file again (no-op error for a brain started with a Map). */
  reloadKeys(): KeysReload;
  /** Resolves true once no agent is challenged, registered, binding, active or draining; false on timeout. */
  whenIdle(timeoutMs: number): Promise<boolean>;
  on<E extends BrainEvent>(event: E, fn: (data: BrainEvents[E]) => void): Brain;
  off<E extends BrainEvent>(event: E, fn: (data: BrainEvents[E]) => void): Brain;
  close(): Promise<void>;
}

function defaultLog(level: LogLevel, msg: string): void {
  if (level === "debug") return;
  (level === "info" ? console.log : console.error)(`brain ${level}: ${msg}`);
}

function checkLimit(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`startBrain: ${name} must be a whole number ${min}..${max} (got ${v})`);
  return v;
}

export async function startBrain(opts: BrainOptions): Promise<Brain> {
  const log = opts.log ?? defaultLog;
  const limits: BrainLimits = {
    heartbeatMs: checkLimit("heartbeatMs", opts.heartbeatMs, BRAIN_DEFAULTS.heartbeatMs, 100, 60_000),
    motorDeadlineMs: checkLimit("motorDeadlineMs", opts.motorDeadlineMs, BRAIN_DEFAULTS.motorDeadlineMs, 10, 60_000),
    maxSensorHz: checkLimit("maxSensorHz", opts.maxSensorHz, BRAIN_DEFAULTS.maxSensorHz, 1, 100_000),
    maxFrameBytes: checkLimit("maxFrameBytes", opts.maxFrameBytes, BRAIN_DEFAULTS.maxFrameBytes, 64, 268_435_455),
  };
  let registry = AgentRegistry.from(opts.keys); // throws KeysFileError
  const controller = toFrameController(opts.controller ?? new DemoController({ log: (m) => log("info", m) }));
  const events = new EventEmitter();
  const listening = new Set<BrainEvent>();
  let link: BrainLink | null = null;
  const now = opts.clock ?? (() => performance.now());
  const emit = <E extends BrainEvent>(event: E, data: BrainEvents[E]) => {
    try {
      events.emit(event, data);
    } catch (e) {
      log("warn", `a "${event}" listener threw: ${(e as Error).message}`);
    }
  };
  const service = new SessionService(registry, limits, controller, {
    publish: (topic, payload, qos) => link?.publish(topic, payload, qos),
    random: (dst) => void randomFillSync(dst),
    log,
    emit: (event, data) => emit(event, data),
    listening: (event) => listening.has(event),
  });

  let embedded: EmbeddedBroker | null = null;
  let status: StatusServer | null = null;
  let cluster: ClusterLink | null = null;
  let timer: NodeJS.Timeout | null = null;
  let live: Live | null = null;
  let keysWatch: KeysWatch | null = null;
  const cleanup = async () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    keysWatch?.stop();
    keysWatch = null;
    await link?.close();
    link = null;
    await live?.close();
    try {
      await opts.controller?.close?.();
    } catch (e) {
      log("warn", `controller close() threw: ${(e as Error).message}`);
    }
    await status?.close();
    status = null;
    await embedded?.close();
    embedded = null;
  };
  let brokerUrl = "";
  const report = () => (cluster === null ? service.status(now(), brokerUrl) : { ...service.status(now(), brokerUrl), cluster: cluster.status() });
  try {
    if (opts.cluster !== undefined) brokerUrl = opts.cluster.servers.join(",");
    else if (opts.broker !== undefined) brokerUrl = opts.broker;
    else {
      embedded = await startEmbeddedBroker({ port: opts.brokerPort ?? 0, host: opts.brokerHost });
      brokerUrl = embedded.url;
    }
    status = await startStatusServer(opts.httpPort ?? 0, () => ({ ...report(), ...live?.extraStatus() }), "127.0.0.1", (req, res) => live?.handle(req, res) ?? false);
    service.start(now());
    if (opts.cluster !== undefined) {
      const url = status.url;
      const hooks = { onMessage: (t: string, p: Uint8Array) => service.onMessage(now(), t, p), forget: (id: string) => void service.forget(now(), id), agents: () => service.agents(now()), statusUrl: () => url, log };
      link = cluster = await connectClusterLink(opts.cluster, hooks, opts.connectTimeoutMs ?? CONNECT_TIMEOUT_DEFAULT_MS);
    } else link = await connectBrainLink(brokerUrl, (topic, payload) => service.onMessage(now(), topic, payload), log, opts.connectTimeoutMs ?? CONNECT_TIMEOUT_DEFAULT_MS, opts.brokerCa);
  } catch (e) {
    await cleanup();
    throw e;
  }
  timer = setInterval(() => service.scan(now()), scanPeriodMs(limits.heartbeatMs));
  timer.unref();
  const keysPath = typeof opts.keys === "string" ? opts.keys : null;
  const reloadKeys = (why: string): KeysReload => {
    if (keysPath === null) return { ok: false, error: "the brain was started with a keys map, not a file", added: [], removed: [], changed: [] };
    let next: AgentRegistry;
    try {
      next = new AgentRegistry(loadKeysFile(keysPath));
    } catch (e) {
      const error = e instanceof KeysFileError ? e.message : String(e);
      log("error", `keys reload (${why}) failed: ${error}; keeping the ${registry.size} keys loaded before`);
      return { ok: false, error, added: [], removed: [], changed: [] };
    }
    const diff = service.setKeys(now(), next, registry.ids());
    registry = next;
    log("info", `keys reloaded (${why}): ${next.size} agents; added ${diff.added.length}, removed ${diff.removed.length}, changed ${diff.changed.length}`);
    emit("keys-reloaded", diff);
    return { ok: true, error: null, ...diff };
  };
  if (keysPath !== null && opts.watchKeys !== false) keysWatch = watchKeysFile(keysPath, (why) => void reloadKeys(why), opts.keysPollMs);
  const statusUrl = status.url;
  const clientId = link.clientId;
  let closed: Promise<void> | null = null;

  const brain: Brain = {
    brokerUrl,
    statusUrl,
    pageUrl: statusUrl.replace(/status$/, ""),
    get live(): Live {
      return live!;
    },
    clientId,
    cluster,
    agents: () => service.agents(now()),
    status: () => report(),
    drain: (agentId, reason, retryAfterMs, deadlineMs) => {
      void service.drain(now(), agentId, reason, retryAfterMs, deadlineMs);
      live?.telemetry.operator(agentId, "drain", `${reason === 1 ? "deploy" : "operator"} drain, retry after ${retryAfterMs} ms`);
    },
    deregister: (agentId) => {
      service.deregister(now(), agentId);
      live?.telemetry.operator(agentId, "deregister", "deregistered by the operator");
    },
    requestStatus: (agentId) => void service.requestStatus(now(), agentId),
    reloadKeys: () => reloadKeys("requested"),
    whenIdle: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (service.liveSessions().length === 0) return true;
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    on(event, fn) {
      events.on(event, fn as (data: unknown) => void);
      listening.add(event);
      return brain;
    },
    off(event, fn) {
      events.off(event, fn as (data: unknown) => void);
      if (events.listenerCount(event) === 0) listening.delete(event);
      return brain;
    },
    close() {
      if (closed === null)
        closed = cleanup().then(() => {
          events.removeAllListeners();
          listening.clear();
        });
      return closed;
    },
  };
  try {
    live = await startLive(brain, { record: opts.record, foxglovePort: opts.foxglovePort });
  } catch (e) {
    await brain.close();
    throw e;
  }
  return brain;
}
