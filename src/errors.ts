/*
 * errors: the one table of error codes in brainstem.
 *
 * Theory of operation: every fallible function in src/ returns a number. A value >= 0 is a
 * result (an offset, a length, a packet type); a negative value is one of the codes below.
 * Codes are split into two kinds:
 *   - local:  misuse by the caller or a bad config (a bug or a setup problem on this side);
 *   - remote: something the peer or the wire did (garbage, truncation, a bad signature).
 * "Need more bytes" is NOT an error: streaming decoders report it as the result 0 (NEED_MORE).
 * Code numbers are stable: they travel in status reports and logs. Never renumber; append.
 * Nothing here allocates; `errorName`/`errorText` return interned strings.
 */

/** Streaming decoders return this when the input ends before a whole item. Not an error. */
export const NEED_MORE = 0;

export const Err = {
  // ---- local: misuse or configuration (-1 .. -49) ----
  BUFFER_TOO_SMALL: -1,
  VALUE_RANGE: -2,
  CONFIG_INVALID: -3,
  WRONG_PHASE: -4,
  QUEUE_FULL: -5,
  CHANNEL_UNKNOWN: -6,
  TOPIC_TOO_LONG: -7,
  UNDEFINED_TRANSITION: -8,
  ACTION_FAILED: -9,
  // ---- remote: MQTT wire (-50 .. -79) ----
  MQTT_BAD_LENGTH: -50,
  MQTT_TOO_LARGE: -51,
  MQTT_BAD_TYPE: -52,
  MQTT_BAD_FLAGS: -53,
  MQTT_MALFORMED: -54,
  MQTT_BAD_UTF8: -55,
  MQTT_BAD_PROTOCOL: -56,
  MQTT_CONNACK_REFUSED: -57,
  MQTT_SUBACK_FAILED: -58,
  MQTT_WRONG_DIRECTION: -59,
  MQTT_LENGTH_MISMATCH: -60,
  MQTT_CONNACK_NOT_FIRST: -61,
  MQTT_CONNACK_REPEATED: -62,
  MQTT_BAD_CONNACK: -63,
  MQTT_SESSION_PRESENT: -64,
  MQTT_ZERO_PACKET_ID: -65,
  MQTT_BAD_SUBACK_CODE: -66,
  MQTT_SUBACK_COUNT: -67,
  MQTT_UNSOLICITED_ACK: -68,
  MQTT_BAD_TOPIC_NAME: -69,
  MQTT_QOS_NOT_REQUESTED: -70,
  // ---- remote: CBOR (-80 .. -99) ----
  CBOR_TRUNCATED: -80,
  CBOR_UNSUPPORTED: -81,
  CBOR_TYPE: -82,
  CBOR_TOO_DEEP: -83,
  CBOR_TRAILING: -84,
  CBOR_BAD_TYPED_ARRAY: -85,
  // ---- remote: frames (-100 .. -119) ----
  FRAME_SHAPE: -100,
  FRAME_CHANNEL: -101,
  FRAME_TOO_LARGE: -102,
  FRAME_BAD_MAC: -103,
  FRAME_STALE: -104,
  FRAME_OUT_OF_ORDER: -105,
  FRAME_REPLAYED: -106,
  // ---- remote: control messages and session (-120 .. -149) ----
  MSG_UNKNOWN_TYPE: -120,
  MSG_BAD_FIELD: -121,
  MSG_MISSING_FIELD: -122,
  AUTH_BAD_PROOF: -123,
  AUTH_REPLAYED: -124,
  REG_MISSING_ENDPOINT: -125,
  REJECTED_INVALID_AUTH: -126,
  REJECTED_INVALID_REQUEST: -127,
  REJECTED_ALREADY_REGISTERED: -128,
  REJECTED_UNKNOWN_AGENT: -129,
  REJECTED_VERSION: -130,
  REJECTED_BUSY: -131,
  TIMEOUT_CONNECT: -132,
  TIMEOUT_REGISTRATION: -133,
  TIMEOUT_HEARTBEAT: -134,
  TIMEOUT_SILENT_LINK: -135,
  TRANSPORT_CLOSED: -136,
  TRANSPORT_ERROR: -137,
  // ---- remote: reaching the broker (-150 .. -169). Hosts map their socket and network
  // errors to these; the session's escalation depends on the class (session/evidence.ts). ----
  NET_DOWN: -150,
  NET_DNS: -151,
  NET_UNREACHABLE: -152,
  NET_CONNECT_TIMEOUT: -153,
  PEER_REFUSED: -154,
  PEER_RESET: -155,
} as const;
export type ErrCode = (typeof Err)[keyof typeof Err];

