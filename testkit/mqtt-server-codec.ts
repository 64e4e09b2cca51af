/*
 * mqtt-server-codec: the broker's side of MQTT 3.1.1 for tests, the simulator, benchmarks and
 * the fuzzer: a decoder of what a client sends and the encoders of what a server sends. The
 * device never runs this code (its decoder, src/codec/mqtt/decoder.ts, refuses these packet
 * types from a server).
 *
 * Theory of operation: `MqttServerDecoder` shares the framing, PUBLISH and the packet-id-only
 * packets with the client's decoder (src/codec/mqtt/packet-reader.ts: buffer use, field
 * validity, sticky errors) and adds the client → server direction: CONNECT (§3.1), SUBSCRIBE
 * (§3.8) and UNSUBSCRIBE (§3.10), with PINGREQ and DISCONNECT; CONNACK, SUBACK, UNSUBACK
 * and PINGRESP from a client are MQTT_WRONG_DIRECTION. It checks each packet on its own
 * (no session rules). Like the client's, it allocates nothing on push/next, so benchmarks
 * that run a broker beside the agent on XS stay allocation-free.
 * The encoders (CONNACK, SUBACK, UNSUBACK, PINGRESP, and PUBREC/PUBREL/PUBCOMP for QoS 2)
 * return the offset after the packet or a negative Err code, like those in src/codec/mqtt.
 */
import { Err } from "../src/errors";
import {
  CONNACK_FLAG_SESSION_PRESENT, ConnectFlag, FLAGS_RESERVED_0010, MAX_CONNACK_CODE, MAX_PACKET_ID, PROTOCOL_LEVEL_3_1_1,
  PROTOCOL_NAME_M, PROTOCOL_NAME_Q, PROTOCOL_NAME_T, PacketType, SUBACK_FAILURE,
} from "../src/codec/mqtt/constants";
import { writeFixedHeader, writeHeaderOnlyPacket, writeIdOnlyPacket } from "../src/codec/mqtt/header";
import { DEFAULT_TOPIC_CACHE_BYTES, MqttPacketReader, typeBit } from "../src/codec/mqtt/packet-reader";
import { checkTopicFilter, checkTopicName } from "../src/codec/mqtt/topic";

/** The packet types a client sends to a server (§2.2.1, Table 2.1). */
const CLIENT_TO_SERVER =
  typeBit(PacketType.Connect) | typeBit(PacketType.Publish) | typeBit(PacketType.Puback) | typeBit(PacketType.Pubrec) |
  typeBit(PacketType.Pubrel) | typeBit(PacketType.Pubcomp) | typeBit(PacketType.Subscribe) | typeBit(PacketType.Unsubscribe) |
  typeBit(PacketType.Pingreq) | typeBit(PacketType.Disconnect);

export class MqttServerDecoder extends MqttPacketReader {
  // ---- SUBSCRIBE / UNSUBSCRIBE: topicOff/topicLen is the first filter, payloadOff/payloadLen the list ----
  /** Number of topic filters in the list. */
  filterCount = 0;
  /** Set by filterAt(): one filter and, for SUBSCRIBE, its requested QoS. */
  filterOff = 0;
  filterLen = 0;
  filterQos = 0;
  // ---- CONNECT (§3.1); a field whose flag is 0 reads as an empty range inside the packet ----
  /** Protocol level (always 4: other levels are MQTT_BAD_PROTOCOL). */
  protocolLevel = 0;
  /** Raw connect flags byte (§3.1.2.3). */
  connectFlags = 0;
  cleanSession = 0;
  keepAliveS = 0;
  /** Client identifier (UTF-8, may be empty; an empty id with cleanSession 0 must get CONNACK 2, §3.1.3-8). */
  clientIdOff = 0;
  clientIdLen = 0;
  /** 1 when the will topic (a valid topic name) and will message are present. */
  hasWill = 0;
  willQos = 0;
  willRetain = 0;
  willTopicOff = 0;
  willTopicLen = 0;
  willPayloadOff = 0;
  willPayloadLen = 0;
  /** 1 when a user name (UTF-8) is present. */
  hasUsername = 0;
  usernameOff = 0;
  usernameLen = 0;
  /** 1 when a password (binary) is present. */
  hasPassword = 0;
  passwordOff = 0;
  passwordLen = 0;

  constructor(maxPacketBytes: number, topicCacheBytes: number = DEFAULT_TOPIC_CACHE_BYTES) {
    super(maxPacketBytes, topicCacheBytes, CLIENT_TO_SERVER);
  }

