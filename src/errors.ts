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
  BufferTooSmall: -1,
  ValueRange: -2,
  ConfigInvalid: -3,
  WrongPhase: -4,
  QueueFull: -5,
  ChannelUnknown: -6,
  TopicTooLong: -7,
  UndefinedTransition: -8,
  ActionFailed: -9,
  // ---- remote: MQTT wire (-50 .. -79) ----
  MqttBadLength: -50,
  MqttTooLarge: -51,
  MqttBadType: -52,
  MqttBadFlags: -53,
  MqttMalformed: -54,
  MqttBadUtf8: -55,
  MqttBadProtocol: -56,
  MqttConnackRefused: -57,
  MqttSubackFailed: -58,
  MqttWrongDirection: -59,
  MqttLengthMismatch: -60,
  MqttConnackNotFirst: -61,
  MqttConnackRepeated: -62,
  MqttBadConnack: -63,
  MqttSessionPresent: -64,
  MqttZeroPacketId: -65,
  MqttBadSubackCode: -66,
  MqttSubackCount: -67,
  MqttUnsolicitedAck: -68,
  MqttBadTopicName: -69,
  MqttQosNotRequested: -70,
  // ---- remote: CBOR (-80 .. -99) ----
  CborTruncated: -80,
  CborUnsupported: -81,
  CborType: -82,
  CborTooDeep: -83,
  CborTrailing: -84,
  CborBadTypedArray: -85,
  // ---- remote: frames (-100 .. -119) ----
  FrameShape: -100,
  FrameChannel: -101,
  FrameTooLarge: -102,
  FrameBadMac: -103,
  FrameStale: -104,
  FrameOutOfOrder: -105,
  FrameReplayed: -106,
  // ---- remote: control messages and session (-120 .. -149) ----
  MsgUnknownType: -120,
  MsgBadField: -121,
  MsgMissingField: -122,
  AuthBadProof: -123,
  AuthReplayed: -124,
  RegMissingEndpoint: -125,
  RejectedInvalidAuth: -126,
  RejectedInvalidRequest: -127,
  RejectedAlreadyRegistered: -128,
  RejectedUnknownAgent: -129,
  RejectedVersion: -130,
  RejectedBusy: -131,
  TimeoutConnect: -132,
  TimeoutRegistration: -133,
  TimeoutHeartbeat: -134,
  TimeoutSilentLink: -135,
  TransportClosed: -136,
  TransportError: -137,
  // ---- remote: reaching the broker (-150 .. -169). Hosts map their socket and network
  // errors to these; the session's escalation depends on the class (session/evidence.ts). ----
  NetDown: -150,
  NetDns: -151,
  NetUnreachable: -152,
  NetConnectTimeout: -153,
  PeerRefused: -154,
  PeerReset: -155,
} as const;
export type ErrCode = (typeof Err)[keyof typeof Err];

export const ErrKind = { Local: 0, Remote: 1 } as const;

