/*
 * brain/demo-controller: the default controller, a differential-drive obstacle reflex.
 *
 * Theory of operation: the robot has a range sensor and two wheels.
 *   - distance: element 0 of the agent's first sensor channel (metres for float channels;
 *     integer channels are read as millimetres);
 *   - yaw rate (optional): element 0 of the second sensor channel, normalised to -1..1 (float
 *     channels as rad/s clamped to +-1; integer channels divided by the type's maximum);
 *   - forward speed = 0 at `stopDistanceM`, rising linearly to 1 at `cruiseDistanceM`;
 *     closer than `stopDistanceM` the robot spins in place (left +0.5, right -0.5) to look for
 *     a way out; the yaw rate is damped: left -= k*yaw, right += k*yaw; both clamped to -1..1.
 * Every declared motor channel receives [left, right, left, right, ...] scaled to its type:
 * floats as they are, signed integers times the type maximum, unsigned integers mapped
 * -1..1 -> 0..max (so the midpoint is stop). The arrays and the command object are made once
 * per session and reused for every frame.
 */
import type { Controller, MotorCommand, SensorContext, SessionInfo, TypedArray } from "./controller";
import type { DeclaredChannel } from "./channels";

const INT_MAX: Readonly<Record<string, number>> = { i8: 127, i16: 32767, i32: 2147483647, u8: 255, u16: 65535, u32: 4294967295 };

export interface DemoControllerOptions {
  /** Spin in place when closer than this, metres (default 0.3). */
  stopDistanceM?: number;
  /** Full speed from this distance on, metres (default 1.0). */
  cruiseDistanceM?: number;
  /** Yaw damping gain (default 0.5). */
  yawGain?: number;
}

interface AgentState {
  sessionId: number;
  command: MotorCommand;
  outputs: { ch: DeclaredChannel; values: TypedArray }[];
}

function clamp1(v: number): number {
  return v < -1 ? -1 : v > 1 ? 1 : v;
}

export class DemoController implements Controller {
  private readonly stop: number;
  private readonly cruise: number;
  private readonly yawGain: number;
  private readonly agents = new Map<string, AgentState>();

  constructor(opts: DemoControllerOptions = {}) {
    this.stop = opts.stopDistanceM ?? 0.3;
    this.cruise = Math.max(opts.cruiseDistanceM ?? 1.0, this.stop + 0.01);
    this.yawGain = opts.yawGain ?? 0.5;
  }

  onSessionStart(info: SessionInfo): void {
    this.agents.set(info.agentId, this.makeState(info.sessionId, info.declared.motors));
  }

  onSessionEnd(agentId: string, sessionId: number): void {
    if (this.agents.get(agentId)?.sessionId === sessionId) this.agents.delete(agentId);
  }

  /** Wheel speeds [left, right] in -1..1 for a distance (m) and a normalised yaw rate. */
  wheelSpeeds(distanceM: number, yaw: number): [number, number] {
    if (!(distanceM >= this.stop)) return [0.5, -0.5]; // too close (or NaN): turn away
    const speed = Math.min(1, (distanceM - this.stop) / (this.cruise - this.stop));
    return [clamp1(speed - this.yawGain * yaw), clamp1(speed + this.yawGain * yaw)];
  }

  onSensorFrame(ctx: SensorContext): MotorCommand | null {
    let state = this.agents.get(ctx.agentId);
    if (state === undefined || state.sessionId !== ctx.sessionId) {
      state = this.makeState(ctx.sessionId, ctx.declared.motors);
      this.agents.set(ctx.agentId, state);
    }
    if (state.outputs.length === 0) return null;
    const sensors = ctx.declared.sensors;
    const rangeCh = sensors[0];
    const range = rangeCh === undefined ? undefined : ctx.channels.get(rangeCh.id);
    if (range === undefined) return null; // this frame does not carry the range channel
    let distance = range[0];
    if (rangeCh.type !== "f32" && rangeCh.type !== "f64") distance /= 1000; // mm -> m
    let yaw = 0;
    const yawCh = sensors[1];
    const yawValues = yawCh === undefined ? undefined : ctx.channels.get(yawCh.id);
    if (yawCh !== undefined && yawValues !== undefined) {
      const raw = yawValues[0];
      yaw = clamp1(yawCh.type === "f32" || yawCh.type === "f64" ? raw : raw / INT_MAX[yawCh.type]);
    }
    const [left, right] = this.wheelSpeeds(distance, yaw);
    for (const { ch, values } of state.outputs) {
      const max = INT_MAX[ch.type];
      for (let i = 0; i < values.length; i++) {
        const v = (i & 1) === 0 ? left : right;
        if (max === undefined) values[i] = v;
        else if (ch.type[0] === "u") values[i] = Math.round(((v + 1) / 2) * max);
        else values[i] = Math.round(v * max);
      }
    }
    return state.command;
  }

  private makeState(sessionId: number, motors: readonly DeclaredChannel[]): AgentState {
    const outputs = motors.map((ch) => ({ ch, values: new ch.ctor(ch.count) as TypedArray }));
    const channels = new Map<number, TypedArray>();
    for (const o of outputs) channels.set(o.ch.id, o.values);
    return { sessionId, command: { channels }, outputs };
  }
}
