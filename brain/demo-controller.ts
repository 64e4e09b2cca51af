/*
 * brain/demo-controller: the default controller, a differential-drive obstacle reflex.
 *
 * Theory of operation: it uses three channels, by name:
 *   distance (sensor)  element 0, metres for float channels, millimetres for integer ones;
 *   bumpers  (sensor)  element 0 the left bumper, element 1 the right one (non-zero = pressed);
 *   wheels   (motor)   [left, right] (repeated if the channel has more elements), -1..1.
 * A pressed bumper backs away from it (left bumper: left -0.2, right -0.6; right bumper the
 * mirror; both: -0.5, -0.5). Otherwise forward speed is 0 at `stopDistanceM`, rising linearly
 * to 1 at `cruiseDistanceM`; closer than `stopDistanceM` the robot spins in place (left +0.5,
 * right -0.5). With no distance channel it drives at half speed and relies on the bumpers.
 * Wheel values are scaled to the channel's type: floats as they are, signed integers times
 * the type maximum, unsigned integers mapped -1..1 -> 0..max (so the midpoint is stop).
 * Every other motor channel is left alone, so the agent keeps it at its safe value; the
 * controller says so once per agent in the log, with the channels it does use. An agent with
 * no `wheels` motor channel, or neither `distance` nor `bumpers`, gets no motor frames (also
 * said once). The command object and its array are made once per session and reused.
 */
import type { AgentSession, Controller, MotorCommand, SensorFrame, TypedArray } from "./controller";

const INT_MAX: Readonly<Record<string, number>> = { i8: 127, i16: 32767, i32: 2147483647, u8: 255, u16: 65535, u32: 4294967295 };

export interface DemoControllerOptions {
  /** Spin in place when closer than this, metres (default 0.3). */
  stopDistanceM?: number;
  /** Full speed from this distance on, metres (default 1.0). */
  cruiseDistanceM?: number;
  /** Where the one-time notes go (default: console.log). */
  log?: (message: string) => void;
}

interface AgentState {
  sessionId: number;
  /** null: this agent cannot be driven (no wheels, or nothing to steer by). */
  command: MotorCommand | null;
  wheels: TypedArray | null;
  wheelsType: string;
  distanceIsFloat: boolean;
}

function clamp1(v: number): number {
  return v < -1 ? -1 : v > 1 ? 1 : v;
}

export class DemoController implements Controller {
  private readonly stop: number;
  private readonly cruise: number;
  private readonly log: (message: string) => void;
  private readonly agents = new Map<string, AgentState>();
  /** Agents already told about (the note is once per agent, not per session). */
  private readonly noted = new Set<string>();

  constructor(opts: DemoControllerOptions = {}) {
    this.stop = opts.stopDistanceM ?? 0.3;
    this.cruise = Math.max(opts.cruiseDistanceM ?? 1.0, this.stop + 0.01);
    this.log = opts.log ?? ((m) => console.log(m));
  }

  onSessionStart(session: AgentSession): void {
    this.agents.set(session.agentId, this.makeState(session));
  }

  onSessionEnd(session: AgentSession): void {
    if (this.agents.get(session.agentId)?.sessionId === session.sessionId) this.agents.delete(session.agentId);
  }

  /** Wheel speeds [left, right] in -1..1 for a distance (m, NaN = unknown) and the bumpers. */
  wheelSpeeds(distanceM: number, leftBumper: boolean, rightBumper: boolean): [number, number] {
    if (leftBumper && rightBumper) return [-0.5, -0.5];
    if (leftBumper) return [-0.2, -0.6];
    if (rightBumper) return [-0.6, -0.2];
    if (distanceM === Infinity) return [0.5, 0.5]; // no range sensor: half speed, bumpers guard
    if (!(distanceM >= this.stop)) return [0.5, -0.5]; // too close (or NaN): turn away
    const speed = clamp1((distanceM - this.stop) / (this.cruise - this.stop));
    return [speed, speed];
  }

  onSensorFrame(frame: SensorFrame, session: AgentSession): MotorCommand | null {
    let state = this.agents.get(session.agentId);
    if (state === undefined || state.sessionId !== session.sessionId) {
      state = this.makeState(session);
      this.agents.set(session.agentId, state);
    }
    const wheels = state.wheels;
    if (wheels === null) return null;
    const range = frame.get("distance");
    const bumpers = frame.get("bumpers");
    let distance = Infinity;
    if (range !== undefined) distance = state.distanceIsFloat ? range[0] : range[0] / 1000;
    const left = bumpers !== undefined && bumpers[0] !== 0;
    const right = bumpers !== undefined && bumpers.length > 1 && bumpers[1] !== 0;
    const [l, r] = this.wheelSpeeds(distance, left, right);
    const max = INT_MAX[state.wheelsType];
    for (let i = 0; i < wheels.length; i++) {
      const v = (i & 1) === 0 ? l : r;
      if (max === undefined) wheels[i] = v;
      else if (state.wheelsType[0] === "u") wheels[i] = Math.round(((v + 1) / 2) * max);
      else wheels[i] = Math.round(v * max);
    }
    return state.command;
  }

  private makeState(session: AgentSession): AgentState {
    const ch = session.channels;
    const wheelsCh = ch.byName.get("wheels");
    const distanceCh = ch.byName.get("distance");
    const bumpersCh = ch.byName.get("bumpers");
    const hasWheels = wheelsCh !== undefined && wheelsCh.kind === "motor";
    const hasDistance = distanceCh !== undefined && distanceCh.kind === "sensor";
    const hasBumpers = bumpersCh !== undefined && bumpersCh.kind === "sensor";
    const drivable = hasWheels && (hasDistance || hasBumpers);
    const wheels = drivable ? new wheelsCh.ctor(wheelsCh.count) : null;
    this.note(session, drivable, hasDistance, hasBumpers);
    return {
      sessionId: session.sessionId,
      wheels,
      wheelsType: wheelsCh?.type ?? "f32",
      distanceIsFloat: distanceCh === undefined || distanceCh.type === "f32" || distanceCh.type === "f64",
      command: wheels === null ? null : { motors: { wheels } },
    };
  }

  /** Says once per agent which channels the demo drives and which it leaves at their safe values. */
  private note(session: AgentSession, drivable: boolean, hasDistance: boolean, hasBumpers: boolean): void {
    if (this.noted.has(session.agentId)) return;
    this.noted.add(session.agentId);
    const id = session.agentId;
    const ch = session.channels;
    const others = ch.motors.filter((m) => m.name !== "wheels").map((m) => m.name);
    const unnamed = ch.named ? "" : " (its firmware sends no channel names, so they are ch<id>)";
    if (!drivable) {
      const motors = ch.motors.map((m) => m.name).join(", ") || "none";
      const sensors = ch.sensors.map((m) => m.name).join(", ") || "none";
      this.log(`demo controller: agent ${id} needs a motor channel "wheels" and a sensor "distance" or "bumpers"; it has motors ${motors} and sensors ${sensors}${unnamed}: sending no motor frames, every motor stays at its safe value`);
      return;
    }
    const inputs = [hasDistance ? "distance" : "", hasBumpers ? "bumpers" : ""].filter((s) => s !== "").join(" and ");
    const rest = others.length === 0 ? "" : `; leaves ${others.join(", ")} at ${others.length === 1 ? "its" : "their"} safe value${others.length === 1 ? "" : "s"} (the demo does not know ${others.length === 1 ? "it" : "them"})`;
    this.log(`demo controller: agent ${id}: drives wheels from ${inputs}${rest}`);
  }
}