export const ErrKind = { local: 0, remote: 1 } as const;

/** [code, name, kind, one-line description]. The single source of truth for docs and logs. */
export const errorTable: ReadonlyArray<readonly [number, string, number, string]> = [
  [Err.BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", ErrKind.local, "destination buffer too small for the encoding"],
  [Err.VALUE_RANGE, "VALUE_RANGE", ErrKind.local, "a field value is outside the range its encoding allows"],
  [Err.CONFIG_INVALID, "CONFIG_INVALID", ErrKind.local, "configuration failed validation"],
  [Err.WRONG_PHASE, "WRONG_PHASE", ErrKind.local, "the call is not valid in the session's current phase"],
  [Err.QUEUE_FULL, "QUEUE_FULL", ErrKind.local, "a bounded queue is full; the item was not accepted"],
  [Err.CHANNEL_UNKNOWN, "CHANNEL_UNKNOWN", ErrKind.local, "channel id not in the channel table, or wrong element type/count"],
  [Err.TOPIC_TOO_LONG, "TOPIC_TOO_LONG", ErrKind.local, "a topic does not fit its preallocated buffer"],
  [Err.UNDEFINED_TRANSITION, "UNDEFINED_TRANSITION", ErrKind.local, "no transition is defined for this (phase, event) pair"],
  [Err.ACTION_FAILED, "ACTION_FAILED", ErrKind.local, "the host reported that carrying out an action failed"],
  [Err.MQTT_BAD_LENGTH, "MQTT_BAD_LENGTH", ErrKind.remote, "remaining length uses more than 4 bytes (MQTT 3.1.1 §2.2.3)"],
  [Err.MQTT_TOO_LARGE, "MQTT_TOO_LARGE", ErrKind.remote, "packet larger than the configured maximum packet size"],
  [Err.MQTT_BAD_TYPE, "MQTT_BAD_TYPE", ErrKind.remote, "packet type 0 or 15, which MQTT 3.1.1 reserves (§2.2.1)"],
  [Err.MQTT_BAD_FLAGS, "MQTT_BAD_FLAGS", ErrKind.remote, "fixed-header flags invalid for the packet type (MQTT 3.1.1 §2.2.2)"],
  [Err.MQTT_MALFORMED, "MQTT_MALFORMED", ErrKind.remote, "packet fields disagree with the remaining length or with the spec"],
  [Err.MQTT_BAD_UTF8, "MQTT_BAD_UTF8", ErrKind.remote, "a UTF-8 string field is ill-formed (MQTT 3.1.1 §1.5.3)"],
  [Err.MQTT_BAD_PROTOCOL, "MQTT_BAD_PROTOCOL", ErrKind.remote, "protocol name or level is not MQTT 3.1.1"],
  [Err.MQTT_CONNACK_REFUSED, "MQTT_CONNACK_REFUSED", ErrKind.remote, "the broker refused the connection (CONNACK return code != 0)"],
  [Err.MQTT_SUBACK_FAILED, "MQTT_SUBACK_FAILED", ErrKind.remote, "the broker refused a subscription (SUBACK 0x80)"],
  [Err.MQTT_WRONG_DIRECTION, "MQTT_WRONG_DIRECTION", ErrKind.remote, "packet type never sent in this direction, e.g. CONNECT, SUBSCRIBE or PINGREQ from a server (§2.2.1)"],
  [Err.MQTT_LENGTH_MISMATCH, "MQTT_LENGTH_MISMATCH", ErrKind.remote, "remaining length is not the size the packet type fixes, or bytes trail its last field"],
  [Err.MQTT_CONNACK_NOT_FIRST, "MQTT_CONNACK_NOT_FIRST", ErrKind.remote, "the server sent another packet before CONNACK (MQTT-3.2.0-1)"],
  [Err.MQTT_CONNACK_REPEATED, "MQTT_CONNACK_REPEATED", ErrKind.remote, "the server sent a second CONNACK on one connection (§3.2)"],
  [Err.MQTT_BAD_CONNACK, "MQTT_BAD_CONNACK", ErrKind.remote, "CONNACK with reserved acknowledge flags, a reserved return code, or session present with a refusal (§3.2.2)"],
  [Err.MQTT_SESSION_PRESENT, "MQTT_SESSION_PRESENT", ErrKind.remote, "CONNACK says session present although the client asked for a clean session (MQTT-3.2.2-1)"],
  [Err.MQTT_ZERO_PACKET_ID, "MQTT_ZERO_PACKET_ID", ErrKind.remote, "packet identifier 0 where a non-zero one is required (MQTT-2.3.1-1)"],
  [Err.MQTT_BAD_SUBACK_CODE, "MQTT_BAD_SUBACK_CODE", ErrKind.remote, "SUBACK return code other than 0x00, 0x01, 0x02 or 0x80 (MQTT-3.9.3-2)"],
  [Err.MQTT_SUBACK_COUNT, "MQTT_SUBACK_COUNT", ErrKind.remote, "SUBACK return codes do not match the SUBSCRIBE's topic filters one to one (MQTT-3.8.4-5)"],
  [Err.MQTT_UNSOLICITED_ACK, "MQTT_UNSOLICITED_ACK", ErrKind.remote, "acknowledgement of a packet identifier (or PINGREQ) this client has not sent, or that is already acknowledged"],
  [Err.MQTT_BAD_TOPIC_NAME, "MQTT_BAD_TOPIC_NAME", ErrKind.remote, "PUBLISH topic name empty or holding a wildcard '+' or '#' (MQTT-4.7.3-1, MQTT-3.3.2-2)"],
  [Err.MQTT_QOS_NOT_REQUESTED, "MQTT_QOS_NOT_REQUESTED", ErrKind.remote, "PUBLISH at a QoS above every QoS this client subscribed with (MQTT-3.8.4-6)"],
  [Err.CBOR_TRUNCATED, "CBOR_TRUNCATED", ErrKind.remote, "CBOR item runs past the end of the input"],
  [Err.CBOR_UNSUPPORTED, "CBOR_UNSUPPORTED", ErrKind.remote, "CBOR item outside the brainstem subset (indefinite length, simple, float16, unknown tag)"],
  [Err.CBOR_TYPE, "CBOR_TYPE", ErrKind.remote, "CBOR item has a different major type than expected"],
  [Err.CBOR_TOO_DEEP, "CBOR_TOO_DEEP", ErrKind.remote, "CBOR nesting deeper than the reader allows"],
  [Err.CBOR_TRAILING, "CBOR_TRAILING", ErrKind.remote, "bytes left over after the top-level CBOR item"],
  [Err.CBOR_BAD_TYPED_ARRAY, "CBOR_BAD_TYPED_ARRAY", ErrKind.remote, "typed-array tag content is not a byte string of a whole number of elements"],
  [Err.FRAME_SHAPE, "FRAME_SHAPE", ErrKind.remote, "frame is not [seq, time, (channel, typed array)*, ...] as specified"],
  [Err.FRAME_CHANNEL, "FRAME_CHANNEL", ErrKind.remote, "frame names an unknown channel or the wrong element type or count"],
  [Err.FRAME_TOO_LARGE, "FRAME_TOO_LARGE", ErrKind.remote, "frame larger than the negotiated maximum frame size"],
  [Err.FRAME_BAD_MAC, "FRAME_BAD_MAC", ErrKind.remote, "motor frame MAC does not verify"],
  [Err.FRAME_STALE, "FRAME_STALE", ErrKind.remote, "motor frame arrived after its deadline"],
  [Err.FRAME_OUT_OF_ORDER, "FRAME_OUT_OF_ORDER", ErrKind.remote, "motor frame sequence number is older than the last applied one"],
  [Err.FRAME_REPLAYED, "FRAME_REPLAYED", ErrKind.remote, "motor frame sequence number equals the last applied one"],
  [Err.MSG_UNKNOWN_TYPE, "MSG_UNKNOWN_TYPE", ErrKind.remote, "control message type is unknown"],
  [Err.MSG_BAD_FIELD, "MSG_BAD_FIELD", ErrKind.remote, "control message field has the wrong type or range"],
  [Err.MSG_MISSING_FIELD, "MSG_MISSING_FIELD", ErrKind.remote, "control message lacks a required field"],
  [Err.AUTH_BAD_PROOF, "AUTH_BAD_PROOF", ErrKind.remote, "the brain's proof does not verify: not our brain, or a wrong key"],
  [Err.AUTH_REPLAYED, "AUTH_REPLAYED", ErrKind.remote, "challenge does not answer our current nonce (replayed or stale)"],
  [Err.REG_MISSING_ENDPOINT, "REG_MISSING_ENDPOINT", ErrKind.remote, "registered message lacks a data endpoint (sensor or motor topic)"],
  [Err.REJECTED_INVALID_AUTH, "REJECTED_INVALID_AUTH", ErrKind.remote, "brain rejected our proof: the device key is wrong"],
  [Err.REJECTED_INVALID_REQUEST, "REJECTED_INVALID_REQUEST", ErrKind.remote, "brain rejected the hello as invalid (capabilities, limits)"],
  [Err.REJECTED_ALREADY_REGISTERED, "REJECTED_ALREADY_REGISTERED", ErrKind.remote, "brain still holds a live session for this agent"],
  [Err.REJECTED_UNKNOWN_AGENT, "REJECTED_UNKNOWN_AGENT", ErrKind.remote, "brain has no key for this agent id"],
  [Err.REJECTED_VERSION, "REJECTED_VERSION", ErrKind.remote, "brain does not speak this protocol version"],
  [Err.REJECTED_BUSY, "REJECTED_BUSY", ErrKind.remote, "brain is at capacity; retry later"],
  [Err.TIMEOUT_CONNECT, "TIMEOUT_CONNECT", ErrKind.remote, "no CONNACK within the connect timeout"],
  [Err.TIMEOUT_REGISTRATION, "TIMEOUT_REGISTRATION", ErrKind.remote, "registration did not complete before its deadline"],
  [Err.TIMEOUT_HEARTBEAT, "TIMEOUT_HEARTBEAT", ErrKind.remote, "no heartbeat ack within the RTT-derived timeout"],
  [Err.TIMEOUT_SILENT_LINK, "TIMEOUT_SILENT_LINK", ErrKind.remote, "nothing received for longer than the half-open bound"],
  [Err.TRANSPORT_CLOSED, "TRANSPORT_CLOSED", ErrKind.remote, "the transport closed"],
  [Err.TRANSPORT_ERROR, "TRANSPORT_ERROR", ErrKind.remote, "the transport reported an error"],
  [Err.NET_DOWN, "NET_DOWN", ErrKind.remote, "no network: the Wi-Fi link is down or the device has no IP address"],
  [Err.NET_DNS, "NET_DNS", ErrKind.remote, "the broker's host name did not resolve (DNS failure)"],
  [Err.NET_UNREACHABLE, "NET_UNREACHABLE", ErrKind.remote, "no route to the broker's host or network (host or network unreachable)"],
  [Err.NET_CONNECT_TIMEOUT, "NET_CONNECT_TIMEOUT", ErrKind.remote, "the TCP connect got no answer in time"],
  [Err.PEER_REFUSED, "PEER_REFUSED", ErrKind.remote, "the broker's host refused the TCP connection (nothing listening on the port)"],
  [Err.PEER_RESET, "PEER_RESET", ErrKind.remote, "the peer reset the TCP connection"],
];

/** Name of an error code, "OK" for non-negative values, "UNKNOWN" otherwise. */
export function errorName(code: number): string {
  if (code >= 0) return "OK";
  for (let i = 0; i < errorTable.length; i++) if (errorTable[i][0] === code) return errorTable[i][1];
  return "UNKNOWN";
}

/** One-line description of an error code. */
export function errorText(code: number): string {
  for (let i = 0; i < errorTable.length; i++) if (errorTable[i][0] === code) return errorTable[i][3];
  return code >= 0 ? "ok" : "unknown error code";
}

/** True when the code describes a peer or wire problem rather than local misuse. */
export function isRemoteError(code: number): boolean {
  for (let i = 0; i < errorTable.length; i++) if (errorTable[i][0] === code) return errorTable[i][2] === ErrKind.remote;
  return false;
}
