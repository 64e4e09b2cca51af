/*
 * motor-gate: decides whether a decoded, MAC-checked motor frame may drive the outputs.
 *
 * Theory of operation (docs/architecture.md, "Motor safety"): a frame is applied only when
 *   - its MAC verified (checked by the caller before `admit`; a bad MAC never reaches here),
 *   - its sequence number is newer than the last applied one in this session (serial
 *     arithmetic: equal = replay, older = out of order),
 *   - its deadline, converted from brain time to agent time with the learned clock offset, has
 *     not passed.
 * An applied frame holds the outputs until min(frame deadline, arrival + hold time)
 * (`holding`, `expiresAtMs`); when that instant passes with no newer valid frame, the
 * session's tick sends the outputs safe and `release()`s the gate, so it happens once.
 * `reset()` at every new session forgets the sequence (the new session key makes old frames
 * fail their MAC anyway).
 */
import { Err } from "../errors";

export class MotorGate {
  private lastSeq = 0;
  private haveSeq = false;
  /** Agent-time instant when the outputs must go safe; meaningful while `holding`. */
  expiresAtMs = 0;
  holding = false;

  reset(): void {
    this.haveSeq = false;
    this.holding = false;
  }

  /**
   * Returns 0 when the frame may be applied (and records it), or FRAME_REPLAYED,
   * FRAME_OUT_OF_ORDER or FRAME_STALE.
   */
  admit(nowMs: number, seq: number, frameDeadlineMs: number, motorDeadlineMs: number): number {
    // once per motor frame: seqAfter(a, b) and reached(now, t) of clock.ts written out, as
    // ((a - b) | 0) > 0 and ((now - t) | 0) >= 0, since an XS call costs more than the arithmetic
    if (this.haveSeq) {
      if (seq === this.lastSeq) return Err.FrameReplayed;
      if (((seq - this.lastSeq) | 0) <= 0) return Err.FrameOutOfOrder;
    }
    if (((nowMs - frameDeadlineMs) | 0) >= 0) return Err.FrameStale;
    this.lastSeq = seq;
    this.haveSeq = true;
    const holdUntil = (nowMs + motorDeadlineMs) >>> 0;
    this.expiresAtMs = ((holdUntil - frameDeadlineMs) | 0) >= 0 ? frameDeadlineMs : holdUntil;
    this.holding = true;
    return 0;
  }

  /** Stops holding (the caller sets the outputs safe). */
  release(): void {
    this.holding = false;
  }
}
