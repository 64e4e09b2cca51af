/*
 * examples/wall-follower: keeps a robot at a set distance from a wall on its right.
 *
 * Theory of operation: the robot has a side range sensor `wall` (metres to the wall on its
 * right), optionally a front range sensor `distance`, and two wheels `wheels` [left, right]
 * in -1..1. A PD controller steers on the error e = wall - targetM: too far from the wall
 * (e > 0) turns right (left wheel faster), too close turns left; the derivative uses the
 * frames' own time stamps (agentTimeMs, brain time as the agent sampled it), so it is right
 * whatever the frame rate. The forward speed drops as the front distance falls below
 * `slowM`, and a wall dead ahead turns the robot left on the spot. State is per agent
 * session (last error and time), made in onSessionStart and dropped in onSessionEnd.
 * Run it: npm run brain -- --controller examples/wall-follower.ts
 */
import type { AgentSession, Controller, MotorCommand, SensorFrame } from "../brain/controller";

export interface WallFollowerOptions {
  /** Distance to keep from the wall, m (default 0.5). */
  targetM?: number;
  /** Forward speed on a clear path, -1..1 (default 0.6). */
  cruise?: number;
  /** Proportional gain, per m (default 0.3). */
  kp?: number;
  /** Derivative gain, per m/s (default 1.2). */
  kd?: number;
  /** Slow down when the front distance is below this, m (default 0.8). */
  slowM?: number;
  /** Turn on the spot when the front distance is below this, m (default 0.3). */
  stopM?: number;
  /** Largest steering term, 0..1 (default 0.1): keeps the robot from turning towards the wall
   * so fast that its side sensor, now at an angle, reads long and it turns further. */
  maxTurn?: number;
}

interface State {
  lastError: number;
  lastTimeMs: number;
  wheels: Float64Array;
  command: MotorCommand;
}

const clamp1 = (v: number) => (v < -1 ? -1 : v > 1 ? 1 : v);

export class WallFollower implements Controller {
  readonly targetM: number;
  private readonly cruise: number;
  private readonly kp: number;
  private readonly kd: number;
  private readonly slowM: number;
  private readonly stopM: number;
  private readonly maxTurn: number;
  private readonly states = new Map<string, State>();

  constructor(o: WallFollowerOptions = {}) {
    this.targetM = o.targetM ?? 0.5;
    this.cruise = o.cruise ?? 0.6;
    this.kp = o.kp ?? 0.3;
    this.kd = o.kd ?? 1.2;
    this.slowM = o.slowM ?? 0.8;
    this.stopM = o.stopM ?? 0.3;
    this.maxTurn = o.maxTurn ?? 0.1;
  }

  onSessionStart(s: AgentSession): void {
    const wheels = new Float64Array(2);
    this.states.set(s.agentId, { lastError: NaN, lastTimeMs: 0, wheels, command: { motors: { wheels } } });
  }

  onSessionEnd(s: AgentSession): void {
    this.states.delete(s.agentId);
  }

  onSensorFrame(frame: SensorFrame, s: AgentSession): MotorCommand | null {
    const st = this.states.get(s.agentId);
    const wall = frame.get("wall");
    if (st === undefined || wall === undefined) return null; // no side sensor: nothing to follow
    const front = frame.get("distance");
    const e = wall[0] - this.targetM;
    const dtS = ((frame.agentTimeMs - st.lastTimeMs) >>> 0) / 1000;
    const dedt = Number.isNaN(st.lastError) || dtS <= 0 || dtS > 1 ? 0 : (e - st.lastError) / dtS;
    st.lastError = e;
    st.lastTimeMs = frame.agentTimeMs;
    const turn = Math.max(-this.maxTurn, Math.min(this.maxTurn, this.kp * e + this.kd * dedt));
    let speed = this.cruise;
    const f = front === undefined ? Infinity : front[0];
    if (f < this.stopM) {
      st.wheels[0] = -0.5; // wall ahead: turn left on the spot
      st.wheels[1] = 0.5;
      return st.command;
    }
    if (f < this.slowM) speed *= (f - this.stopM) / (this.slowM - this.stopM);
    st.wheels[0] = clamp1(speed + turn / 2);
    st.wheels[1] = clamp1(speed - turn / 2);
    return st.command;
  }
}

export default WallFollower;
