/*
 * brain/live/plain-words: what the clock offset and a rate cap mean, in one sentence each.
 *
 * Theory of operation: pure functions from status numbers to text, shared by the built-in page
 * (which embeds these very functions' source, so they must stay self-contained: no imports
 * used at run time, no closures), the CLI and the start tool's status line. The clock offset is the device clock minus the brain
 * clock: the device counts from its own boot, so the number itself is arbitrary and only its
 * drift matters; frames carry brain time because the device subtracts it. A rate cap is when
 * a device's channels ask for a faster sensor rate than the brain grants at registration.
 */
import type { AgentStatus } from "../status";

/** "clock offset 27787 ms = device clock minus brain clock (arbitrary: the device counts from its own boot)". */
export function explainClockOffset(offsetMs: number | null): string {
  if (offsetMs === null) return "clock offset not known yet (the device reports it in its first status)";
  return `clock offset ${offsetMs} ms = device clock minus brain clock (arbitrary: the device counts from its own boot; frames are stamped in brain time)`;
}

/** The fastest sensor rate the device's channels ask for, Hz (0 = none stated). */
export function requestedSensorHz(a: Pick<AgentStatus, "channels">): number {
  let hz = 0;
  for (const c of a.channels) if (c.kind === "sensor" && c.rateHz > hz) hz = c.rateHz;
  return hz;
}

/** "the brain caps the sensor rate: the device asks for 100 Hz, the brain allows 50 Hz", or null. */
export function explainRateCap(a: Pick<AgentStatus, "channels" | "limits">): string | null {
  if (a.limits === null) return null;
  const asked = requestedSensorHz(a);
  if (asked <= a.limits.maxSensorHz) return null;
  return `the brain caps the sensor rate: the device asks for ${asked} Hz, the brain allows ${a.limits.maxSensorHz} Hz`;
}
