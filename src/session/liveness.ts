/*
 * liveness: round-trip time, clock offset and heartbeat timeouts, from heartbeat acks.
 *
 * Theory of operation (docs/protocol.md, heartbeat and heartbeat-ack): each heartbeat carries the agent's
 * u32 send time `ta`; the ack echoes it and adds the brain's time `tb`. On receipt at `now`:
 *   rtt    = now - ta                          (u32 difference, wrap-safe)
 *   offset = tb + rtt/2 - now                  (signed: brain clock minus agent clock)
 * RTT is smoothed as in TCP (RFC 6298: srtt, rttvar with gains 1/8 and 1/4), and the ack
 * timeout is srtt + 4*rttvar clamped to [minMs, maxMs]. The offset follows the sample with the
 * smallest RTT seen in the current window of 8 samples, because the least-delayed exchange
 * has the least asymmetric error; between windows the previous best is kept.
 */
import { diffMs } from "./clock";

export class Liveness {
  srttMs = 0;
  rttVarMs = 0;
  lastRttMs = 0;
  /** Brain time minus agent time, ms (signed). Valid once `synced`. */
  offsetMs = 0;
  synced = false;
  private windowBestRtt = 0;
  private windowBestOffset = 0;
  private windowCount = 0;
  private adoptedRtt = 0;

  constructor(private readonly minTimeoutMs: number, private readonly maxTimeoutMs: number) {}

  /** Forget everything (a new session). */
  reset(): void {
    this.srttMs = 0;
    this.rttVarMs = 0;
    this.lastRttMs = 0;
    this.offsetMs = 0;
    this.synced = false;
    this.windowCount = 0;
  }

  /** Takes one ack. Returns the RTT sample in ms, or -1 when the echo is from the future (ignored). */
  onAck(nowMs: number, agentSentMs: number, brainMs: number): number {
    const rtt = diffMs(nowMs, agentSentMs);
    if (rtt < 0) return -1;
    this.lastRttMs = rtt;
    if (!this.synced) {
      this.srttMs = rtt; // RFC 6298 §2.2: first measurement
      this.rttVarMs = rtt / 2;
    } else {
      const err = rtt - this.srttMs; // RFC 6298 §2.3
      this.rttVarMs += ((err < 0 ? -err : err) - this.rttVarMs) / 4;
      this.srttMs += err / 8;
    }
    const offset = diffMs((brainMs + (rtt >>> 1)) >>> 0, nowMs);
    if (this.windowCount === 0 || rtt <= this.windowBestRtt) {
      this.windowBestRtt = rtt;
      this.windowBestOffset = offset;
      // Adopt a new best at once; a window's first sample only replaces an older best when
      // it is at least as good, so a single delayed ack cannot drag the offset.
      if (!this.synced || this.windowCount > 0 || rtt <= this.adoptedRtt) {
        this.offsetMs = offset;
        this.adoptedRtt = rtt;
      }
    }
    this.synced = true;
    if (++this.windowCount === 8) {
      this.offsetMs = this.windowBestOffset; // end of window: the window's best wins
      this.adoptedRtt = this.windowBestRtt;
      this.windowCount = 0;
    }
    return rtt;
  }

  /** Ack timeout derived from RTT, clamped to the configured bounds. */
  ackTimeoutMs(): number {
    if (!this.synced) return this.maxTimeoutMs;
    const t = Math.ceil(this.srttMs + 4 * this.rttVarMs);
    return t < this.minTimeoutMs ? this.minTimeoutMs : t > this.maxTimeoutMs ? this.maxTimeoutMs : t;
  }

  /** Agent time -> brain time (u32). */
  toBrainMs(agentMs: number): number {
    return (agentMs + this.offsetMs) >>> 0;
  }

  /** Brain time -> agent time (u32). */
  toAgentMs(brainMs: number): number {
    return (brainMs - this.offsetMs) >>> 0;
  }
}
