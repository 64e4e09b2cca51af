/*
 * protocol/wire: the numbers of control messages (protocol.md §Control messages): message
 * types, reason codes, map keys, field bits, size limits, and which fields each type has.
 *
 * Theory of operation: a control message is a CBOR map with short text keys, "t" first.
 * Keys are compared as keyCode() numbers (cbor/reader.ts), never as strings. Each field has
 * one bit in `Field`; `MSG_FIELDS[t]` says which fields type t carries (others are ignored
 * as unknown keys) and `MSG_REQUIRED[t]` which of them must be present.
 * Everything here is an immutable number or a frozen table.
 */
import { Err } from "../errors";
import { keyCode } from "../codec/cbor/reader";

/** Control message types: the value of key "t". */
export const MsgType = {
  Hello: 1,
  Challenge: 2,
  Proof: 3,
  Registered: 4,
  Rejected: 5,
  Heartbeat: 6,
  HeartbeatAck: 7,
  Drain: 8,
  Deregister: 9,
  Deregistered: 10,
  Status: 11,
  StatusRequest: 12,
  Death: 13,
} as const;
/** Highest message type this version knows. */
export const MSG_TYPE_MAX = 13;

/** `rejected.r` (brain -> agent). */
export const RejectReason = {
  InvalidAuth: 1,
  InvalidRequest: 2,
  AlreadyRegistered: 3,
  UnknownAgent: 4,
  UnsupportedVersion: 5,
  Busy: 6,
} as const;

/** `drain.r` (brain -> agent). */
export const DrainReason = {
  Deploy: 1,
  Operator: 2,
} as const;

/** `deregister.r` (agent -> brain). */
export const DeregisterReason = {
  StopRequested: 1,
  Drain: 2,
  Fault: 3,
} as const;

/** `deregistered.r` (brain -> agent). */
export const DeregisteredReason = {
  Acknowledged: 1,
  Evicted: 2,
  DrainComplete: 3,
} as const;

/** The Err code for a rejected reason (unknown reasons count as an invalid request). */
export function rejectReasonError(r: number): number {
  switch (r) {
    case RejectReason.InvalidAuth:
      return Err.RejectedInvalidAuth;
    case RejectReason.AlreadyRegistered:
      return Err.RejectedAlreadyRegistered;
    case RejectReason.UnknownAgent:
      return Err.RejectedUnknownAgent;
    case RejectReason.UnsupportedVersion:
      return Err.RejectedVersion;
    case RejectReason.Busy:
      return Err.RejectedBusy;
    default:
      return Err.RejectedInvalidRequest;
  }
}

/** Bytes of an agent or brain nonce (`n`, `an`). */
export const NONCE_BYTES = 16;
/** Bytes of a proof (`p`): a whole HMAC-SHA256 tag. */
export const PROOF_BYTES = 32;
/** Longest firmware version text (`fw`), in UTF-8 bytes. */
export const MAX_FW_BYTES = 32;
/** Longest data topic (`st`, `mt`), in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 128;
/** Longest rejection message (`m`), in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 128;
/** Elements in a channel descriptor ([id, kind, et, count, hz]). */
export const CHANNEL_DESCRIPTOR_ITEMS = 5;
/** Elements in a channel label (hello `cn`: [name, unit]). */
export const CHANNEL_LABEL_ITEMS = 2;
/** Longest channel name (hello `cn`), bytes of [A-Za-z0-9_-]. */
export const MAX_CHANNEL_NAME_BYTES = 32;
/** Longest channel unit (hello `cn`), UTF-8 bytes; "" = no unit. */
export const MAX_CHANNEL_UNIT_BYTES = 16;
/** Default capacities of a ControlMessage for `ch` and `c`. */
export const DEFAULT_MAX_CHANNELS = 64;
export const DEFAULT_MAX_COUNTERS = 64;

