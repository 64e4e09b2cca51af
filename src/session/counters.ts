/*
 * counters: every reconnect, drop, rejection and escalation is counted here.
 *
 * Theory of operation: counters live in one preallocated Uint32Array indexed by the constants
 * below. The order is part of the wire protocol: the status message carries the array in
 * this order (docs/protocol.md, "status"). Append new counters at the end; never reorder.
 */
export const Counter = {
  CONNECT_ATTEMPTS: 0,
  CONNECTS_OK: 1,
  SESSIONS_ACTIVE: 2,
  LINK_LOSSES: 3,
  REJECTIONS: 4,
  AUTH_FAILURES: 5,
  SENSOR_FRAMES_SENT: 6,
  SENSOR_FRAMES_DROPPED: 7,
  MOTOR_FRAMES_APPLIED: 8,
  MOTOR_DROPPED_STALE: 9,
  MOTOR_DROPPED_ORDER: 10,
  MOTOR_DROPPED_REPLAY: 11,
  MOTOR_DROPPED_MAC: 12,
  MOTOR_DROPPED_MALFORMED: 13,
  MOTOR_DROPPED_INACTIVE: 14,
  MOTOR_DEADLINE_SAFE: 15,
  MALFORMED_MESSAGES: 16,
  UNEXPECTED_MESSAGES: 17,
  HEARTBEATS_SENT: 18,
  HEARTBEAT_ACKS: 19,
  HEARTBEAT_MISSES: 20,
  DRAINS: 21,
  SERVER_DEREGISTERS: 22,
  NETWORK_RESTARTS: 23,
  REBOOT_REQUESTS: 24,
  ACTION_FAILURES: 25,
  DECODE_ERRORS: 26,
  OUTBOX_FULL: 27,
  BYTES_SENT: 28,
  BYTES_RECEIVED: 29,
  CLOCK_JUMPS_BACK: 30,
  /** Connection attempts that ended before the transport opened (not link losses: no link was up). */
  CONNECT_FAILURES: 31,
  /** Retries out of Failed after failedRetryMs (the reason stays in lastReason). */
  FAILED_RETRIES: 32,
  /** Sessions the peer ended before stableSessionMs (taken over by a duplicate id, evicted). */
  SHORT_SESSIONS: 33,
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
