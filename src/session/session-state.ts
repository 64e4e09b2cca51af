/*
 * session-state: the data each stage of the session holds, and nothing else (rustls style).
 *
 * Theory of operation: the session's current data is one of four variants, discriminated by
 * `stage` (automaton.ts `Stage`, a column of the table):
 *   - Offline    (idle, backing off, stopped, failed): no link, nothing but the phase deadline;
 *   - Attempt    (transport opening, MQTT connecting, control subscribing): nothing of its own;
 *   - Handshake  (authenticating, registering, binding): whether the brain proved the key,
 *                and what the brain granted at registration;
 *   - Live       (active, draining, deregistering): the granted values, the heartbeat,
 *                sensor and status cadences and the motor gate.
 * Each variant is allocated once and reused: entering a stage resets its variant (and carries
 * nothing over), so a reconnect allocates nothing. The link clocks (`LinkClocks`) span every
 * phase whose row allows a link, across three stages, so they are one object of their own,
 * meaningful while the link is open. Every instant is a u32 ms value (clock.ts); `shift`
 * moves them all when the clock goes back.
 */
import { addMs } from "./clock";
import { MotorGate } from "./motor-gate";
import { Stage } from "./automaton";

export class OfflineData {
  readonly stage = Stage.Offline;
  shift(_delta: number): void {}
}

export class AttemptData {
  readonly stage = Stage.Attempt;
  shift(_delta: number): void {}
}

/** Link clocks: the last byte received (silent-link watch) and sent (keep-alive ping). */
export class LinkClocks {
  lastRxMs = 0;
  lastTxMs = 0;
  /** Starts the clocks at `now` (the transport just opened). */
  openedAt(nowMs: number): void {
    this.lastRxMs = nowMs;
    this.lastTxMs = nowMs;
  }
  shift(delta: number): void {
    this.lastRxMs = addMs(this.lastRxMs, delta);
    this.lastTxMs = addMs(this.lastTxMs, delta);
  }
}

/** What the brain grants at registration (clamped to the config's bounds by the session). */
export class Grant {
  sessionId = 0;
  heartbeatIntervalMs = 0;
  motorDeadlineMs = 0;
  sensorPeriodMs = 0;
  copy(from: Grant): void {
    this.sessionId = from.sessionId;
    this.heartbeatIntervalMs = from.heartbeatIntervalMs;
    this.motorDeadlineMs = from.motorDeadlineMs;
    this.sensorPeriodMs = from.sensorPeriodMs;
  }
}

export class HandshakeData {
  readonly stage = Stage.Handshake;
  brainProven = false;
  readonly grant = new Grant();
  reset(defaults: Grant): void {
    this.brainProven = false;
    this.grant.copy(defaults);
  }
  shift(_delta: number): void {}
}

export class LiveData {
  readonly stage = Stage.Live;
  readonly grant = new Grant();
  readonly gate = new MotorGate();
  sinceMs = 0;
  heartbeatSeq = 0; // keeps counting across sessions: an ack always names one probe
  heartbeatDueMs = 0;
  heartbeatAckDeadlineMs = 0;
  heartbeatOutstanding = false;
  heartbeatMisses = 0;
  sensorDueMs = 0;
  statusDueMs = 0;
  reset(grant: Grant): void {
    this.grant.copy(grant);
    this.gate.reset();
    this.heartbeatOutstanding = false;
    this.heartbeatMisses = 0;
  }
  shift(delta: number): void {
    this.sinceMs = addMs(this.sinceMs, delta);
    this.heartbeatDueMs = addMs(this.heartbeatDueMs, delta);
    this.heartbeatAckDeadlineMs = addMs(this.heartbeatAckDeadlineMs, delta);
    this.sensorDueMs = addMs(this.sensorDueMs, delta);
    this.statusDueMs = addMs(this.statusDueMs, delta);
  }
}

export type StageData = OfflineData | AttemptData | HandshakeData | LiveData;

/** A read-only snapshot of the session for hosts, logs and status reports (filled in place). */
export class SessionStatus {
  phase = 0;
  generation = 0;
  sessionId = 0;
  lastReason = 0;
  lastCause = 0;
  /** Why the last link closed (CloseClass in session.ts): unexpected, drained, or ended by the brain. */
  closeClass = 0;
  /** Backoff exponent; network-level failures in a row; short sessions in a row. */
  attempt = 0;
  networkFailures = 0;
  shortSessions = 0;
  rttMs = 0;
  clockOffsetMs = 0;
  linkOpen = false;
}
