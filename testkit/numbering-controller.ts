/*
 * numbering-controller: a controller for tests and benches that must tell every motor frame
 * apart. For each sensor frame it answers a motor command [n, sessionId] on one i32 x 2
 * channel (id 10 unless given): n counts the session's commands from 1. A device that
 * checks what it applies (values[1] is its current session id, n rises) sees at once a
 * frame of another session or a replayed or reordered one: see `MotorCheck`.
 */
import type { AgentSession, Controller, MotorCommand, SensorFrame } from "../brain/index";

export class NumberingController implements Controller {
  private readonly state = new Map<string, { sessionId: number; n: number; values: Int32Array; command: MotorCommand }>();
  constructor(private readonly channel = "wheels") {}
  onSessionStart(session: AgentSession): void {
    const values = new Int32Array(2);
    this.state.set(session.agentId, { sessionId: session.sessionId, n: 0, values, command: { motors: { [this.channel]: values } } });
  }
  onSessionEnd(session: AgentSession): void {
    if (this.state.get(session.agentId)?.sessionId === session.sessionId) this.state.delete(session.agentId);
  }
  onSensorFrame(frame: SensorFrame): MotorCommand | null {
    const s = this.state.get(frame.agentId);
    if (s === undefined || s.sessionId !== frame.sessionId) return null;
    s.n++;
    s.values[0] = s.n;
    s.values[1] = frame.sessionId | 0;
    return s.command;
  }
}

/** The device-side check of what NumberingController sends. */
export class MotorCheck {
  applied = 0;
  stale = 0;
  /** Date.now() of the last applied frame. */
  lastAt = 0;
  readonly notes: string[] = [];
  private readonly last = new Map<number, number>();

  /** One applied frame; `sessionId` is the device's current session. */
  apply(sessionId: number, values: ArrayLike<number>): void {
    const sid = sessionId | 0;
    const n = values[0];
    const last = this.last.get(sid) ?? 0;
    if (values[1] !== sid || n <= last) {
      this.stale++;
      if (this.notes.length < 20) this.notes.push(`frame [${n}, ${values[1]}] in session ${sid} (last ${last})`);
    } else this.last.set(sid, n);
    this.applied++;
    this.lastAt = Date.now();
  }
}