/** [code, name, kind, one-line description]. The single source of truth for docs and logs. */
export const errorTable: ReadonlyArray<readonly [number, string, number, string]> = [
  [Err.BufferTooSmall, "BUFFER_TOO_SMALL", ErrKind.Local, "destination buffer too small for the encoding"],
  [Err.ValueRange, "VALUE_RANGE", ErrKind.Local, "a field value is outside the range its encoding allows"],
  [Err.ConfigInvalid, "CONFIG_INVALID", ErrKind.Local, "configuration failed validation"],
  [Err.WrongPhase, "WRONG_PHASE", ErrKind.Local, "the call is not valid in the session's current phase"],
  [Err.QueueFull, "QUEUE_FULL", ErrKind.Local, "a bounded queue is full; the item was not accepted"],
  [Err.ChannelUnknown, "CHANNEL_UNKNOWN", ErrKind.Local, "channel id not in the channel table, or wrong element type/count"],
  [Err.TopicTooLong, "TOPIC_TOO_LONG", ErrKind.Local, "a topic does not fit its preallocated buffer"],
  [Err.UndefinedTransition, "UNDEFINED_TRANSITION", ErrKind.Local, "no transition is defined for this (phase, event) pair"],
  [Err.ActionFailed, "ACTION_FAILED", ErrKind.Local, "the host reported that carrying out an action failed"],
  [Err.MqttBadLength, "MQTT_BAD_LENGTH", ErrKind.Remote, "remaining length uses more than 4 bytes (MQTT 3.1.1 §2.2.3)"],
  [Err.MqttTooLarge, "MQTT_TOO_LARGE", ErrKind.Remote, "packet larger than the configured maximum packet size"],
  [Err.MqttBadType, "MQTT_BAD_TYPE", ErrKind.Remote, "packet type 0 or 15, which MQTT 3.1.1 reserves (§2.2.1)"],
  [Err.MqttBadFlags, "MQTT_BAD_FLAGS", ErrKind.Remote, "fixed-header flags invalid for the packet type (MQTT 3.1.1 §2.2.2)"],
  [Err.MqttMalformed, "MQTT_MALFORMED", ErrKind.Remote, "packet fields disagree with the remaining length or with the spec"],
  [Err.MqttBadUtf8, "MQTT_BAD_UTF8", ErrKind.Remote, "a UTF-8 string field is ill-formed (MQTT 3.1.1 §1.5.3)"],
  [Err.MqttBadProtocol, "MQTT_BAD_PROTOCOL", ErrKind.Remote, "protocol name or level is not MQTT 3.1.1"],
  [Err.MqttConnackRefused, "MQTT_CONNACK_REFUSED", ErrKind.Remote, "the broker refused the connection (CONNACK return code != 0)"],
  [Err.MqttSubackFailed, "MQTT_SUBACK_FAILED", ErrKind.Remote, "the broker refused a subscription (SUBACK 0x80)"],
  [Err.MqttWrongDirection, "MQTT_WRONG_DIRECTION", ErrKind.Remote, "packet type never sent in this direction, e.g. CONNECT, SUBSCRIBE or PINGREQ from a server (§2.2.1)"],
  [Err.MqttLengthMismatch, "MQTT_LENGTH_MISMATCH", ErrKind.Remote, "remaining length is not the size the packet type fixes, or bytes trail its last field"],
  [Err.MqttConnackNotFirst, "MQTT_CONNACK_NOT_FIRST", ErrKind.Remote, "the server sent another packet before CONNACK (MQTT-3.2.0-1)"],
  [Err.MqttConnackRepeated, "MQTT_CONNACK_REPEATED", ErrKind.Remote, "the server sent a second CONNACK on one connection (§3.2)"],
  [Err.MqttBadConnack, "MQTT_BAD_CONNACK", ErrKind.Remote, "CONNACK with reserved acknowledge flags, a reserved return code, or session present with a refusal (§3.2.2)"],
  [Err.MqttSessionPresent, "MQTT_SESSION_PRESENT", ErrKind.Remote, "CONNACK says session present although the client asked for a clean session (MQTT-3.2.2-1)"],
  [Err.MqttZeroPacketId, "MQTT_ZERO_PACKET_ID", ErrKind.Remote, "packet identifier 0 where a non-zero one is required (MQTT-2.3.1-1)"],
  [Err.MqttBadSubackCode, "MQTT_BAD_SUBACK_CODE", ErrKind.Remote, "SUBACK return code other than 0x00, 0x01, 0x02 or 0x80 (MQTT-3.9.3-2)"],
  [Err.MqttSubackCount, "MQTT_SUBACK_COUNT", ErrKind.Remote, "SUBACK return codes do not match the SUBSCRIBE's topic filters one to one (MQTT-3.8.4-5)"],
  [Err.MqttUnsolicitedAck, "MQTT_UNSOLICITED_ACK", ErrKind.Remote, "acknowledgement of a packet identifier (or PINGREQ) this client has not sent, or that is already acknowledged"],
  [Err.MqttBadTopicName, "MQTT_BAD_TOPIC_NAME", ErrKind.Remote, "PUBLISH topic name empty or holding a wildcard '+' or '#' (MQTT-4.7.3-1, MQTT-3.3.2-2)"],
  [Err.MqttQosNotRequested, "MQTT_QOS_NOT_REQUESTED", ErrKind.Remote, "PUBLISH at a QoS above every QoS this client subscribed with (MQTT-3.8.4-6)"],
  [Err.CborTruncated, "CBOR_TRUNCATED", ErrKind.Remote, "CBOR item runs past the end of the input"],
  [Err.CborUnsupported, "CBOR_UNSUPPORTED", ErrKind.Remote, "CBOR item outside the brainstem subset (indefinite length, simple, float16, unknown tag)"],
  [Err.CborType, "CBOR_TYPE", ErrKind.Remote, "CBOR item has a different major type than expected"],
  [Err.CborTooDeep, "CBOR_TOO_DEEP", ErrKind.Remote, "CBOR nesting deeper than the reader allows"],
  [Err.CborTrailing, "CBOR_TRAILING", ErrKind.Remote, "bytes left over after the top-level CBOR item"],
  [Err.CborBadTypedArray, "CBOR_BAD_TYPED_ARRAY", ErrKind.Remote, "typed-array tag content is not a byte string of a whole number of elements"],
  [Err.FrameShape, "FRAME_SHAPE", ErrKind.Remote, "frame is not [seq, time, (channel, typed array)*, ...] as specified"],
  [Err.FrameChannel, "FRAME_CHANNEL", ErrKind.Remote, "frame names an unknown channel or the wrong element type or count"],
  [Err.FrameTooLarge, "FRAME_TOO_LARGE", ErrKind.Remote, "frame larger than the negotiated maximum frame size"],
  [Err.FrameBadMac, "FRAME_BAD_MAC", ErrKind.Remote, "motor frame MAC does not verify"],
  [Err.FrameStale, "FRAME_STALE", ErrKind.Remote, "motor frame arrived after its deadline"],
  [Err.FrameOutOfOrder, "FRAME_OUT_OF_ORDER", ErrKind.Remote, "motor frame sequence number is older than the last applied one"],
  [Err.FrameReplayed, "FRAME_REPLAYED", ErrKind.Remote, "motor frame sequence number equals the last applied one"],
  [Err.MsgUnknownType, "MSG_UNKNOWN_TYPE", ErrKind.Remote, "control message type is unknown"],
  [Err.MsgBadField, "MSG_BAD_FIELD", ErrKind.Remote, "control message field has the wrong type or range"],
  [Err.MsgMissingField, "MSG_MISSING_FIELD", ErrKind.Remote, "control message lacks a required field"],
  [Err.AuthBadProof, "AUTH_BAD_PROOF", ErrKind.Remote, "the brain's proof does not verify: not our brain, or a wrong key"],
  [Err.AuthReplayed, "AUTH_REPLAYED", ErrKind.Remote, "challenge does not answer our current nonce (replayed or stale)"],
  [Err.RegMissingEndpoint, "REG_MISSING_ENDPOINT", ErrKind.Remote, "registered message lacks a data endpoint (sensor or motor topic)"],
  [Err.RejectedInvalidAuth, "REJECTED_INVALID_AUTH", ErrKind.Remote, "brain rejected our proof: the device key is wrong"],
  [Err.RejectedInvalidRequest, "REJECTED_INVALID_REQUEST", ErrKind.Remote, "brain rejected the hello as invalid (capabilities, limits)"],
  [Err.RejectedAlreadyRegistered, "REJECTED_ALREADY_REGISTERED", ErrKind.Remote, "brain still holds a live session for this agent"],
  [Err.RejectedUnknownAgent, "REJECTED_UNKNOWN_AGENT", ErrKind.Remote, "brain has no key for this agent id"],
  [Err.RejectedVersion, "REJECTED_VERSION", ErrKind.Remote, "brain does not speak this protocol version"],
  [Err.RejectedBusy, "REJECTED_BUSY", ErrKind.Remote, "brain is at capacity; retry later"],
  [Err.TimeoutConnect, "TIMEOUT_CONNECT", ErrKind.Remote, "no CONNACK within the connect timeout"],
  [Err.TimeoutRegistration, "TIMEOUT_REGISTRATION", ErrKind.Remote, "registration did not complete before its deadline"],
  [Err.TimeoutHeartbeat, "TIMEOUT_HEARTBEAT", ErrKind.Remote, "no heartbeat ack within the RTT-derived timeout"],
  [Err.TimeoutSilentLink, "TIMEOUT_SILENT_LINK", ErrKind.Remote, "nothing received for longer than the half-open bound"],
  [Err.TransportClosed, "TRANSPORT_CLOSED", ErrKind.Remote, "the transport closed"],
  [Err.TransportError, "TRANSPORT_ERROR", ErrKind.Remote, "the transport reported an error"],
  [Err.NetDown, "NET_DOWN", ErrKind.Remote, "no network: the Wi-Fi link is down or the device has no IP address"],
  [Err.NetDns, "NET_DNS", ErrKind.Remote, "the broker's host name did not resolve (DNS failure)"],
  [Err.NetUnreachable, "NET_UNREACHABLE", ErrKind.Remote, "no route to the broker's host or network (host or network unreachable)"],
  [Err.NetConnectTimeout, "NET_CONNECT_TIMEOUT", ErrKind.Remote, "the TCP connect got no answer in time"],
  [Err.PeerRefused, "PEER_REFUSED", ErrKind.Remote, "the broker's host refused the TCP connection (nothing listening on the port)"],
  [Err.PeerReset, "PEER_RESET", ErrKind.Remote, "the peer reset the TCP connection"],
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
  for (let i = 0; i < errorTable.length; i++) if (errorTable[i][0] === code) return errorTable[i][2] === ErrKind.Remote;
  return false;
}