  /**
   * SUBSCRIBE/UNSUBSCRIBE (after next() returned one): reads the list entry at pos and
   * returns the position of the next one; sets filterOff, filterLen and (SUBSCRIBE)
   * filterQos. Start at payloadOff; stop at payloadOff + payloadLen. The list was validated
   * by next(), so no checks are made here.
   */
  filterAt(pos: number): number {
    const buf = this.buf;
    const n = (buf[pos] << 8) | buf[pos + 1];
    this.filterOff = pos + 2;
    this.filterLen = n;
    pos += 2 + n;
    if (this.type === PacketType.Subscribe) {
      this.filterQos = buf[pos];
      return pos + 1;
    }
    this.filterQos = 0;
    return pos;
  }

  protected parseBody(type: number, p: number, end: number): number {
    if (type === PacketType.Connect) return this.parseConnect(p, end);
    return this.parseFilterList(p, end, type === PacketType.Subscribe);
  }

  /**
   * §3.8.2/§3.8.3 and §3.10.2/§3.10.3: packet id, then one or more topic filters, each
   * followed by a requested-QoS byte (bits 7-2 zero, QoS <= 2) in SUBSCRIBE.
   */
  private parseFilterList(p: number, end: number, withQos: boolean): number {
    if (end - p < 2) return Err.MqttMalformed;
    const r = this.parsePacketId(p);
    if (r !== 0) return r;
    p += 2;
    const listOff = p;
    let count = 0;
    while (p < end) {
      p = this.readField(p, end);
      if (p < 0) return Err.MqttMalformed;
      // Framing first (is the QoS byte there?), then the content of the filter.
      if (withQos) {
        if (p >= end) return Err.MqttMalformed;
        if (this.buf[p++] > 2) return Err.MqttMalformed; // MQTT-3.8.3-4: reserved bits, QoS 3
      }
      const c = checkTopicFilter(this.buf, this.fieldOff, this.fieldLen); // §4.7
      if (c !== 0) return c;
      if (count === 0) {
        this.topicOff = this.fieldOff;
        this.topicLen = this.fieldLen;
      }
      count++;
    }
    if (count === 0) return Err.MqttMalformed; // MQTT-3.8.3-3, MQTT-3.10.3-2
    this.filterCount = count;
    this.payloadOff = listOff;
    this.payloadLen = end - listOff;
    return 0;
  }

  /** §3.1.2 variable header and §3.1.3 payload of a CONNECT. */
  private parseConnect(p: number, end: number): number {
    const buf = this.buf;
    // §3.1.2.1 protocol name: a string that must be "MQTT".
    p = this.readField(p, end);
    if (p < 0) return Err.MqttMalformed;
    const n = this.fieldOff;
    if (this.fieldLen !== 4 || buf[n] !== PROTOCOL_NAME_M || buf[n + 1] !== PROTOCOL_NAME_Q || buf[n + 2] !== PROTOCOL_NAME_T || buf[n + 3] !== PROTOCOL_NAME_T) {
      return Err.MqttBadProtocol;
    }
    if (p + 4 > end) return Err.MqttMalformed;
    const level = buf[p];
    if (level !== PROTOCOL_LEVEL_3_1_1) return Err.MqttBadProtocol; // §3.1.2.2
    const f = buf[p + 1];
    if ((f & ConnectFlag.Reserved) !== 0) return Err.MqttMalformed; // MQTT-3.1.2-3
    const willQos = (f & ConnectFlag.WillQosMask) >>> ConnectFlag.WillQosShift;
    const hasWill = (f & ConnectFlag.Will) !== 0 ? 1 : 0;
    if (hasWill === 0 && (f & (ConnectFlag.WillQosMask | ConnectFlag.WillRetain)) !== 0) return Err.MqttMalformed; // MQTT-3.1.2-11, -13, -15
    if (willQos === 3) return Err.MqttMalformed; // MQTT-3.1.2-14
    const hasUsername = (f & ConnectFlag.Username) !== 0 ? 1 : 0;
    const hasPassword = (f & ConnectFlag.Password) !== 0 ? 1 : 0;
    if (hasUsername === 0 && hasPassword !== 0) return Err.MqttMalformed; // MQTT-3.1.2-22
    this.protocolLevel = level;
    this.connectFlags = f;
    this.cleanSession = (f & ConnectFlag.CleanSession) !== 0 ? 1 : 0;
    this.keepAliveS = (buf[p + 2] << 8) | buf[p + 3]; // §3.1.2.10
    p += 4;
    // §3.1.3.1 client identifier.
    p = this.readString(p, end);
    if (p < 0) return p;
    this.clientIdOff = this.fieldOff;
    this.clientIdLen = this.fieldLen;
    this.hasWill = hasWill;
    this.willQos = willQos;
    this.willRetain = (f & ConnectFlag.WillRetain) !== 0 ? 1 : 0;
    // Absent fields read as empty ranges at the position they would have had.
    this.willTopicOff = this.willPayloadOff = p;
    this.willTopicLen = this.willPayloadLen = 0;
    if (hasWill !== 0) {
      // §3.1.3.2 will topic (a topic name), §3.1.3.3 will message (binary).
      p = this.readField(p, end);
      if (p < 0) return Err.MqttMalformed;
      const c = checkTopicName(buf, this.fieldOff, this.fieldLen);
      if (c !== 0) return c;
      this.willTopicOff = this.fieldOff;
      this.willTopicLen = this.fieldLen;
      p = this.readField(p, end);
      if (p < 0) return Err.MqttMalformed;
      this.willPayloadOff = this.fieldOff;
      this.willPayloadLen = this.fieldLen;
    }
    this.hasUsername = hasUsername;
    this.usernameOff = p;
    this.usernameLen = 0;
    if (hasUsername !== 0) {
      p = this.readString(p, end); // §3.1.3.4
      if (p < 0) return p;
      this.usernameOff = this.fieldOff;
      this.usernameLen = this.fieldLen;
    }
    this.hasPassword = hasPassword;
    this.passwordOff = p;
    this.passwordLen = 0;
    if (hasPassword !== 0) {
      p = this.readField(p, end); // §3.1.3.5 binary data
      if (p < 0) return Err.MqttMalformed;
      this.passwordOff = this.fieldOff;
      this.passwordLen = this.fieldLen;
    }
    return p === end ? 0 : Err.MqttLengthMismatch; // nothing may follow the payload
  }
}

