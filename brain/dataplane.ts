/*
 * brain/dataplane: the hot path, sensor frame in -> controller -> signed motor frame out.
 *
 * Theory of operation: per frame, with no per-frame setup beyond what cbor-x allocates:
 *   1. the agent's record and session (a frame without a session gets the agent evicted,
 *      rate-limited, so it registers again: e.g. after a brain restart);
 *   2. size check against the negotiated max frame bytes, cbor-x decode and channel check
 *      (sensor.ts) into the session's reused context; failures are dropped and counted;
 *   3. sequence-gap accounting (frames the agent sent that never arrived: lostFrames);
 *   4. controller.onSensorFrame(ctx); a thrown error or a command that does not fit the
 *      declared motor channels is counted (motorErrors) and logged a few times per session;
 *   5. motor.ts encodes [seq, deadline, entries..., mac] with the next motor seq and deadline
 *      = brain time + (ttlMs ?? the session's motor deadline), auth.ts signs it, and it is
 *      published on the session's motor topic at QoS 0.
 * "sensor" and "motor" events are emitted only when someone listens.
 */
import { Err } from "../src/errors";
import { brainTimeMs } from "./clock";
import type { BrainCore } from "./core";
import type { MotorCommand } from "./motor";
import { MotorEncoder } from "./motor";
import type { AgentRecord, Session } from "./record";
import { SensorDecoder } from "./sensor";

/** Sequence gaps at least this large are a restart of the agent's counter, not lost frames. */
const SEQ_GAP_MAX = 0x10000;

function isThenable(v: unknown): v is PromiseLike<MotorCommand | null> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

export class DataPlane {
  private readonly sensors = new SensorDecoder();
  private readonly motors = new MotorEncoder();

  constructor(private readonly core: BrainCore) {}

  /** One message from an agent's sensor topic. */
  onSensorFrame(agentId: string, payload: Uint8Array): void {
    const core = this.core;
    const r = core.records.get(agentId);
    const s = r === undefined ? null : r.session;
    if (s === null) {
      if (r !== undefined) r.drops++;
      core.evict(agentId, "sensor frame without a session");
      return;
    }
    const rec = r!;
    if (payload.length > s.limits.maxFrameBytes) return this.drop(rec, Err.FRAME_TOO_LARGE);
    const ctx = s.ctx;
    const dec = this.sensors;
    const e = dec.decode(payload, s.declared, ctx.channels);
    if (e !== 0) return this.drop(rec, e);
    const seq = dec.seq;
    if (s.haveSensorSeq) {
      const gap = (seq - s.sensorSeq - 1) >>> 0;
      if (gap !== 0 && gap < SEQ_GAP_MAX) rec.lostFrames += gap;
    }
    s.sensorSeq = seq;
    s.haveSensorSeq = true;
    rec.framesIn++;
    if (rec.phase === "registered") core.setPhase(rec, "active");
    ctx.seq = seq;
    ctx.agentTimeMs = dec.time;
    ctx.brainTimeMs = brainTimeMs();
    if (core.host.listening("sensor")) core.host.emit("sensor", ctx);
    let cmd: MotorCommand | null | PromiseLike<MotorCommand | null>;
    try {
      cmd = core.controller.onSensorFrame(ctx);
    } catch (err) {
      core.motorProblem(rec, `controller threw: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    if (cmd === null || cmd === undefined) return;
    if (isThenable(cmd)) {
      cmd.then(
        (c) => {
          if (c !== null && c !== undefined && rec.session === s) this.sendMotor(rec, s, c);
        },
        (err) => core.motorProblem(rec, `controller failed: ${(err as Error)?.message ?? String(err)}`),
      );
      return;
    }
    this.sendMotor(rec, s, cmd);
  }

  /** Encodes, signs and publishes one motor frame for the session. */
  sendMotor(r: AgentRecord, s: Session, cmd: MotorCommand): void {
    const core = this.core;
    const seq = (s.motorSeq + 1) >>> 0;
    const ttl = cmd.ttlMs ?? s.limits.motorDeadlineMs;
    const deadline = (brainTimeMs() + ttl) >>> 0;
    const frame = this.motors.encode(cmd, seq, deadline, s.declared, s.signer);
    if (typeof frame === "string") return core.motorProblem(r, frame);
    if (frame.length > s.limits.maxFrameBytes) return core.motorProblem(r, `motor frame of ${frame.length} bytes exceeds the negotiated ${s.limits.maxFrameBytes}`);
    s.motorSeq = seq;
    core.host.publish(s.motorTopic, frame, 0);
    r.framesOut++;
    if (core.host.listening("motor")) core.host.emit("motor", { agentId: r.id, sessionId: s.sessionId, seq, deadline, frame });
  }

  private drop(r: AgentRecord, reason: number): void {
    r.drops++;
    r.lastDropReason = reason;
  }
}
