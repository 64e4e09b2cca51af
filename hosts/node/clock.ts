/*
 * clock: the host's u32 millisecond clock (monotonic: performance.now, not wall time).
 * An optional start offset lets tests and the fleet simulator begin near the u32 wrap.
 */
export function makeClock(startMs = 0): () => number {
  const t0 = performance.now();
  return () => (Math.floor(performance.now() - t0) + startMs) >>> 0;
}
