/*
 * brain/liveness: when the brain declares an agent dead without a Last Will.
 *
 * Theory of operation: an active agent sends a heartbeat every `hb` ms (the interval the brain
 * set in `registered`). The brain allows LIVENESS_MISSED_HEARTBEATS intervals plus a grace
 * for broker and scheduling delay:
 *     bound = LIVENESS_MISSED_HEARTBEATS * hb + LIVENESS_GRACE_MS
 * measured from the last heartbeat, status or registration. A draining agent sends no
 * heartbeats: it gets the drain deadline plus the same bound to deregister. A handshake that
 * never receives its proof is dropped after HANDSHAKE_TIMEOUT_MS. `scanLiveness` runs from a
 * timer every LIVENESS_SCAN_MS (never above a quarter of the heartbeat interval), so an
 * agent is declared dead at most one scan period after its bound passes.
 */
import type { BrainCore } from "./core";

export const LIVENESS_MISSED_HEARTBEATS = 3;
export const LIVENESS_GRACE_MS = 500;
export const HANDSHAKE_TIMEOUT_MS = 15_000;
export const LIVENESS_SCAN_MS = 250;

/** Silence after which an active agent with heartbeat interval hbMs is dead, ms. */
export function livenessBoundMs(hbMs: number): number {
  return LIVENESS_MISSED_HEARTBEATS * hbMs + LIVENESS_GRACE_MS;
}

/** Scan period for a heartbeat interval, ms. */
export function scanPeriodMs(hbMs: number): number {
  return Math.max(10, Math.min(LIVENESS_SCAN_MS, Math.floor(hbMs / 4)));
}

/** Declares dead every agent whose bound passed at brain clock nowMs. */
export function scanLiveness(core: BrainCore, nowMs: number): void {
  for (const r of core.records.values()) {
    switch (r.phase) {
      case "authenticating":
        if (r.handshake !== null && nowMs - r.handshake.startedAtMs > HANDSHAKE_TIMEOUT_MS)
          core.declareDead(r, `no proof within ${HANDSHAKE_TIMEOUT_MS} ms of the challenge`);
        break;
      case "registered":
      case "active": {
        const s = r.session;
        if (s === null) break;
        const bound = livenessBoundMs(s.limits.heartbeatMs);
        const silent = nowMs - r.lastHeardMs;
        if (silent > bound) core.declareDead(r, `no heartbeat for ${Math.round(silent)} ms (bound ${bound} ms)`);
        break;
      }
      case "draining": {
        const hb = r.session?.limits.heartbeatMs ?? core.limits.heartbeatMs;
        const bound = r.drainDeadlineMs + livenessBoundMs(hb);
        if (nowMs - r.drainStartedMs > bound) core.declareDead(r, `drain not completed within ${bound} ms`);
        break;
      }
    }
  }
}
