/*
 * backoff: reconnect delays, from an injected random source.
 *
 * Theory of operation (docs/architecture.md, "Reconnecting"): failures before a session reaches active
 * escalate `attempt`; reaching active resets it. The delay for an attempt is full jitter,
 * uniform in [floor, ceiling] with ceiling = min(max, base * 2^attempt) and floor = base / 10
 * (so a fleet never reconnects in a zero-delay loop). A drain's retry-after hint replaces the
 * exponential ceiling: the delay is uniform in [retryAfter, 2 * retryAfter], capped at max, so
 * nobody comes back before the hint and a fleet spreads out over one more hint-length.
 * `random01` is a number in [0, 1) supplied by the caller from the host's entropy.
 */

/** Ceiling of the exponential window for an attempt (0-based), in ms. */
export function backoffCeilingMs(attempt: number, baseMs: number, maxMs: number): number {
  let c = baseMs;
  for (let i = 0; i < attempt && c < maxMs; i++) c *= 2;
  return c < maxMs ? c : maxMs;
}

/** Full-jitter delay for a failed attempt, in [base/10, ceiling]. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random01: number): number {
  const ceiling = backoffCeilingMs(attempt, baseMs, maxMs);
  const floor = Math.floor(baseMs / 10);
  return floor + Math.floor(random01 * (ceiling - floor + 1));
}

/** Delay honouring a drain's retry-after hint, in [hint, min(2*hint, max)] (hint itself capped at max). */
export function drainDelayMs(retryAfterMs: number, maxMs: number, random01: number): number {
  const lo = retryAfterMs < maxMs ? retryAfterMs : maxMs;
  const hi = 2 * lo < maxMs ? 2 * lo : maxMs;
  return lo + Math.floor(random01 * (hi - lo + 1));
}