/** One bit per field; a ControlMessage's `present` has the bits of the fields it carried. */
export const Field = {
  T: 1 << 0,
  V: 1 << 1,
  Fw: 1 << 2,
  Id: 1 << 3,
  G: 1 << 4,
  N: 1 << 5,
  Mfb: 1 << 6,
  Ch: 1 << 7,
  An: 1 << 8,
  P: 1 << 9,
  S: 1 << 10,
  St: 1 << 11,
  Mt: 1 << 12,
  Mhz: 1 << 13,
  Hb: 1 << 14,
  Md: 1 << 15,
  Tb: 1 << 16,
  R: 1 << 17,
  M: 1 << 18,
  Ra: 1 << 19,
  Ta: 1 << 20,
  Rtt: 1 << 21,
  Dl: 1 << 22,
  Ph: 1 << 23,
  Off: 1 << 24,
  C: 1 << 25,
  Lr: 1 << 26,
  Cn: 1 << 27,
} as const;

/** keyCode of each key (cbor/reader.ts), for switch statements in the decoder. */
export const Key = {
  t: keyCode("t"),
  v: keyCode("v"),
  fw: keyCode("fw"),
  id: keyCode("id"),
  g: keyCode("g"),
  n: keyCode("n"),
  mfb: keyCode("mfb"),
  ch: keyCode("ch"),
  an: keyCode("an"),
  p: keyCode("p"),
  s: keyCode("s"),
  st: keyCode("st"),
  mt: keyCode("mt"),
  mhz: keyCode("mhz"),
  hb: keyCode("hb"),
  md: keyCode("md"),
  tb: keyCode("tb"),
  r: keyCode("r"),
  m: keyCode("m"),
  ra: keyCode("ra"),
  ta: keyCode("ta"),
  rtt: keyCode("rtt"),
  dl: keyCode("dl"),
  ph: keyCode("ph"),
  off: keyCode("off"),
  c: keyCode("c"),
  lr: keyCode("lr"),
  cn: keyCode("cn"),
} as const;

const F = Field;

/** Fields each message type carries, indexed by type (0 unused). */
export const MSG_FIELDS: readonly number[] = Object.freeze([
  0,
  F.V | F.Fw | F.Id | F.G | F.N | F.Mfb | F.Ch | F.Cn, // 1 hello (cn optional)
  F.N | F.An | F.P, // 2 challenge
  F.P, // 3 proof
  F.S | F.G | F.St | F.Mt | F.Mfb | F.Mhz | F.Hb | F.Md | F.Tb, // 4 registered
  F.R | F.M | F.Ra, // 5 rejected
  F.S | F.Ta | F.Rtt, // 6 heartbeat
  F.S | F.Ta | F.Tb, // 7 heartbeat-ack
  F.R | F.Ra | F.Dl, // 8 drain
  F.R, // 9 deregister
  F.R, // 10 deregistered
  F.Ph | F.G | F.Rtt | F.Off | F.C | F.Lr, // 11 status
  0, // 12 status-request
  F.G, // 13 death
]);

/** Fields each type must carry; the rest of MSG_FIELDS[t] is optional (hello's cn, rejected's m, ra). */
export const MSG_REQUIRED: readonly number[] = Object.freeze([
  0,
  F.V | F.Fw | F.Id | F.G | F.N | F.Mfb | F.Ch,
  F.N | F.An | F.P,
  F.P,
  F.S | F.G | F.St | F.Mt | F.Mfb | F.Mhz | F.Hb | F.Md | F.Tb,
  F.R,
  F.S | F.Ta | F.Rtt,
  F.S | F.Ta | F.Tb,
  F.R | F.Ra | F.Dl,
  F.R,
  F.R,
  F.Ph | F.G | F.Rtt | F.Off | F.C | F.Lr,
  0,
  F.G,
]);

const MSG_NAMES: readonly string[] = Object.freeze([
  "?",
  "hello",
  "challenge",
  "proof",
  "registered",
  "rejected",
  "heartbeat",
  "heartbeat-ack",
  "drain",
  "deregister",
  "deregistered",
  "status",
  "status-request",
  "death",
]);

/** Name of a message type for logs ("unknown" for others). Returns an interned string. */
export function msgTypeName(t: number): string {
  return t >= 1 && t <= MSG_TYPE_MAX ? MSG_NAMES[t] : "unknown";
}
