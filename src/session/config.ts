/*
 * config: the session machine's timing knobs, their defaults and their allowed ranges.
 *
 * Theory of operation: `resolveSessionConfig` takes a partial, plain-object config (from
 * mc/config on a board, JSON on a laptop), fills defaults, and checks every field against its
 * range. It never throws: it returns the resolved config plus a list of problems, one line per
 * bad field, so the caller can report them all at once (ranges are validated when the
 * config is built; transition 1-300 s default 30 s, drain 5-600 s default 60 s).
 */

export interface SessionConfig {
  /** Bound on each handshake transition (transport open + CONNACK, deregister ack). */
  transitionTimeoutMs: number;
  /** Optional bound from hello to registered; 0 disables it. */
  registrationDeadlineMs: number;
  /** Upper bound on a server-requested drain; the server's own deadline is clamped to it. */
  drainTimeoutMs: number;
  /** Heartbeat cadence when the brain does not set one; the brain's value is clamped to the range. */
  heartbeatIntervalMs: number;
  /** The heartbeat-ack timeout is derived from RTT (srtt + 4*rttvar) and clamped to these bounds. */
  heartbeatTimeoutMinMs: number;
  heartbeatTimeoutMaxMs: number;
  /** Consecutive missed acks that declare the link dead. */
  heartbeatMissLimit: number;
  /** Half-open bound: nothing received for this long while connected means the link is dead. */
  linkSilenceMs: number;
  /** MQTT keep-alive, seconds (MQTT 3.1.1 §3.1.2.10). */
  keepAliveS: number;
  /** Reconnect backoff: full jitter over [floor, min(max, base * 2^attempt)]. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive network-level failures (session/evidence.ts) before asking the host to restart the network. */
  networkRestartAfter: number;
  /** Further network-level failures, after the network restart, before asking for a reboot. */
  rebootAfter: number;
  /** After a fatal rejection, retry this long later (full jitter over [1/10, 1] of it); 0 = never. */
  failedRetryMs: number;
  /** A session that the peer ends sooner than this after reaching active (taken over by a
   *  device with the same id, evicted) does not reset the backoff: the next delay grows. */
  stableSessionMs: number;
  /** Motor hold time when the brain does not set one: outputs go safe this long after the last valid frame. */
  motorDeadlineMs: number;
  /** Sensor frames per second requested; the brain's max rate caps it. */
  sensorRateHz: number;
  /** Periodic status/counters report while active; 0 disables it (the brain can still ask). */
  statusIntervalMs: number;
}

type Range = readonly [key: keyof SessionConfig, def: number, min: number, max: number, zeroAllowed: boolean];

/** [field, default, min, max, 0 allowed as "off"]. */
export const sessionConfigRanges: readonly Range[] = [
  ["transitionTimeoutMs", 30_000, 1_000, 300_000, false],
  ["registrationDeadlineMs", 15_000, 1_000, 300_000, true],
  ["drainTimeoutMs", 60_000, 5_000, 600_000, false],
  ["heartbeatIntervalMs", 1_000, 100, 60_000, false],
  ["heartbeatTimeoutMinMs", 250, 20, 10_000, false],
  ["heartbeatTimeoutMaxMs", 3_000, 100, 60_000, false],
  ["heartbeatMissLimit", 3, 1, 20, false],
  ["linkSilenceMs", 15_000, 1_000, 300_000, false],
  ["keepAliveS", 30, 5, 600, false],
  ["backoffBaseMs", 1_000, 10, 60_000, false],
  ["backoffMaxMs", 60_000, 100, 3_600_000, false],
  ["networkRestartAfter", 5, 1, 1_000, false],
  ["rebootAfter", 5, 1, 1_000, false],
  ["failedRetryMs", 300_000, 10_000, 86_400_000, true],
  ["stableSessionMs", 30_000, 1_000, 3_600_000, false],
  ["motorDeadlineMs", 500, 10, 60_000, false],
  ["sensorRateHz", 10, 1, 1_000, false],
  ["statusIntervalMs", 10_000, 1_000, 3_600_000, true],
];

export interface Resolved<T> {
  config: T;
  problems: string[];
}

/** Fills defaults and checks ranges. Problems are "field: reason" lines; empty when valid. */
export function resolveSessionConfig(input: Partial<SessionConfig> | undefined): Resolved<SessionConfig> {
  const src = (input ?? {}) as Record<string, unknown>;
  const out = {} as Record<string, number>;
  const problems: string[] = [];
  for (const [key, def, min, max, zeroAllowed] of sessionConfigRanges) {
    const v = src[key];
    if (v === undefined) {
      out[key] = def;
      continue;
    }
    if (typeof v !== "number" || !Number.isFinite(v) || Math.floor(v) !== v) {
      problems.push(`${key}: must be a whole number (got ${String(v)})`);
      out[key] = def;
    } else if (!(zeroAllowed && v === 0) && (v < min || v > max)) {
      problems.push(`${key}: ${v} is outside ${min}..${max}${zeroAllowed ? " (or 0 for off)" : ""}`);
      out[key] = def;
    } else out[key] = v;
  }
  const config = out as unknown as SessionConfig;
  if (config.heartbeatTimeoutMinMs > config.heartbeatTimeoutMaxMs)
    problems.push(`heartbeatTimeoutMinMs: ${config.heartbeatTimeoutMinMs} exceeds heartbeatTimeoutMaxMs ${config.heartbeatTimeoutMaxMs}`);
  if (config.backoffBaseMs > config.backoffMaxMs)
    problems.push(`backoffBaseMs: ${config.backoffBaseMs} exceeds backoffMaxMs ${config.backoffMaxMs}`);
  if (config.linkSilenceMs < 2 * config.heartbeatIntervalMs)
    problems.push(`linkSilenceMs: ${config.linkSilenceMs} must be at least twice heartbeatIntervalMs ${config.heartbeatIntervalMs}`);
  for (const key of Object.keys(src))
    if (!sessionConfigRanges.some((r) => r[0] === key)) problems.push(`${key}: unknown session setting`);
  return { config, problems };
}
