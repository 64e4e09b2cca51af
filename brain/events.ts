/*
 * brain/events: what the brain tells its host: log lines and the events of Brain.on(...).
 *
 * Theory of operation: the session service (service.ts) never prints and never owns an event
 * emitter: it calls the host's `log(level, msg)` and `emit(event, data)`, and asks
 * `listening(event)` before it builds a hot-path payload ("sensor", "motor"). Engine-agnostic.
 */
import type { SensorContext } from "./controller";
import type { SessionLimits } from "./session/states";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string) => void;

/** Event payloads of Brain.on(...). */
export interface BrainEvents {
  registered: { agentId: string; sessionId: number; generation: number; limits: SessionLimits; channels: number; firmware: string };
  /** The reused controller context: valid only during the listener call. */
  sensor: SensorContext;
  /** frame: the signed bytes published (a Buffer on Node). */
  motor: { agentId: string; sessionId: number; seq: number; deadline: number; frame: Buffer };
  rejected: { agentId: string; reason: number; reasonName: string; message: string };
  death: { agentId: string; generation: number; cause: string };
  "stale-death": { agentId: string; generation: number; currentGeneration: number };
  deregistered: { agentId: string; reason: string };
  /** Every state change of an agent's brain-side session (session/table.ts stateNames). */
  state: { agentId: string; from: string; to: string; event: string };
  /** Two clients seem to alternate on one agent id (reported at most once per window). */
  "duplicate-id": { agentId: string; regressions: number; windowMs: number };
  /** The keys file was read again: agents added, removed and whose key changed. */
  "keys-reloaded": { added: string[]; removed: string[]; changed: string[] };
}
export type BrainEvent = keyof BrainEvents;

/** The host seam of the session service. */
export interface ServiceHost {
  /** Publish payload on topic. payload is a fresh array: the transport may keep it. */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): void;
  log: Logger;
  emit<E extends BrainEvent>(event: E, data: BrainEvents[E]): void;
  /** True when someone listens to event (the hot path skips building payloads otherwise). */
  listening(event: BrainEvent): boolean;
  /** Fills dst with cryptographically random bytes; default: globalThis.crypto.getRandomValues. */
  random?(dst: Uint8Array): void;
}
