/*
 * brain/controller: the plug-in interface between the brain's session service and a policy.
 *
 * Theory of operation: for every valid sensor frame the service calls
 * `controller.onSensorFrame(ctx)` synchronously. The controller returns a MotorCommand
 * (values per motor channel, optional time-to-live), null for "no motor frame this time", or
 * a promise of either (for policies that compute elsewhere); the service encodes, signs and
 * publishes the command with the session's next motor sequence number. `ctx` and its
 * `channels` map are reused for the agent's next frame: read them during the call and copy
 * what you keep. The service reads a returned command at once (or when its promise settles),
 * so a controller may reuse its command object and arrays between frames.
 * The optional hooks tell a controller when an agent's session starts and ends, so it can
 * set up or drop per-agent state.
 */
import type { DeclaredChannels, TypedArray } from "./channels";
import type { MotorCommand } from "./motor";

export type { MotorCommand } from "./motor";
export type { DeclaredChannel, DeclaredChannels, TypedArray } from "./channels";

/** What a controller sees for one sensor frame. */
export interface SensorContext {
  agentId: string;
  sessionId: number;
  /** The frame's sequence number (u32, from the agent). */
  seq: number;
  /** Brain time when the frame arrived, ms mod 2^32. */
  brainTimeMs: number;
  /** The frame's time stamp: the agent's estimate of brain time when it sampled, ms mod 2^32. */
  agentTimeMs: number;
  /** The frame's entries: sensor channel id -> values (typed array of the channel's type). */
  channels: Map<number, TypedArray>;
  /** The agent's declared channel table. */
  declared: DeclaredChannels;
}

/** Session facts handed to the optional lifecycle hooks. */
export interface SessionInfo {
  agentId: string;
  sessionId: number;
  generation: number;
  declared: DeclaredChannels;
}

export interface Controller {
  /** One sensor frame in; a motor command, null (no frame), or a promise of either out. */
  onSensorFrame(ctx: SensorContext): MotorCommand | null | Promise<MotorCommand | null>;
  /** An agent registered (a new session). */
  onSessionStart?(info: SessionInfo): void;
  /** A session ended (deregistered, dead, evicted, superseded by a new hello). */
  onSessionEnd?(agentId: string, sessionId: number): void;
}
