/*
 * brain/liveness: the bounds after which the brain gives up on an agent without a Last Will.
 *
 * Theory of operation: an active agent sends a heartbeat every `hb` ms (the interval the brain
 * set in `registered`). The brain allows LIVENESS_MISSED_HEARTBEATS intervals plus a grace
 * for broker and scheduling delay:
 *     bound = LIVENESS_MISSED_HEARTBEATS * hb + LIVENESS_GRACE_MS
 * measured from the last heartbeat, status or registration. A draining agent sends no
 * heartbeats: it gets the drain deadline plus the same bound to deregister. A handshake that
 * never receives its proof is dropped after HANDSHAKE_TIMEOUT_MS. These are the deadlines of
 * the session states (session/table.ts stateTimeout); the host runs the service's scan every
 * `scanPeriodMs(hb)` (never above a quarter of the heartbeat interval), so an agent is
 * declared dead at most one scan period after its bound passes.
 */

export const LIVENESS_MISSED_HEARTBEATS = 3;
export const LIVENESS_GRACE_MS = 500;
export const HANDSHAKE_TIMEOUT_MS = 15_000;
export const LIVENESS_SCAN_MS = 250;

/** Silence after which an active agent with heartbeat interval hbMs is dead, ms. */
export function livenessBoundMs(hbMs: number): number {
  return LIVENESS_MISSED_HEARTBEATS * hbMs + LIVENESS_GRACE_MS;
}

/** Time a draining agent has to deregister, from the drain: its deadline plus the liveness bound, ms. */
export function drainBoundMs(drainDeadlineMs: number, hbMs: number): number {
  return drainDeadlineMs + livenessBoundMs(hbMs);
}

/** Scan period for a heartbeat interval, ms. */
export function scanPeriodMs(hbMs: number): number {
  return Math.max(10, Math.min(LIVENESS_SCAN_MS, Math.floor(hbMs / 4)));
}