// ---------------------------------------------------------------- server → client encoders

function badPacketId(packetId: number): boolean {
  return !(packetId >= 1 && packetId <= MAX_PACKET_ID) || (packetId | 0) !== packetId;
}

/**
 * Encodes a CONNACK (§3.2) at dst[off]. returnCode is 0..5 (§3.2.2.3); sessionPresent must
 * be false unless returnCode is 0 (MQTT-3.2.2-4). Returns the new offset, VALUE_RANGE or
 * BUFFER_TOO_SMALL.
 */
export function encodeConnack(dst: Uint8Array, off: number, sessionPresent: boolean, returnCode: number): number {
  if (!(returnCode >= 0 && returnCode <= MAX_CONNACK_CODE) || returnCode !== Math.floor(returnCode)) return Err.ValueRange;
  if (sessionPresent && returnCode !== 0) return Err.ValueRange;
  if (off < 0 || off + 4 > dst.length) return Err.BufferTooSmall;
  dst[off] = PacketType.Connack << 4;
  dst[off + 1] = 2;
  dst[off + 2] = sessionPresent ? CONNACK_FLAG_SESSION_PRESENT : 0;
  dst[off + 3] = returnCode;
  return off + 4;
}

/**
 * Encodes a SUBACK (§3.9) at dst[off]: one return code per requested filter, each 0, 1, 2
 * or 0x80 (failure) (§3.9.3). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL.
 */
export function encodeSuback(dst: Uint8Array, off: number, packetId: number, returnCodes: ArrayLike<number>): number {
  const n = returnCodes.length;
  if (badPacketId(packetId) || n === 0) return Err.ValueRange;
  for (let i = 0; i < n; i++) {
    const c = returnCodes[i];
    if (c !== 0 && c !== 1 && c !== 2 && c !== SUBACK_FAILURE) return Err.ValueRange;
  }
  let p = writeFixedHeader(dst, off, PacketType.Suback << 4, 2 + n);
  if (p < 0) return p;
  dst[p++] = packetId >>> 8;
  dst[p++] = packetId & 0xff;
  for (let i = 0; i < n; i++) dst[p++] = returnCodes[i];
  return p;
}

/** Encodes an UNSUBACK (§3.11). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL. */
export function encodeUnsuback(dst: Uint8Array, off: number, packetId: number): number {
  return writeIdOnlyPacket(dst, off, PacketType.Unsuback << 4, packetId);
}

/** Encodes a PINGRESP (§3.13): d0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodePingresp(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.Pingresp << 4);
}

/** Encodes a PUBREC (§3.5). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL. */
export function encodePubrec(dst: Uint8Array, off: number, packetId: number): number {
  return writeIdOnlyPacket(dst, off, PacketType.Pubrec << 4, packetId);
}

/** Encodes a PUBREL (§3.6; fixed-header flags 0010). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL. */
export function encodePubrel(dst: Uint8Array, off: number, packetId: number): number {
  return writeIdOnlyPacket(dst, off, (PacketType.Pubrel << 4) | FLAGS_RESERVED_0010, packetId);
}

/** Encodes a PUBCOMP (§3.7). Returns the new offset, VALUE_RANGE or BUFFER_TOO_SMALL. */
export function encodePubcomp(dst: Uint8Array, off: number, packetId: number): number {
  return writeIdOnlyPacket(dst, off, PacketType.Pubcomp << 4, packetId);
}
