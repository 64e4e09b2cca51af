/*
 * brain/controller: the interface between the brain and a policy, by channel name.
 *
 * Theory of operation: a Controller sees each agent's session from start to end:
 *   onSessionStart(session)       the agent registered; `session.channels` lists its channels
 *                                 by name (kind, element type, count, unit, rate);
 *   onSensorFrame(frame, session) one sensor frame in: `frame.get("distance")` is that
 *                                 channel's values (a typed array of its element type), with
 *                                 the frame's sequence number and both clocks; the return
 *                                 value is the motor command: values per motor channel name
 *                                 (a typed array or plain numbers), an optional time-to-live,
 *                                 or null for "no motor frame this time", or a promise of
 *                                 either (a policy that computes elsewhere);
 *   onSessionEnd(session)         the session ended (deregistered, dead, evicted, drained);
 *   close()                       the brain stops.
 * Motor channels a command leaves out keep what the agent last applied (its safe values
 * until the first command names them); the agent itself goes safe when frames stop.
 * A frame object is valid during the call only: copy what you keep. The brain's session
 * service talks to a FrameController, by wire channel id (the frames' compact keys);
 * controller-adapter.ts turns a Controller into one.
 */
import type { DeclaredChannel, DeclaredChannels, TypedArray } from "./channels";
import type { MotorCommand as FrameMotorCommand } from "./motor";

export type { DeclaredChannel, DeclaredChannels, TypedArray } from "./channels";
export type { FrameMotorCommand };

/** One channel of an agent, as a controller sees it. */
export type ChannelInfo = DeclaredChannel;

/** An agent's session, as a controller sees it (the same object from start to end). */
export interface AgentSession {
  agentId: string;
  sessionId: number;
  generation: number;
  /** The agent's channels: `channels.byName.get("wheels")`, `channels.sensors`, `channels.motors`. */
  channels: DeclaredChannels;
}

/** One sensor frame, valid during the onSensorFrame call. */
export interface SensorFrame {
  agentId: string;
  sessionId: number;
  /** The frame's sequence number (u32, from the agent). */
  seq: number;
  /** Brain time when the frame arrived, ms mod 2^32. */
  brainTimeMs: number;
  /** When the agent sampled it, in brain time as the agent estimates it, ms mod 2^32. */
  agentTimeMs: number;
  /** The values of sensor channel `name` in this frame, or undefined if it is not in the frame. */
  get(name: string): TypedArray | undefined;
}

/** Values for motor channels by name: typed arrays or plain number arrays of the channel's count. */
export type MotorValues = Record<string, ArrayLike<number>> | ReadonlyMap<string, ArrayLike<number>>;

/** What onSensorFrame returns. */
export interface MotorCommand {
  motors: MotorValues;
  /** The frame's deadline is brain time now + ttlMs (default: the session's motor deadline). */
  ttlMs?: number;
}

export type MotorResult = MotorCommand | null | undefined;

export interface Controller {
  /** An agent registered (a new session). */
  onSessionStart?(session: AgentSession): void;
  /** One sensor frame in; a motor command, null (no frame), or a promise of either out. */
  onSensorFrame(frame: SensorFrame, session: AgentSession): MotorResult | Promise<MotorResult>;
  /** The session ended (deregistered, dead, evicted, superseded by a new hello). */
  onSessionEnd?(session: AgentSession): void;
  /** The brain is stopping: release sockets, files, processes. */
  close?(): void | Promise<void>;
}

// ---- the wire-level seam between the session service and the adapter ----

/** What the session service hands over for one sensor frame (reused per session). */
export interface SensorContext {
  agentId: string;
  sessionId: number;
  seq: number;
  brainTimeMs: number;
  agentTimeMs: number;
  /** The frame's entries: sensor channel id -> values. */
  channels: Map<number, TypedArray>;
  declared: DeclaredChannels;
}

/** Session facts handed to the lifecycle hooks of a FrameController. */
export interface SessionInfo {
  agentId: string;
  sessionId: number;
  generation: number;
  declared: DeclaredChannels;
}

/** The session service's controller seam, by wire channel id. */
export interface FrameController {
  onSensorFrame(ctx: SensorContext): FrameMotorCommand | null | Promise<FrameMotorCommand | null>;
  onSessionStart?(info: SessionInfo): void;
  onSessionEnd?(agentId: string, sessionId: number): void;
}
