/*
 * counters: every reconnect, drop, rejection and escalation is counted here.
 *
 * Theory of operation: counters live in one preallocated array of numbers indexed by the
 * constants below (Session.counts; numbers rather than a Uint32Array because on XS an array
 * element costs about half a typed array's, and the steady state counts four things a tick).
 * Readers get them as u32s, each wrapping at 2^32, from Session.counters (a snapshot). The
 * order is part of the wire protocol: the status message carries the array in this order
 * (docs/protocol.md, "status"). Append new counters at the end; never reorder.
 */
export const Counter = {
  ConnectAttempts: 0,
  ConnectsOk: 1,
  SessionsActive: 2,
  LinkLosses: 3,
  Rejections: 4,
  AuthFailures: 5,
  SensorFramesSent: 6,
  SensorFramesDropped: 7,
  MotorFramesApplied: 8,
  MotorDroppedStale: 9,
  MotorDroppedOrder: 10,
  MotorDroppedReplay: 11,
  MotorDroppedMac: 12,
  MotorDroppedMalformed: 13,
  MotorDroppedInactive: 14,
  MotorDeadlineSafe: 15,
  MalformedMessages: 16,
  UnexpectedMessages: 17,
  HeartbeatsSent: 18,
  HeartbeatAcks: 19,
  HeartbeatMisses: 20,
  Drains: 21,
  ServerDeregisters: 22,
  NetworkRestarts: 23,
  RebootRequests: 24,
  ActionFailures: 25,
  DecodeErrors: 26,
  OutboxFull: 27,
  BytesSent: 28,
  BytesReceived: 29,
  ClockJumpsBack: 30,
  /** Connection attempts that ended before the transport opened (not link losses: no link was up). */
  ConnectFailures: 31,
  /** Retries out of Failed after failedRetryMs (the reason stays in lastReason). */
  FailedRetries: 32,
  /** Sessions the peer ended before stableSessionMs (taken over by a duplicate id, evicted). */
  ShortSessions: 33,
} as const;

export const COUNTER_COUNT = 34;

export const counterNames: readonly string[] = [
  "connectAttempts", "connectsOk", "sessionsActive", "linkLosses", "rejections", "authFailures",
  "sensorFramesSent", "sensorFramesDropped", "motorFramesApplied", "motorDroppedStale",
  "motorDroppedOrder", "motorDroppedReplay", "motorDroppedMac", "motorDroppedMalformed",
  "motorDroppedInactive", "motorDeadlineSafe", "malformedMessages", "unexpectedMessages",
  "heartbeatsSent", "heartbeatAcks", "heartbeatMisses", "drains", "serverDeregisters",
  "networkRestarts", "rebootRequests", "actionFailures", "decodeErrors", "outboxFull",
  "bytesSent", "bytesReceived", "clockJumpsBack", "connectFailures", "failedRetries", "shortSessions",
];
