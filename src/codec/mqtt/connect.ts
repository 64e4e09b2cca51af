/*
 * mqtt/connect: the CONNECT encoder (client → server, §3.1). CONNACK, which only a server
 * sends, is encoded by the test broker's codec (testkit/mqtt-server-codec.ts).
 *
 * Theory of operation: CONNECT is sent once per connection, so it takes a plain options
 * object with strings; it measures every field first (so a field that is too long fails
 * before anything is written), writes the fixed header, which also checks that the whole
 * packet fits, then writes the variable header and payload in the order §3.1.3 fixes:
 * client id, will topic, will message, user name, password. It returns the offset after the
 * packet, or a negative Err code; on error the bytes of dst from off on are unspecified.
 */
import { Err } from "../../errors";
import { utf8Length, writeUtf8 } from "../bytes";
import {
  CONNECT_VARIABLE_HEADER_BYTES,
  ConnectFlag,
  MAX_KEEP_ALIVE_S,
  MAX_STRING_BYTES,
  PROTOCOL_LEVEL_3_1_1,
  PROTOCOL_NAME_M,
  PROTOCOL_NAME_Q,
  PROTOCOL_NAME_T,
  PacketType,
} from "./constants";
import { stringFieldBytes, writeFixedHeader, writeLengthPrefixed, writeStringField } from "./header";
import { checkTopicName } from "./topic";

/** The Will of a CONNECT (§3.1.2.5 – §3.1.2.7, §3.1.3.2, §3.1.3.3). */
export interface ConnectWill {
  /** Topic name: non-empty, no wildcards. */
  topic: string;
  /** Will message: binary data, or a string sent as its UTF-8 bytes. At most 65,535 bytes. */
  payload: Uint8Array | string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** Fields of a CONNECT (§3.1.2, §3.1.3). Protocol name and level are always "MQTT", 4. */
export interface ConnectOptions {
  /** Client identifier; may be empty only with cleanSession (§3.1.3-7). */
  clientId: string;
  cleanSession: boolean;
  /** Keep-alive in seconds, 0..65,535; 0 turns keep-alive off (§3.1.2.10). */
  keepAliveS: number;
  will?: ConnectWill | null;
  username?: string | null;
  /** Binary data, or a string sent as its UTF-8 bytes; needs a username (§3.1.2-22). */
  password?: Uint8Array | string | null;
}

/** Bytes a binary-data field (u16 length + bytes) takes, or VALUE_RANGE past 65,535 (§1.5.3). */
function binaryFieldBytes(v: Uint8Array | string): number {
  const n = typeof v === "string" ? utf8Length(v) : v.length;
  return n > MAX_STRING_BYTES ? Err.ValueRange : 2 + n;
}

function writeBinaryField(dst: Uint8Array, off: number, v: Uint8Array | string, fieldBytes: number): number {
  if (typeof v === "string") {
    const n = fieldBytes - 2;
    dst[off] = n >>> 8;
    dst[off + 1] = n & 0xff;
    return writeUtf8(dst, off + 2, v);
  }
  return writeLengthPrefixed(dst, off, v, 0, v.length);
}

/**
 * Encodes a CONNECT packet at dst[off] (MQTT 3.1.1 §3.1). Returns the offset after it, or:
 * VALUE_RANGE for a keep-alive outside 0..65,535, a string or binary field over 65,535 bytes
 * or containing U+0000 (strings), an empty client id without clean session (§3.1.3-7), a
 * will topic that is empty or has wildcards, a will QoS outside 0..2, a password without a
 * user name (§3.1.2-22); BUFFER_TOO_SMALL when the packet does not fit in dst.
 */
export function encodeConnect(dst: Uint8Array, off: number, o: ConnectOptions): number {
  const keepAliveS = o.keepAliveS;
  if (!(keepAliveS >= 0 && keepAliveS <= MAX_KEEP_ALIVE_S) || keepAliveS !== Math.floor(keepAliveS)) return Err.ValueRange;
  const clientIdBytes = stringFieldBytes(o.clientId);
  if (clientIdBytes < 0) return clientIdBytes;
  if (clientIdBytes === 2 && !o.cleanSession) return Err.ValueRange; // §3.1.3-7
  let flags = o.cleanSession ? ConnectFlag.CleanSession : 0;
  let remLen = CONNECT_VARIABLE_HEADER_BYTES + clientIdBytes;

  const will = o.will;
  let willTopicBytes = 0;
  let willPayloadBytes = 0;
  if (will) {
    const q = will.qos;
    if (q !== 0 && q !== 1 && q !== 2) return Err.ValueRange; // §3.1.2-14
    willTopicBytes = stringFieldBytes(will.topic);
    if (willTopicBytes < 0) return willTopicBytes;
    if (willTopicBytes === 2) return Err.ValueRange; // §4.7.3: at least one character
    willPayloadBytes = binaryFieldBytes(will.payload);
    if (willPayloadBytes < 0) return willPayloadBytes;
    flags |= ConnectFlag.Will | (q << ConnectFlag.WillQosShift) | (will.retain ? ConnectFlag.WillRetain : 0);
    remLen += willTopicBytes + willPayloadBytes;
  }

  const username = o.username;
  let usernameBytes = 0;
  if (username != null) {
    usernameBytes = stringFieldBytes(username);
    if (usernameBytes < 0) return usernameBytes;
    flags |= ConnectFlag.Username;
    remLen += usernameBytes;
  }
  const password = o.password;
  let passwordBytes = 0;
  if (password != null) {
    if (username == null) return Err.ValueRange; // §3.1.2-22
    passwordBytes = binaryFieldBytes(password);
    if (passwordBytes < 0) return passwordBytes;
    flags |= ConnectFlag.Password;
    remLen += passwordBytes;
  }

  let p = writeFixedHeader(dst, off, PacketType.Connect << 4, remLen); // §3.1.1: flags 0
  if (p < 0) return p;
  // §3.1.2.1 protocol name "MQTT", §3.1.2.2 level 4, §3.1.2.3 flags, §3.1.2.10 keep-alive.
  dst[p] = 0;
  dst[p + 1] = 4;
  dst[p + 2] = PROTOCOL_NAME_M;
  dst[p + 3] = PROTOCOL_NAME_Q;
  dst[p + 4] = PROTOCOL_NAME_T;
  dst[p + 5] = PROTOCOL_NAME_T;
  dst[p + 6] = PROTOCOL_LEVEL_3_1_1;
  dst[p + 7] = flags;
  dst[p + 8] = keepAliveS >>> 8;
  dst[p + 9] = keepAliveS & 0xff;
  p += CONNECT_VARIABLE_HEADER_BYTES;
  // §3.1.3: payload fields in this order.
  p = writeStringField(dst, p, o.clientId, clientIdBytes - 2);
  if (will) {
    const topicOff = p + 2;
    p = writeStringField(dst, p, will.topic, willTopicBytes - 2);
    if (checkTopicName(dst, topicOff, willTopicBytes - 2) !== 0) return Err.ValueRange; // §3.1.3.2
    p = writeBinaryField(dst, p, will.payload, willPayloadBytes);
  }
  if (username != null) p = writeStringField(dst, p, username, usernameBytes - 2);
  if (password != null) p = writeBinaryField(dst, p, password, passwordBytes);
  return p;
}
