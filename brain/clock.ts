/*
 * brain/clock: the brain's clock domain.
 *
 * Theory of operation: brain time on the wire (registered `tb`, heartbeat-ack `tb`, motor
 * frame deadlines) is u32 milliseconds modulo 2^32 (protocol.md §Conventions). It comes from
 * `performance.now()`, which is monotonic: wall-clock steps (NTP, the user changing the time)
 * never move it, so agents' offset estimates and motor deadlines stay consistent. Internal
 * bookkeeping (liveness, rate limits) uses the un-wrapped float `nowMs()` of the same clock.
 */
import { performance } from "node:perf_hooks";

/** Monotonic milliseconds since the process started (float, never wraps). */
export function nowMs(): number {
  return performance.now();
}

/** Brain time for the wire: u32 ms modulo 2^32 (ToUint32 truncates, then reduces mod 2^32). */
export function brainTimeMs(): number {
  return performance.now() >>> 0;
}

/** a + b modulo 2^32, for deadlines in brain time. */
export function addU32(a: number, b: number): number {
  return (a + b) >>> 0;
}
