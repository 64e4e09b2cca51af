/*
 * brain/session/shared: what every agent's brain-side session shares inside one service.
 *
 * Theory of operation: one SessionShared per service holds the host seam (publish, log,
 * emit), the keys, the negotiated-limit defaults, the controller, the randomness, the codecs of
 * the hot path (sensor decoder, motor encoder), one scratch buffer for control messages and
 * the one decoded control message of the input being handled. Sessions read the input's
 * details from here (`msg`, `frame`, `refusal`) instead of receiving them as arguments, so the
 * hot path passes no objects around. Engine-agnostic: no Node, no clock.
 */
import { errorName } from "../../src/errors";
import { ControlMessage } from "../../src/protocol/decode";
import { MAX_CHANNELS } from "../../src/codec/frames/channels";
import { DEFAULT_MAX_COUNTERS } from "../../src/protocol/wire";
import type { RandomFill } from "../auth";
import type { DeclaredChannels } from "../channels";
import { copyOut } from "../copy";
import { LogWindow } from "../log-window";
import type { FrameController } from "../controller";
import type { BrainEvent, BrainEvents, LogLevel, ServiceHost } from "../events";
import { MotorEncoder } from "../motor";
import { SensorDecoder } from "../sensor";
import type { SessionLimits } from "./states";

/** Which agents exist and their device keys. */
export interface KeyLookup {
  keyOf(agentId: string): Uint8Array | undefined;
}

/** Brain limits offered at registration (mfb is min(requested, this)). */
export type BrainLimits = SessionLimits;


/** Window of the rejection log lines, ms: one line per agent per window. */
export const REJECT_LOG_WINDOW_MS = 60_000;

function defaultRandom(): RandomFill {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues === undefined) throw new Error("brain: no randomness: give the service host a random(dst) function");
  return (dst) => void c.getRandomValues!(dst);
}

export class SessionShared {
  /** Room for every legal channel table (256 ids, protocol.md §7) and 64 status counters. */
  readonly msg = new ControlMessage(MAX_CHANNELS, DEFAULT_MAX_COUNTERS);
  /** The sensor frame payload of the input being handled. */
  frame: Uint8Array = new Uint8Array(0);
  /** The refusal of the input being handled (Ev.HelloRefused, Ev.ProofBad). */
  refusalReason = 0;
  refusalText = "";
  /** The channel table of the hello being handled (Ev.Hello). */
  declared: DeclaredChannels | null = null;
  /** Scratch for control message encoders (src/protocol/encode.ts). */
  readonly scratch = new Uint8Array(2048);
  readonly sensors = new SensorDecoder();
  readonly motors = new MotorEncoder();
  readonly random: RandomFill;
  /** Rejections sent, by reason name. */
  readonly rejectionsByReason: Record<string, number> = {};
  /** Rejection log lines: one per agent per window, with a count of the rest. */
  readonly rejectLog = new LogWindow(REJECT_LOG_WINDOW_MS);

  constructor(
    public keys: KeyLookup,
    readonly limits: BrainLimits,
    readonly controller: FrameController,
    readonly host: ServiceHost,
  ) {
    this.random = host.random !== undefined ? (dst) => host.random!(dst) : defaultRandom();
  }

  log(level: LogLevel, msg: string): void {
    this.host.log(level, msg);
  }

  emit<E extends BrainEvent>(event: E, data: BrainEvents[E]): void {
    this.host.emit(event, data);
  }

  /** Publishes a copy of scratch[0..len) on topic. */
  sendScratch(topic: string, len: number, qos: 0 | 1): void {
    if (len < 0) throw new Error(`brain: control message encoding failed: ${errorName(len)}`); // a brain bug
    this.host.publish(topic, copyOut(this.scratch, 0, len), qos);
  }
}
