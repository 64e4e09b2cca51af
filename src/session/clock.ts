/*
 * clock: u32 millisecond arithmetic that stays correct across the wrap.
 *
 * Theory of operation: device clocks (Moddable `Time.ticks`) are u32 milliseconds and wrap
 * after about 49.7 days. Every timestamp in brainstem is kept modulo 2^32 and every timing
 * decision compares *differences*, interpreted as signed 32-bit values (RFC 1982 serial
 * arithmetic). That is exact as long as the two instants are less than 2^31 ms (24.8 days)
 * apart, which every timer here is by a wide margin (the largest is the 60 s backoff cap).
 */

/** Reduces any number to u32 milliseconds. */
export function u32(ms: number): number {
  return ms >>> 0;
}

/** a + deltaMs, modulo 2^32. */
export function addMs(a: number, deltaMs: number): number {
  return (a + deltaMs) >>> 0;
}

/** Signed difference a - b in ms, correct across the wrap. */
export function diffMs(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when instant a is at or after instant b. */
export function reached(now: number, deadline: number): boolean {
  return ((now - deadline) | 0) >= 0;
}

/** The earlier of two instants, relative to now (both assumed within 2^31 ms of now). */
export function earlier(now: number, a: number, b: number): number {
  return ((a - now) | 0) <= ((b - now) | 0) ? a : b;
}

/** Serial-number comparison for u32 sequence numbers: true when a is newer than b. */
export function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
