/*
 * mqtt.suite: vector tests of the MQTT 3.1.1 codec (src/codec/mqtt), run on V8 and on XS.
 *
 * Tables:
 *   - `vectors`: [description, fields, wire] used both ways: encode(fields) must give wire,
 *     and decoding wire must give fields, fed whole, one byte at a time, in random chunks,
 *     through the zero-copy writeOffset/commit path, with trailing bytes, and all vectors
 *     back to back through a decoder whose buffer is just big enough. Vectors marked
 *     "decode-only" (QoS 2 PUBLISH) must be refused by the encoder with VALUE_RANGE.
 *     Vectors whose name starts with "mqtt-packet:" are ported from mqtt-packet's test.js
 *     (MQTT 3.1 "MQIsdp"/level 3 CONNECTs rewritten as "MQTT"/level 4, length - 2).
 *   - `errorVectors`: [description, wire, code]: bad input → the error, sticky until
 *     reset(); after reset() the same instance decodes a valid packet. Packets only a client
 *     sends go to the test broker's decoder (testkit/mqtt-server-codec), the others to the
 *     client's; each refuses the other direction's packet types.
 *   - `encodeErrors`: bad encoder arguments → the error.
 *   - remaining-length boundaries, zero-copy PUBLISH, buffer bounds and canaries.
 * Imports only src/, testkit/ and test/helpers (plus the shared mqtt-fields helper), so it bundles for XS.
 */
import { Err, NEED_MORE } from "../../src/errors";
import { concatBytes, fromHex, toHex, utf8Bytes } from "../../src/codec/bytes";
import { MAX_REMAINING_LENGTH_BYTES, PacketType } from "../../src/codec/mqtt/constants";
import { encodeConnect } from "../../src/codec/mqtt/connect";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import { remainingLengthBytes, writeFixedHeader, writeRemainingLength } from "../../src/codec/mqtt/header";
import { encodePingreq } from "../../src/codec/mqtt/ping";
import { encodePuback, encodePublish, encodePublishHeaderBefore, encodeQos0HeaderBefore, publishHeaderMaxBytes, publishPacketBytes, topicNameField } from "../../src/codec/mqtt/publish";
import { encodeSubscribe, encodeUnsubscribe } from "../../src/codec/mqtt/subscribe";
import { checkTopicFilter, checkTopicName } from "../../src/codec/mqtt/topic";
import type { Check } from "../helpers/suite";
import { MqttServerDecoder, encodeConnack, encodeSuback } from "../../testkit/mqtt-server-codec";
import { Prng } from "../../testkit/prng";
import {
  type AnyDecoder, asBytes, checkBounds, decodedFields, decoderFor, encodeFields, fieldsKey as key, fnv, type Fields, isClientOnly, typeOfKind,
} from "./mqtt-fields";

// ---------------------------------------------------------------- helpers

/** Bytes of a recognisable pattern, so a shifted payload does not compare equal. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed * 13 + 3) & 0xff;
  return out;
}

function repeatText(ch: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ch;
  return s;
}

function wireOf(w: string | Uint8Array): Uint8Array {
  return typeof w === "string" ? fromHex(w) : w;
}

// ---------------------------------------------------------------- vectors

export type Vector = readonly [description: string, fields: Fields, wire: string | Uint8Array, mode?: "decode-only"];

const MQTT_HDR = "0004 4d515454 04"; // protocol name "MQTT", level 4 (§3.1.2.1, §3.1.2.2)

export const vectors: readonly Vector[] = [
  // ---- CONNECT (§3.1) ----
  ["mqtt-packet: no clientId with 3.1.1 (0-length client id, clean session)",
    { kind: "connect", clientId: "", cleanSession: true, keepAliveS: 30 },
    `10 0c ${MQTT_HDR} 02 001e 0000`],
  ["mqtt-packet: minimal connect (no clean session)",
    { kind: "connect", clientId: "test", cleanSession: false, keepAliveS: 30 },
    `10 10 ${MQTT_HDR} 00 001e 0004 74657374`],
  ["mqtt-packet: default connect (keep-alive 0)",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 0 },
    `10 10 ${MQTT_HDR} 02 0000 0004 74657374`],
  ["mqtt-packet: maximal connect (will QoS 2 retained + user + password)",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 30, will: { topic: "topic", payload: "payload", qos: 2, retain: true }, username: "username", password: "password" },
    `10 34 ${MQTT_HDR} f6 001e 0004 74657374 0005 746f706963 0007 7061796c6f6164 0008 757365726e616d65 0008 70617373776f7264`],
  ["mqtt-packet: empty will payload",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 30, will: { topic: "topic", payload: "", qos: 2, retain: true }, username: "username", password: "password" },
    `10 2d ${MQTT_HDR} f6 001e 0004 74657374 0005 746f706963 0000 0008 757365726e616d65 0008 70617373776f7264`],
  ["mqtt-packet: max connect with special chars (multi-byte UTF-8)",
    { kind: "connect", clientId: "te$t", cleanSession: true, keepAliveS: 30, will: { topic: "tòpic", payload: "pay£oad", qos: 2, retain: true }, username: "u$ern4me", password: "p4$$w0£d" },
    `10 37 ${MQTT_HDR} f6 001e 0004 74652474 0006 74c3b2706963 0008 706179c2a36f6164 0008 752465726e346d65 0009 703424247730c2a364`],
  ["mqtt-packet: empty string username",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 30, username: "" },
    `10 12 ${MQTT_HDR} 82 001e 0004 74657374 0000`],
  ["mqtt-packet: empty password",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 30, username: "username", password: "" },
    `10 1c ${MQTT_HDR} c2 001e 0004 74657374 0008 757365726e616d65 0000`],
  ["mqtt-packet: empty string username and password",
    { kind: "connect", clientId: "test", cleanSession: true, keepAliveS: 30, username: "", password: new Uint8Array(0) },
    `10 14 ${MQTT_HDR} c2 001e 0004 74657374 0000 0000`],
  ["connect: will QoS 1 not retained, username only, keep-alive 65535, persistent session",
    { kind: "connect", clientId: "bs-01", cleanSession: false, keepAliveS: 65535, will: { topic: "bs/01/state", payload: "off", qos: 1, retain: false }, username: "dev" },
    `10 28 ${MQTT_HDR} 8c ffff 0005 62732d3031 000b 62732f30312f7374617465 0003 6f6666 0003 646576`],
  ["connect: client id with 2- and 4-byte UTF-8",
    { kind: "connect", clientId: "é😀", cleanSession: true, keepAliveS: 60 },
    `10 12 ${MQTT_HDR} 02 003c 0006 c3a9f09f9880`],
  ["connect: will QoS 0 retained with binary payload, no user",
    { kind: "connect", clientId: "x", cleanSession: true, keepAliveS: 5, will: { topic: "w", payload: new Uint8Array([0, 0xff, 0x80]), qos: 0, retain: true } },
    `10 15 ${MQTT_HDR} 26 0005 0001 78 0001 77 0003 00ff80`],

  // ---- CONNACK (§3.2) ----
  ["mqtt-packet: connack with return code 0", { kind: "connack", sessionPresent: false, returnCode: 0 }, "20 02 00 00"],
  ["mqtt-packet: connack with return code 0 session present bit set", { kind: "connack", sessionPresent: true, returnCode: 0 }, "20 02 01 00"],
  ["mqtt-packet: Version 4 CONACK (return code 1)", { kind: "connack", sessionPresent: false, returnCode: 1 }, "20 02 00 01"],
  ["mqtt-packet: connack with return code 5", { kind: "connack", sessionPresent: false, returnCode: 5 }, "20 02 00 05"],

  // ---- PUBLISH (§3.3) ----
  ["mqtt-packet: minimal publish",
    { kind: "publish", topic: "test", payload: "test", qos: 0, packetId: 0, retain: false, dup: false },
    "30 0a 0004 74657374 74657374"],
  ["mqtt-packet: empty publish (empty payload)",
    { kind: "publish", topic: "test", payload: "", qos: 0, packetId: 0, retain: false, dup: false },
    "30 06 0004 74657374"],
  ["publish: QoS 0 retained", { kind: "publish", topic: "s/1", payload: new Uint8Array([9]), qos: 0, packetId: 0, retain: true, dup: false },
    "31 06 0003 732f31 09"],
  ["publish: QoS 1 packet id 1", { kind: "publish", topic: "a/b", payload: new Uint8Array([1, 2, 3]), qos: 1, packetId: 1, retain: false, dup: false },
    "32 0a 0003 612f62 0001 010203"],
  ["publish: QoS 1 with dup and retain, packet id 65535, empty payload",
    { kind: "publish", topic: "a/b", payload: "", qos: 1, packetId: 65535, retain: true, dup: true },
    "3b 07 0003 612f62 ffff"],
  ["publish: QoS 1 with dup", { kind: "publish", topic: "m", payload: "hi", qos: 1, packetId: 0x1234, retain: false, dup: true },
    "3a 07 0001 6d 1234 6869"],
  ["publish: multi-byte UTF-8 topic", { kind: "publish", topic: "é/😀", payload: "", qos: 0, packetId: 0, retain: false, dup: false },
    "30 09 0007 c3a92ff09f9880"],
  ["mqtt-packet: maximal publish (QoS 2, decoded for completeness)",
    { kind: "publish", topic: "test", payload: "test", qos: 2, packetId: 10, retain: true, dup: true },
    "3d 0c 0004 74657374 000a 74657374", "decode-only"],
  ["publish: remaining length 127 (1-byte length, largest)",
    { kind: "publish", topic: "t", payload: pattern(124, 1), qos: 0, packetId: 0, retain: false, dup: false },
    concatBytes(fromHex("30 7f 0001 74"), pattern(124, 1))],
  ["publish: remaining length 128 (2-byte length, smallest)",
    { kind: "publish", topic: "t", payload: pattern(125, 2), qos: 0, packetId: 0, retain: false, dup: false },
    concatBytes(fromHex("30 8001 0001 74"), pattern(125, 2))],
  ["publish: QoS 1, remaining length 128",
    { kind: "publish", topic: "t", payload: pattern(123, 3), qos: 1, packetId: 7, retain: false, dup: false },
    concatBytes(fromHex("32 8001 0001 74 0007"), pattern(123, 3))],
  ["mqtt-packet: 2KB publish packet",
    { kind: "publish", topic: "test", payload: new Uint8Array(2048), qos: 0, packetId: 0, retain: false, dup: false },
    concatBytes(fromHex("30 8610 0004 74657374"), new Uint8Array(2048))],
  ["publish: remaining length 16383 (2-byte length, largest)",
    { kind: "publish", topic: "t", payload: pattern(16380, 4), qos: 0, packetId: 0, retain: false, dup: false },
    concatBytes(fromHex("30 ff7f 0001 74"), pattern(16380, 4))],
  ["publish: remaining length 16384 (3-byte length, smallest)",
    { kind: "publish", topic: "t", payload: pattern(16381, 5), qos: 0, packetId: 0, retain: true, dup: false },
    concatBytes(fromHex("31 808001 0001 74"), pattern(16381, 5))],

  // ---- PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4 – §3.7) ----
  ["mqtt-packet: puback", { kind: "puback", packetId: 2 }, "40 02 0002"],
  ["puback: packet id 65535", { kind: "puback", packetId: 65535 }, "40 02 ffff"],
  ["mqtt-packet: pubrec", { kind: "pubrec", packetId: 2 }, "50 02 0002"],
  ["mqtt-packet: pubrel (flags 0010)", { kind: "pubrel", packetId: 2 }, "62 02 0002"],
  ["mqtt-packet: pubcomp", { kind: "pubcomp", packetId: 2 }, "70 02 0002"],

  // ---- SUBSCRIBE, SUBACK (§3.8, §3.9) ----
  ["mqtt-packet: subscribe to one topic", { kind: "subscribe", packetId: 6, filters: [{ filter: "test", qos: 0 }] },
    "82 09 0006 0004 74657374 00"],
  ["mqtt-packet: subscribe to three topics",
    { kind: "subscribe", packetId: 6, filters: [{ filter: "test", qos: 0 }, { filter: "uest", qos: 1 }, { filter: "tfst", qos: 2 }] },
    "82 17 0006 0004 74657374 00 0004 75657374 01 0004 74667374 02"],
  ["subscribe: wildcard filters", { kind: "subscribe", packetId: 0x1234, filters: [{ filter: "+/s/#", qos: 1 }, { filter: "#", qos: 0 }] },
    "82 0e 1234 0005 2b2f732f23 01 0001 23 00"],
  ["subscribe: remaining length 128", { kind: "subscribe", packetId: 1, filters: [{ filter: repeatText("a", 123), qos: 1 }] },
    concatBytes(fromHex("82 8001 0001 007b"), utf8Bytes(repeatText("a", 123)), fromHex("01"))],
  ["mqtt-packet: suback", { kind: "suback", packetId: 6, returnCodes: [0, 1, 2] }, "90 05 0006 000102"],
  ["suback: failure 0x80", { kind: "suback", packetId: 1, returnCodes: [0x80] }, "90 03 0001 80"],

  // ---- UNSUBSCRIBE, UNSUBACK (§3.10, §3.11) ----
  ["mqtt-packet: unsubscribe", { kind: "unsubscribe", packetId: 7, filters: ["tfst", "test"] },
    "a2 0e 0007 0004 74667374 0004 74657374"],
  ["unsubscribe: one wildcard filter", { kind: "unsubscribe", packetId: 1, filters: ["#"] }, "a2 05 0001 0001 23"],
  ["mqtt-packet: unsuback", { kind: "unsuback", packetId: 8 }, "b0 02 0008"],

  // ---- PINGREQ, PINGRESP, DISCONNECT (§3.12 – §3.14) ----
  ["mqtt-packet: pingreq", { kind: "pingreq" }, "c0 00"],
  ["mqtt-packet: pingresp", { kind: "pingresp" }, "d0 00"],
  ["mqtt-packet: disconnect", { kind: "disconnect" }, "e0 00"],
];

/** Largest remaining length among `vectors` (the 16384 boundary vector). */
const VECTORS_MAX_REMAINING_BYTES = 16_384;

/** Bad input → error. Decoders use maxPacketBytes = ERROR_DECODER_MAX_BYTES. */
export const ERROR_DECODER_MAX_BYTES = 1024;
export type ErrorVector = readonly [description: string, wire: string, code: number];

export const errorVectors: readonly ErrorVector[] = [
  // §2.2.1 reserved types
  ["mqtt-packet: Not supported (type 0)", "00 01 00", Err.MqttBadType],
  ["type 0, first byte only", "00", Err.MqttBadType],
  ["type 15 (AUTH is MQTT 5)", "f0 00", Err.MqttBadType],
  // §2.2.3 remaining length
  ["mqtt-packet: Invalid variable byte integer (ff ff ff ff)", "10 ffffffff", Err.MqttBadLength],
  ["mqtt-packet: Invalid variable byte integer (ff ff ff 80)", "10 ffffff80", Err.MqttBadLength],
  ["mqtt-packet: Invalid variable byte integer (ff ff ff ff 01)", "10 ffffffff01", Err.MqttBadLength],
  ["mqtt-packet: Invalid variable byte integer (ff ff ff ff 7f)", "10 ffffffff7f", Err.MqttBadLength],
  ["mqtt-packet: Invalid variable byte integer (ff ff ff ff 80)", "10 ffffffff80", Err.MqttBadLength],
  ["mqtt-packet: Invalid variable byte integer (ff ff ff ff ff 01)", "10 ffffffffff01", Err.MqttBadLength],
  ["PUBLISH with 5-byte remaining length", "30 8080808001", Err.MqttBadLength],
  // too large: reported from the header alone
  ["remaining length 268435455 > max (header only)", "30 ffffff7f", Err.MqttTooLarge],
  ["remaining length 1025 > max 1024 (header only)", "30 8108", Err.MqttTooLarge],
  ["remaining length 2097152 > max (header only)", "32 80808001", Err.MqttTooLarge],
  // §2.2.2 flags
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for connect packet", `12 0a ${MQTT_HDR} 02 001e`, Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for connack packet", "21 02 00 05", Err.MqttBadFlags],
  ["mqtt-packet: Packet must not have both QoS bits set to 1", "36 06 0004 74657374", Err.MqttBadFlags],
  ["publish: QoS 3 with dup and retain", "3f 06 0004 74657374", Err.MqttBadFlags],
  ["publish: DUP with QoS 0 (§3.3.1-2)", "38 06 0004 74657374", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for puback packet", "41 02 0002", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for pubrec packet", "51 02 0002", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x2 for pubrel packet", "60 02 0002", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for pubcomp packet", "71 02 0002", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x2 for subscribe packet", "80 09 0006 0004 74657374 00", Err.MqttBadFlags],
  ["suback flags 0x2", "92 03 0001 00", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x2 for unsubscribe packet", "a0 0e 0007 0004 74667374 0004 74657374", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for unsuback packet", "b1 02 0008", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for pingreq packet", "c1 00", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for pingresp packet", "d1 00", Err.MqttBadFlags],
  ["mqtt-packet: Invalid header flag bits, must be 0x0 for disconnect packet", "e1 00", Err.MqttBadFlags],
  ["flags error from the first byte alone", "d8", Err.MqttBadFlags],
  // CONNECT (§3.1)
  ["mqtt-packet: Cannot parse protocolId (truncated name)", "10 04 0006 4d51", Err.MqttMalformed],
  ["mqtt-packet: Cannot parse protocolId (name longer than packet)", "10 08 000f 4d5149736470 4d51", Err.MqttMalformed],
  ["mqtt-packet: Invalid protocolId (AAAAAA)", "10 12 0006 414141414141 03 00 000a 0004 74657374", Err.MqttBadProtocol],
  ["mqtt-packet: Invalid protocol version (MQIsdp level 1)", "10 12 0006 4d5149736470 01 00 000a 0004 74657374", Err.MqttBadProtocol],
  ["connect: mqtt-packet's minimal connect, MQTT 3.1 (MQIsdp level 3), is not 3.1.1", "10 12 0006 4d5149736470 03 00 001e 0004 74657374", Err.MqttBadProtocol],
  ["connect: MQTT level 3", `10 10 0004 4d515454 03 02 001e 0004 74657374`, Err.MqttBadProtocol],
  ["connect: MQTT level 5", `10 10 0004 4d515454 05 02 001e 0004 74657374`, Err.MqttBadProtocol],
  ["connect: bridge level 0x84", `10 10 0004 4d515454 84 02 001e 0004 74657374`, Err.MqttBadProtocol],
  ["mqtt-packet: Packet too short (missing protocol level)", "10 06 0004 4d515454", Err.MqttMalformed],
  ["mqtt-packet: Packet too short (missing keep-alive)", `10 08 ${MQTT_HDR} 02`, Err.MqttMalformed],
  ["mqtt-packet: Packet too short (missing client id)", `10 0a ${MQTT_HDR} 02 001e`, Err.MqttMalformed],
  ["mqtt-packet: Connect flag bit 0 must be 0, but got 1", `10 0c ${MQTT_HDR} 03 001e 0000`, Err.MqttMalformed],
  ["mqtt-packet: Will Retain Flag must be set to zero when Will Flag is set to 0", `10 0c ${MQTT_HDR} 22 001e 0000`, Err.MqttMalformed],
  ["mqtt-packet: Will QoS must be set to zero when Will Flag is set to 0 (0x12)", `10 0c ${MQTT_HDR} 12 001e 0000`, Err.MqttMalformed],
  ["mqtt-packet: Will QoS must be set to zero when Will Flag is set to 0 (0x0a)", `10 0c ${MQTT_HDR} 0a 001e 0000`, Err.MqttMalformed],
  ["connect: will QoS 3 (§3.1.2-14)", `10 11 ${MQTT_HDR} 1e 001e 0000 0001 74 0000`, Err.MqttMalformed],
  ["connect: password without username (§3.1.2-22)", `10 0e ${MQTT_HDR} 42 001e 0000 0000`, Err.MqttMalformed],
  ["mqtt-packet: Cannot parse will topic", `10 10 ${MQTT_HDR} f6 001e 0000 0005 0000`, Err.MqttMalformed],
  ["mqtt-packet: Cannot parse will payload", `10 17 ${MQTT_HDR} 06 001e 0000 0005 746f706963 0005 0000`, Err.MqttMalformed],
  ["mqtt-packet: Cannot parse username", `10 13 ${MQTT_HDR} 82 001e 0004 74657374 0005 00`, Err.MqttMalformed],
  ["mqtt-packet: Cannot parse password", `10 1d ${MQTT_HDR} c2 001e 0004 74657374 0008 757365726e616d65 0002 00`, Err.MqttMalformed],
  ["connect: bytes after the last field", `10 0d ${MQTT_HDR} 02 001e 0000 00`, Err.MqttLengthMismatch],
  ["connect: client id is not UTF-8", `10 0e ${MQTT_HDR} 02 001e 0002 c328`, Err.MqttBadUtf8],
  ["connect: client id holds U+0000", `10 0d ${MQTT_HDR} 02 001e 0001 00`, Err.MqttBadUtf8],
  ["connect: username is an encoded surrogate", `10 11 ${MQTT_HDR} 82 001e 0000 0003 eda080`, Err.MqttBadUtf8],
  ["connect: will topic with a wildcard", `10 11 ${MQTT_HDR} 06 001e 0000 0001 23 0000`, Err.MqttBadTopicName],
  ["connect: empty will topic", `10 10 ${MQTT_HDR} 06 001e 0000 0000 0000`, Err.MqttBadTopicName],
  // CONNACK (§3.2)
  ["mqtt-packet: Invalid connack flags, bits 7-1 must be set to 0", "20 02 02 05", Err.MqttBadConnack],
  ["connack: remaining length 3 (from the header alone)", "20 03", Err.MqttLengthMismatch],
  ["connack: reserved return code 6", "20 02 00 06", Err.MqttBadConnack],
  ["connack: session present with a refusal (§3.2.2-4)", "20 02 01 05", Err.MqttBadConnack],
  // PUBLISH (§3.3)
  ["publish: remaining length 1", "30 01 00", Err.MqttMalformed],
  ["publish: topic longer than the packet", "30 04 0005 7465", Err.MqttMalformed],
  ["publish: empty topic (§4.7.3)", "30 02 0000", Err.MqttBadTopicName],
  ["publish: topic with '+' (§3.3.2-2)", "30 05 0003 612b62", Err.MqttBadTopicName],
  ["publish: topic with '#' (§3.3.2-2)", "30 05 0003 612f23", Err.MqttBadTopicName],
  ["publish: topic not UTF-8 (bad continuation)", "30 04 0002 c328", Err.MqttBadUtf8],
  ["publish: topic holds U+0000", "30 04 0002 6100", Err.MqttBadUtf8],
  ["publish: topic overlong encoding", "30 04 0002 c080", Err.MqttBadUtf8],
  ["publish: topic truncated UTF-8 sequence", "30 04 0002 61e2", Err.MqttBadUtf8],
  ["publish: topic above U+10FFFF", "30 06 0004 f4908080", Err.MqttBadUtf8],
  ["publish: QoS 1 packet id 0 (§2.3.1-1)", "32 08 0004 74657374 0000", Err.MqttZeroPacketId],
  ["publish: QoS 1 without packet id", "32 06 0004 74657374", Err.MqttMalformed],
  ["publish: QoS 1 with half a packet id", "32 07 0004 74657374 00", Err.MqttMalformed],
  // PUBACK..PUBCOMP, UNSUBACK
  ["puback: remaining length 3", "40 03 000100", Err.MqttLengthMismatch],
  ["puback: remaining length 1 (header alone)", "40 01", Err.MqttLengthMismatch],
  ["puback: packet id 0", "40 02 0000", Err.MqttZeroPacketId],
  ["pubrel: packet id 0", "62 02 0000", Err.MqttZeroPacketId],
  ["mqtt-packet: Malformed unsuback, payload length must be 2", "b0 01 01", Err.MqttLengthMismatch],
  ["mqtt-packet: Malformed unsuback, no payload specified", "b0 00", Err.MqttLengthMismatch],
  ["unsuback: packet id 0", "b0 02 0000", Err.MqttZeroPacketId],
  // SUBSCRIBE (§3.8)
  ["mqtt-packet: Malformed subscribe, no payload specified", "82 00", Err.MqttMalformed],
  ["subscribe: packet id but no filter (§3.8.3-3)", "82 02 0006", Err.MqttMalformed],
  ["subscribe: packet id 0", "82 06 0000 0001 74 00", Err.MqttZeroPacketId],
  ["mqtt-packet: Invalid subscribe QoS, must be <= 2", "82 09 0006 0004 74657374 03", Err.MqttMalformed],
  ["mqtt-packet: Invalid subscribe topic flag bits, bits 7-2 must be 0", "82 09 0006 0004 74657374 08", Err.MqttMalformed],
  ["mqtt-packet: Malformed Subscribe Payload (filter length runs into the QoS byte)", "82 0e 007b 000a 68696a6b6c2f6d6e6f 00", Err.MqttMalformed],
  ["subscribe: missing QoS byte", "82 07 0006 0003 612f62", Err.MqttMalformed],
  ["subscribe: '#' not last (§4.7.1.2)", "82 08 0001 0003 232f61 00", Err.MqttMalformed],
  ["subscribe: 'a#' (§4.7.1.2)", "82 07 0001 0002 6123 00", Err.MqttMalformed],
  ["subscribe: '+a' (§4.7.1.3)", "82 07 0001 0002 2b61 00", Err.MqttMalformed],
  ["subscribe: 'a+' (§4.7.1.3)", "82 07 0001 0002 612b 00", Err.MqttMalformed],
  ["subscribe: empty filter (§4.7.3)", "82 05 0001 0000 00", Err.MqttMalformed],
  ["subscribe: filter not UTF-8", "82 07 0001 0002 ff61 00", Err.MqttBadUtf8],
  // SUBACK (§3.9)
  ["mqtt-packet: Malformed suback, no payload specified", "90 00", Err.MqttLengthMismatch],
  ["suback: packet id but no return code", "90 02 0006", Err.MqttLengthMismatch],
  ["mqtt-packet: Invalid suback QoS, must be 0, 1, 2 or 128", "90 06 0006 00010203", Err.MqttBadSubackCode],
  ["suback: return code 0x81", "90 03 0006 81", Err.MqttBadSubackCode],
  ["suback: packet id 0", "90 03 0000 00", Err.MqttZeroPacketId],
  // UNSUBSCRIBE (§3.10)
  ["mqtt-packet: Malformed unsubscribe, no payload specified", "a2 00", Err.MqttMalformed],
  ["unsubscribe: packet id but no filter (§3.10.3-2)", "a2 02 0007", Err.MqttMalformed],
  ["unsubscribe: a lone trailing byte", "a2 03 0007 00", Err.MqttMalformed],
  ["unsubscribe: bad wildcard 'a/#/b'", "a2 09 0007 0005 612f232f62", Err.MqttMalformed],
  // header-only packets
  ["pingresp: remaining length 1", "d0 01 00", Err.MqttLengthMismatch],
  ["pingreq: remaining length 1 (header alone)", "c0 01", Err.MqttLengthMismatch],
  ["disconnect: remaining length 2", "e0 02 0000", Err.MqttLengthMismatch],
];

type EncodeCase = readonly [description: string, run: (dst: Uint8Array) => number, code: number];

const T = utf8Bytes("t/1");
/** topicNameField's error code, or 0 when it made a field. */
const codeOf = (r: Uint8Array | number): number => (typeof r === "number" ? r : 0);
/** The name field of topic[0..len) (a valid topic: the table's rows test the header, not the field). */
const fieldOf = (topic: Uint8Array, len: number): Uint8Array => {
  const f = topicNameField(topic, len);
  if (typeof f === "number") throw new Error(`topicNameField failed with ${f}`);
  return f;
};
const big65536 = repeatText("a", 65536);

export const encodeErrors: readonly EncodeCase[] = [
  ["connect: keep-alive -1", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: -1 }), Err.ValueRange],
  ["connect: keep-alive 65536", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 65536 }), Err.ValueRange],
  ["connect: keep-alive 1.5", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 1.5 }), Err.ValueRange],
  ["connect: keep-alive NaN", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: NaN }), Err.ValueRange],
  ["connect: empty client id without clean session (§3.1.3-7)", (d) => encodeConnect(d, 0, { clientId: "", cleanSession: false, keepAliveS: 0 }), Err.ValueRange],
  ["connect: client id of 65536 bytes", (d) => encodeConnect(d, 0, { clientId: big65536, cleanSession: true, keepAliveS: 0 }), Err.ValueRange],
  ["connect: client id with U+0000", (d) => encodeConnect(d, 0, { clientId: "a\u0000", cleanSession: true, keepAliveS: 0 }), Err.ValueRange],
  ["connect: username of 65536 bytes", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, username: big65536 }), Err.ValueRange],
  ["connect: password of 65536 bytes", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, username: "u", password: new Uint8Array(65536) }), Err.ValueRange],
  ["connect: password without username (§3.1.2-22)", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, password: "p" }), Err.ValueRange],
  ["connect: will QoS 3", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, will: { topic: "w", payload: "", qos: 3 as 2, retain: false } }), Err.ValueRange],
  ["connect: empty will topic", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, will: { topic: "", payload: "", qos: 0, retain: false } }), Err.ValueRange],
  ["connect: will topic with '+'", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, will: { topic: "a/+", payload: "", qos: 0, retain: false } }), Err.ValueRange],
  ["connect: will payload of 65536 bytes", (d) => encodeConnect(d, 0, { clientId: "a", cleanSession: true, keepAliveS: 0, will: { topic: "w", payload: new Uint8Array(65536), qos: 0, retain: false } }), Err.ValueRange],
  ["connect: 65535-byte password fits", (d) => encodeConnect(d, 0, { clientId: "", cleanSession: true, keepAliveS: 0, username: "", password: new Uint8Array(65535) }) - (1 + 3 + 10 + 2 + 2 + 2 + 65535), 0],
  ["connect: 65535-byte will payload fits", (d) => encodeConnect(d, 0, { clientId: "", cleanSession: true, keepAliveS: 0, will: { topic: "w", payload: new Uint8Array(65535), qos: 0, retain: false } }) - (1 + 3 + 10 + 2 + 3 + 2 + 65535), 0],
  ["connect: too small a buffer", (d) => encodeConnect(d.subarray(0, 13), 0, { clientId: "", cleanSession: true, keepAliveS: 0 }), Err.BufferTooSmall],
  ["connack: return code 6", (d) => encodeConnack(d, 0, false, 6), Err.ValueRange],
  ["connack: session present with refusal", (d) => encodeConnack(d, 0, true, 1), Err.ValueRange],
  ["publish: QoS 2 not sent by this client", (d) => encodePublish(d, 0, T, 3, T, 0, 0, 2 as 1, 1, false, false), Err.ValueRange],
  ["publish: empty topic", (d) => encodePublish(d, 0, T, 0, T, 0, 0, 0, 0, false, false), Err.ValueRange],
  ["publish: topicLen beyond the topic array", (d) => encodePublish(d, 0, T, 4, T, 0, 0, 0, 0, false, false), Err.ValueRange],
  ["publish: topic of 65536 bytes", (d) => encodePublish(d, 0, new Uint8Array(65536), 65536, T, 0, 0, 0, 0, false, false), Err.TopicTooLong],
  ["publish: QoS 1 packet id 0", (d) => encodePublish(d, 0, T, 3, T, 0, 0, 1, 0, false, false), Err.ValueRange],
  ["publish: QoS 1 packet id 65536", (d) => encodePublish(d, 0, T, 3, T, 0, 0, 1, 65536, false, false), Err.ValueRange],
  ["publish: DUP with QoS 0 (§3.3.1-2)", (d) => encodePublish(d, 0, T, 3, T, 0, 0, 0, 0, false, true), Err.ValueRange],
  ["publish: payload range past its array", (d) => encodePublish(d, 0, T, 3, T, 1, 3, 0, 0, false, false), Err.ValueRange],
  ["publish: negative payload length", (d) => encodePublish(d, 0, T, 3, T, 0, -1, 0, 0, false, false), Err.ValueRange],
  ["publish: remaining length over 268435455", (d) => encodePublish(d, 0, T, 3, T, 0, MAX_REMAINING_LENGTH_BYTES, 0, 0, false, false), Err.ValueRange],
  ["publish: buffer one byte short", (d) => encodePublish(d.subarray(0, 9), 0, T, 3, T, 0, 3, 0, 0, false, false), Err.BufferTooSmall],
  ["publish: negative offset", (d) => encodePublish(d, -1, T, 3, T, 0, 3, 0, 0, false, false), Err.BufferTooSmall],
  ["publish header: no room before the payload", (d) => encodePublishHeaderBefore(d, 6, 1, T, 3, 0, 0, false, false), Err.BufferTooSmall],
  ["publish header: exactly enough room", (d) => encodePublishHeaderBefore(d, 7, 1, T, 3, 0, 0, false, false), 0],
  ["publish header: payload past the buffer", (d) => encodePublishHeaderBefore(d, d.length - 1, 2, T, 3, 0, 0, false, false), Err.ValueRange],
  ["publish header: QoS 1 packet id 0", (d) => encodePublishHeaderBefore(d, 20, 1, T, 3, 1, 0, false, false), Err.ValueRange],
  ["prepared-topic header: payload past the buffer", (d) => encodeQos0HeaderBefore(d, d.length - 1, 2, fieldOf(T, 3)), Err.ValueRange],
  ["prepared-topic header: negative payload length", (d) => encodeQos0HeaderBefore(d, 20, -1, fieldOf(T, 3)), Err.ValueRange],
  ["prepared-topic header: an empty field (no topic adopted)", (d) => encodeQos0HeaderBefore(d, 20, 1, new Uint8Array(0)), Err.ValueRange],
  ["prepared-topic header: no room before the payload", (d) => encodeQos0HeaderBefore(d, 6, 1, fieldOf(T, 3)), Err.BufferTooSmall],
  ["topic name field: empty topic", () => codeOf(topicNameField(T, 0)), Err.ValueRange],
  ["topic name field: longer than the array", () => codeOf(topicNameField(T, T.length + 1)), Err.ValueRange],
  ["topic name field: over 65,535 bytes", () => codeOf(topicNameField(new Uint8Array(65_536).fill(0x61), 65_536)), Err.TopicTooLong],
  ["puback: packet id 0", (d) => encodePuback(d, 0, 0), Err.ValueRange],
  ["puback: packet id 65536", (d) => encodePuback(d, 0, 65536), Err.ValueRange],
  ["puback: packet id 1.5", (d) => encodePuback(d, 0, 1.5), Err.ValueRange],
  ["puback: 3-byte buffer", (d) => encodePuback(d.subarray(0, 3), 0, 1), Err.BufferTooSmall],
  ["subscribe: no filters (§3.8.3-3)", (d) => encodeSubscribe(d, 0, 1, []), Err.ValueRange],
  ["subscribe: packet id 0", (d) => encodeSubscribe(d, 0, 0, [{ filter: "a", qos: 0 }]), Err.ValueRange],
  ["subscribe: QoS 3", (d) => encodeSubscribe(d, 0, 1, [{ filter: "a", qos: 3 as 2 }]), Err.ValueRange],
  ["subscribe: empty filter", (d) => encodeSubscribe(d, 0, 1, [{ filter: "", qos: 0 }]), Err.ValueRange],
  ["subscribe: filter 'a#'", (d) => encodeSubscribe(d, 0, 1, [{ filter: "a#", qos: 0 }]), Err.ValueRange],
  ["subscribe: filter 'a/+b'", (d) => encodeSubscribe(d, 0, 1, [{ filter: "a/+b", qos: 0 }]), Err.ValueRange],
  ["subscribe: filter with U+0000", (d) => encodeSubscribe(d, 0, 1, [{ filter: "a\u0000", qos: 0 }]), Err.ValueRange],
  ["subscribe: filter of 65536 bytes", (d) => encodeSubscribe(d, 0, 1, [{ filter: big65536, qos: 0 }]), Err.ValueRange],
  ["suback: return code 3", (d) => encodeSuback(d, 0, 1, [3]), Err.ValueRange],
  ["suback: no return codes", (d) => encodeSuback(d, 0, 1, []), Err.ValueRange],
  ["unsubscribe: no filters (§3.10.3-2)", (d) => encodeUnsubscribe(d, 0, 1, []), Err.ValueRange],
  ["unsubscribe: filter '#/a'", (d) => encodeUnsubscribe(d, 0, 1, ["#/a"]), Err.ValueRange],
  ["pingreq: 1-byte buffer", (d) => encodePingreq(d.subarray(0, 1), 0), Err.BufferTooSmall],
  ["remainingLengthBytes(268435456)", () => remainingLengthBytes(MAX_REMAINING_LENGTH_BYTES + 1), Err.ValueRange],
  ["remainingLengthBytes(-1)", () => remainingLengthBytes(-1), Err.ValueRange],
  ["remainingLengthBytes(1.5)", () => remainingLengthBytes(1.5), Err.ValueRange],
  ["writeFixedHeader: body does not fit", (d) => writeFixedHeader(d.subarray(0, 10), 0, 0x30, 9), Err.BufferTooSmall],
  ["writeRemainingLength: 2 bytes into 1", (d) => writeRemainingLength(d.subarray(0, 1), 0, 128), Err.BufferTooSmall],
];

/**
 * String-length limits with strings near 65,535 bytes. V8 only (`heavyParts`): on XS,
 * charCodeAt is O(index), so scanning a 65,535-character string is quadratic (seconds).
 */
export const encodeStringLimits: readonly EncodeCase[] = [
  ["connect: 65535-byte client id fits", (d) => encodeConnect(d, 0, { clientId: repeatText("a", 65535), cleanSession: true, keepAliveS: 0 }) - (1 + 3 + 10 + 2 + 65535), 0],
  ["connect: 65535-byte username of 3-byte characters fits", (d) => encodeConnect(d, 0, { clientId: "", cleanSession: true, keepAliveS: 0, username: repeatText("€", 21845) }) - (1 + 3 + 10 + 2 + 2 + 65535), 0],
  ["connect: 65538-byte username of 3-byte characters", (d) => encodeConnect(d, 0, { clientId: "", cleanSession: true, keepAliveS: 0, username: repeatText("€", 21846) }), Err.ValueRange],
  ["subscribe: 65535-byte filter fits", (d) => encodeSubscribe(d, 0, 1, [{ filter: repeatText("a", 65535), qos: 0 }]) - (1 + 3 + 2 + 2 + 65535 + 1), 0],
  ["unsubscribe: 65536-byte filter of 2-byte characters", (d) => encodeUnsubscribe(d, 0, 1, [repeatText("é", 32768)]), Err.ValueRange],
];

/** §2.2.3 remaining-length boundaries: [value, encoding]. */
export const remainingLengthVectors: readonly (readonly [number, string])[] = [
  [0, "00"], [1, "01"], [127, "7f"], [128, "8001"], [321, "c102"], [16_383, "ff7f"], [16_384, "808001"],
  [2_097_151, "ffff7f"], [2_097_152, "80808001"], [268_435_455, "ffffff7f"],
];

/** Topic-name and topic-filter checks (§4.7): [text, valid as name, valid as filter]. */
export const topicVectors: readonly (readonly [string, boolean, boolean])[] = [
  ["a", true, true], ["a/b/c", true, true], ["/", true, true], ["//", true, true], ["$SYS/x", true, true],
  ["é/😀", true, true], ["", false, false], ["+", false, true], ["#", false, true], ["a/+", false, true],
  ["a/+/b", false, true], ["+/+", false, true], ["a/#", false, true], ["/#", false, true], ["+/#", false, true],
  ["a+", false, false], ["+a", false, false], ["a#", false, false], ["#/a", false, false], ["a/#/b", false, false],
  ["##", false, false], ["++", false, false], ["a/b#", false, false], ["sport/tennis#", false, false],
];

// ---------------------------------------------------------------- decoding drivers

interface Rec {
  code: number;
  key: string;
  /** Bytes of the stream pushed when the result came. */
  at: number;
}

/**
 * Pushes src into d in chunks of chunk() bytes (or through writeOffset/commit when
 * zeroCopy), draining next() after each, and records every non-NEED_MORE result.
 */
export function decodeStream(check: Check, d: AnyDecoder, src: Uint8Array, chunk: () => number, zeroCopy: boolean, what: string): Rec[] {
  const out: Rec[] = [];
  let pos = 0;
  while (pos < src.length) {
    const want = Math.min(Math.max(1, chunk()), src.length - pos);
    let n: number;
    if (zeroCopy) {
      const w = d.writeOffset();
      n = Math.min(want, d.buf.length - w);
      d.buf.set(src.subarray(pos, pos + n), w);
      if (d.commit(n) !== n) check.ok(false, `${what}: commit(${n}) refused`);
    } else {
      n = d.push(src, pos, want);
    }
    pos += n;
    let got = 0;
    for (;;) {
      const t = d.next();
      if (t === NEED_MORE) break;
      got++;
      if (t < 0) {
        out.push({ code: t, key: "", at: pos });
        return out;
      }
      checkBounds(check, d, what);
      out.push({ code: t, key: key(decodedFields(d)), at: pos });
    }
    if (n === 0 && got === 0) {
      check.ok(false, `${what}: stuck: buffer full (${d.filled - d.readOff} bytes) and no packet`);
      return out;
    }
  }
  return out;
}

/** Compares recorded results with the expected packets (ends[i] = stream offset after packet i). */
function expectRecs(check: Check, recs: Rec[], expected: Fields[], ends: number[], what: string): void {
  check.is(recs.length, expected.length, `${what}: packet count`);
  const n = Math.min(recs.length, expected.length);
  for (let i = 0; i < n; i++) {
    check.is(recs[i].code, typeOfKind[expected[i].kind], `${what}: #${i} type`);
    check.is(recs[i].key, key(expected[i]), `${what}: #${i} fields`);
    // A packet must not come out before its last byte was pushed.
    check.ok(recs[i].at >= ends[i], `${what}: #${i} returned after ${recs[i].at} bytes, before its end ${ends[i]}`);
  }
}

// ---------------------------------------------------------------- the suite

function testEncoders(check: Check): void {
  const dst = new Uint8Array(70_000);
  for (const [desc, f, w, mode] of vectors) {
    const wire = wireOf(w);
    const n = encodeFields(dst, 0, f);
    if (mode === "decode-only") {
      check.is(n, Err.ValueRange, `encode ${desc}: refused`);
      continue;
    }
    check.is(n, wire.length, `encode ${desc}: length`);
    if (n > 0) check.bytes(dst.slice(0, n), wire, `encode ${desc}: bytes`);
    // No byte outside [off, off + n) is touched.
    const canary = new Uint8Array(wire.length + 6).fill(0xa5);
    check.is(encodeFields(canary, 3, f), 3 + wire.length, `encode ${desc}: at offset 3`);
    check.bytes(canary.slice(3, 3 + wire.length), wire, `encode ${desc}: bytes at offset 3`);
    let untouched = true;
    for (let i = 0; i < 3; i++) untouched = untouched && canary[i] === 0xa5 && canary[canary.length - 1 - i] === 0xa5;
    check.ok(untouched, `encode ${desc}: wrote outside its range`);
    // One byte short, and no room at all.
    check.is(encodeFields(new Uint8Array(wire.length - 1), 0, f), Err.BufferTooSmall, `encode ${desc}: one byte short`);
    check.is(encodeFields(canary, canary.length - wire.length + 1, f), Err.BufferTooSmall, `encode ${desc}: one byte short at an offset`);
    check.is(encodeFields(new Uint8Array(0), 0, f), Err.BufferTooSmall, `encode ${desc}: empty buffer`);
    if (f.kind === "publish") testPublishVariants(check, desc, f, wire);
  }
  for (const [desc, run, code] of encodeErrors) check.is(run(dst), code, `encode error: ${desc}`);
}

function testPublishVariants(check: Check, desc: string, f: Fields & { kind: "publish" }, wire: Uint8Array): void {
  const topic = utf8Bytes(f.topic);
  const payload = asBytes(f.payload);
  const qos = f.qos as 0 | 1;
  check.is(publishPacketBytes(topic.length, payload.length, qos), wire.length, `${desc}: publishPacketBytes`);
  const headLen = wire.length - payload.length;
  check.ok(headLen <= publishHeaderMaxBytes(topic.length), `${desc}: header within publishHeaderMaxBytes`);

  // Zero-copy: payload already in dst, header written before it.
  const reserve = publishHeaderMaxBytes(topic.length);
  const dst = new Uint8Array(reserve + payload.length + 4).fill(0xa5);
  dst.set(payload, reserve + 1);
  const start = encodePublishHeaderBefore(dst, reserve + 1, payload.length, topic, topic.length, qos, f.packetId, f.retain, f.dup);
  check.is(start, reserve + 1 - headLen, `${desc}: header start`);
  if (start >= 0) check.bytes(dst.slice(start, reserve + 1 + payload.length), wire, `${desc}: zero-copy bytes`);
  check.ok(start < 1 || dst[start - 1] === 0xa5, `${desc}: zero-copy wrote before its start`);
  const tight = new Uint8Array(wire.length);
  tight.set(payload, headLen);
  check.is(encodePublishHeaderBefore(tight, headLen, payload.length, topic, topic.length, qos, f.packetId, f.retain, f.dup), 0, `${desc}: zero-copy exact fit`);
  check.bytes(tight, wire, `${desc}: zero-copy exact fit bytes`);
  check.is(encodePublishHeaderBefore(tight, headLen - 1, payload.length, topic, topic.length, qos, f.packetId, f.retain, f.dup), Err.BufferTooSmall, `${desc}: zero-copy one byte short`);

  // The prepared-topic QoS 0 header (the agent's sensor frames): the same bytes, the same limits.
  if (qos === 0 && !f.retain && !f.dup) {
    const field = topicNameField(topic, topic.length);
    if (typeof field === "number") check.is(field, 0, `${desc}: topicNameField`);
    else {
      const q = new Uint8Array(reserve + payload.length + 4).fill(0xa5);
      q.set(payload, reserve + 1);
      const qStart = encodeQos0HeaderBefore(q, reserve + 1, payload.length, field);
      check.is(qStart, reserve + 1 - headLen, `${desc}: prepared-topic header start`);
      if (qStart >= 0) check.bytes(q.slice(qStart, reserve + 1 + payload.length), wire, `${desc}: prepared-topic bytes`);
      check.ok(qStart < 1 || q[qStart - 1] === 0xa5, `${desc}: prepared-topic header wrote before its start`);
      const qTight = new Uint8Array(wire.length);
      qTight.set(payload, headLen);
      check.is(encodeQos0HeaderBefore(qTight, headLen, payload.length, field), 0, `${desc}: prepared-topic exact fit`);
      check.bytes(qTight, wire, `${desc}: prepared-topic exact fit bytes`);
      check.is(encodeQos0HeaderBefore(qTight, headLen - 1, payload.length, field), Err.BufferTooSmall, `${desc}: prepared-topic one byte short`);
    }
  }

  // Topic and payload passed as ranges of larger arrays (the copy-by-loop path).
  const bigTopic = concatBytes(topic, fromHex("2f2f2f"));
  const bigPayload = concatBytes(fromHex("eeeeeeee"), payload, fromHex("ee"));
  const out = new Uint8Array(wire.length);
  check.is(encodePublish(out, 0, bigTopic, topic.length, bigPayload, 4, payload.length, qos, f.packetId, f.retain, f.dup), wire.length, `${desc}: ranges`);
  check.bytes(out, wire, `${desc}: ranges bytes`);

  // Payload already inside dst, after the packet and at its final place (copyWithin path).
  const inplace = new Uint8Array(wire.length + payload.length + 10);
  inplace.set(payload, wire.length + 10);
  check.is(encodePublish(inplace, 0, topic, topic.length, inplace, wire.length + 10, payload.length, qos, f.packetId, f.retain, f.dup), wire.length, `${desc}: payload in dst`);
  check.bytes(inplace.slice(0, wire.length), wire, `${desc}: payload in dst bytes`);
  const same = new Uint8Array(wire.length);
  same.set(payload, headLen);
  check.is(encodePublish(same, 0, topic, topic.length, same, headLen, payload.length, qos, f.packetId, f.retain, f.dup), wire.length, `${desc}: payload in place`);
  check.bytes(same, wire, `${desc}: payload in place bytes`);
}

function testHeaderAndTopics(check: Check): void {
  const dst = new Uint8Array(8);
  for (const [n, hex] of remainingLengthVectors) {
    const end = writeRemainingLength(dst, 1, n);
    check.is(end, 1 + hex.length / 2, `remaining length ${n}: size`);
    check.is(remainingLengthBytes(n), hex.length / 2, `remainingLengthBytes(${n})`);
    if (end > 0) check.is(toHex(dst, 1, end), hex, `remaining length ${n}: bytes`);
  }
  for (const [s, name, filter] of topicVectors) {
    const b = utf8Bytes(s);
    check.is(checkTopicName(b, 0, b.length) === 0, name, `topic name "${s}"`);
    check.is(checkTopicFilter(b, 0, b.length) === 0, filter, `topic filter "${s}"`);
  }
}

function testDecodeVectors(check: Check): void {
  const client = new MqttDecoder(VECTORS_MAX_REMAINING_BYTES);
  const server = new MqttServerDecoder(VECTORS_MAX_REMAINING_BYTES);
  const r = new Prng(0x5eed_0001);
  // Two packets of each direction to follow a vector: PINGRESP or PINGREQ, then PUBACK 9.
  const clientTrailer = fromHex("d0 00 40 02 0009");
  const serverTrailer = fromHex("c0 00 40 02 0009");
  const puback9: Fields = { kind: "puback", packetId: 9 };
  for (const [desc, f, w] of vectors) {
    const wire = wireOf(w);
    const toServer = isClientOnly(typeOfKind[f.kind]);
    const d: AnyDecoder = toServer ? server : client;
    const trailer = toServer ? serverTrailer : clientTrailer;
    const trailerFields: Fields[] = [{ kind: toServer ? "pingreq" : "pingresp" }, puback9];
    const one = [f];
    const ends = [wire.length];
    const feeds: [string, () => number, boolean][] = [
      ["whole", () => wire.length, false],
      ["byte by byte", () => 1, false],
      ["random chunks", () => r.int(1, 1 + (wire.length >> 1)), false],
      ["random chunks, zero-copy", () => r.int(1, 1 + (wire.length >> 1)), true],
    ];
    for (const [how, chunk, zc] of feeds) {
      d.reset();
      expectRecs(check, decodeStream(check, d, wire, chunk, zc, `${desc} (${how})`), one, ends, `decode ${desc} (${how})`);
      check.is(d.next(), NEED_MORE, `decode ${desc} (${how}): nothing left`);
    }
    // Trailing bytes: the next packets must still parse, from the same push.
    d.reset();
    const withTrailer = concatBytes(wire, trailer);
    expectRecs(check, decodeStream(check, d, withTrailer, () => withTrailer.length, false, desc), [f, ...trailerFields], [wire.length, wire.length + 2, withTrailer.length], `decode ${desc} (trailing bytes)`);
  }
  // All vectors of one direction back to back, several per chunk, through a buffer just big
  // enough for the largest: exercises partial push acceptance and compaction.
  for (const [side, d] of [["client", client], ["server", server]] as const) {
    const mine = vectors.filter((v) => isClientOnly(typeOfKind[v[1].kind]) === (side === "server"));
    const stream = concatBytes(...mine.map((v) => wireOf(v[2])));
    const all = mine.map((v) => v[1]);
    const ends: number[] = [];
    let o = 0;
    for (const v of mine) ends.push((o += wireOf(v[2]).length));
    const plans: [string, () => number, boolean][] = [
      ["whole", () => stream.length, false],
      ["random chunks", () => r.int(1, 3000), false],
      ["small random chunks", () => r.int(1, 40), false],
      ["random chunks, zero-copy", () => r.int(1, 3000), true],
      ["byte by byte", () => 1, false],
    ];
    for (const [how, chunk, zc] of plans) {
      d.reset();
      expectRecs(check, decodeStream(check, d, stream, chunk, zc, `${side} stream (${how})`), all, ends, `all ${side}-bound vectors in one stream (${how})`);
    }
  }
}

function testBigPublishes(check: Check): void {
  // 3- and 4-byte remaining-length boundary (§2.2.3): 2,097,151 and 2,097,152.
  const d = new MqttDecoder(2_097_152);
  const dst = new Uint8Array(2_097_152 + 5);
  const topic = utf8Bytes("t");
  for (const [remLen, header] of [[2_097_151, "30 ffff7f 0001 74"], [2_097_152, "30 80808001 0001 74"]] as const) {
    const payload = pattern(remLen - 3, 9);
    const n = encodePublish(dst, 0, topic, 1, payload, 0, payload.length, 0, 0, false, false);
    const h = fromHex(header);
    check.is(n, h.length + payload.length, `big publish ${remLen}: length`);
    check.bytes(dst.slice(0, h.length), h, `big publish ${remLen}: header`);
    check.is(fnv(dst.subarray(h.length, n)), fnv(payload), `big publish ${remLen}: payload`);
    for (const chunk of [n, 65_536, 1_000_003]) {
      d.reset();
      let pos = 0;
      let t = NEED_MORE;
      while (pos < n && t === NEED_MORE) {
        pos += d.push(dst, pos, Math.min(chunk, n - pos));
        t = d.next();
      }
      check.is(t, PacketType.Publish, `big publish ${remLen} in chunks of ${chunk}: type`);
      check.is(pos, n, `big publish ${remLen} in chunks of ${chunk}: not before the end`);
      check.is(d.topicLen, 1, `big publish ${remLen}: topic`);
      check.is(d.payloadLen, payload.length, `big publish ${remLen}: payload length`);
      check.is(fnv(d.buf.subarray(d.payloadOff, d.payloadOff + d.payloadLen)), fnv(payload), `big publish ${remLen}: payload bytes`);
    }
  }
  // One byte over the maximum is refused from the header alone.
  const small = new MqttDecoder(2_097_151);
  check.is(small.push(fromHex("30 80808001"), 0, 5), 5, "big: header pushed");
  check.is(small.next(), Err.MqttTooLarge, "big: 2097152 > 2097151 from the header alone");
}

function validPacket(): Uint8Array {
  return fromHex("32 0a 0003 612f62 0001 010203"); // the "QoS 1 packet id 1" vector
}

function expectRecovers(check: Check, d: AnyDecoder, what: string): void {
  d.reset();
  const v = validPacket();
  check.is(d.push(v, 0, v.length), v.length, `${what}: push after reset`);
  check.is(d.next(), PacketType.Publish, `${what}: valid packet after reset`);
  check.is(d.packetId, 1, `${what}: packet id after reset`);
  check.is(d.payloadLen, 3, `${what}: payload after reset`);
  check.is(d.next(), NEED_MORE, `${what}: then nothing`);
}

function testErrors(check: Check): void {
  const client = new MqttDecoder(ERROR_DECODER_MAX_BYTES);
  const server = new MqttServerDecoder(ERROR_DECODER_MAX_BYTES);
  const valid = validPacket();
  for (const [desc, hex, code] of errorVectors) {
    const wire = fromHex(hex);
    const d = decoderFor(wire[0] >>> 4, client, server);
    // Whole, then sticky.
    d.reset();
    check.is(d.push(wire, 0, wire.length), wire.length, `${desc}: push`);
    check.is(d.next(), code, `${desc}: error`);
    check.is(d.next(), code, `${desc}: error is sticky`);
    check.is(d.push(valid, 0, valid.length), valid.length, `${desc}: push while failed drops the bytes`);
    check.is(d.next(), code, `${desc}: still the error after more bytes`);
    expectRecovers(check, d, desc);
    // Byte by byte: NEED_MORE until the error, never a packet, error by the last byte.
    d.reset();
    let got = NEED_MORE;
    for (let i = 0; i < wire.length && got === NEED_MORE; i++) {
      d.push(wire, i, 1);
      got = d.next();
    }
    check.is(got, code, `${desc}: byte by byte`);
    // With a valid packet behind it in the same push: still the error, no packet.
    d.reset();
    const both = concatBytes(wire, valid);
    d.push(both, 0, both.length);
    check.is(d.next(), code, `${desc}: with trailing valid packet`);
    expectRecovers(check, d, `${desc} (trailing)`);
  }

  // mqtt-packet "stops parsing after first error": CONNECT, bad SUBSCRIBE x2, DISCONNECT.
  const d = server;
  const s = fromHex(`10 0c ${MQTT_HDR} 02 001e 0000  80 09 0006 0004 74657374 00  80 09 0006 0004 74657374 00  e0 00`);
  d.reset();
  d.push(s, 0, s.length);
  check.is(d.next(), PacketType.Connect, "stops after first error: connect");
  check.is(d.next(), Err.MqttBadFlags, "stops after first error: error");
  check.is(d.next(), Err.MqttBadFlags, "stops after first error: no disconnect");
  d.reset();
  const again = fromHex(`10 0c ${MQTT_HDR} 02 001e 0000 e0 00`);
  d.push(again, 0, again.length);
  check.is(d.next(), PacketType.Connect, "after reset: connect");
  check.is(d.next(), PacketType.Disconnect, "after reset: disconnect");
  check.is(d.next(), NEED_MORE, "after reset: end");
}

function testDecoderLimits(check: Check): void {
  // remaining length == max is accepted, max + 1 refused.
  const zero = new MqttDecoder(0);
  check.is(zero.buf.length, 5, "max 0: buffer of 5 bytes");
  zero.push(fromHex("d0 00 d0 00"), 0, 4);
  check.is(zero.next(), PacketType.Pingresp, "max 0: pingresp");
  check.is(zero.next(), PacketType.Pingresp, "max 0: second pingresp");
  zero.push(fromHex("40 02 0001"), 0, 4);
  check.is(zero.next(), Err.MqttTooLarge, "max 0: puback too large");
  const ten = new MqttDecoder(10);
  const p10 = fromHex("30 0a 0004 74657374 74657374");
  ten.push(p10, 0, p10.length);
  check.is(ten.next(), PacketType.Publish, "max 10: remaining length 10 accepted");
  const p11 = fromHex("30 0b 0004 74657374 7465737421");
  ten.push(p11, 0, 2);
  check.is(ten.next(), Err.MqttTooLarge, "max 10: remaining length 11 refused from the header");

  // §2.2.3 does not require the shortest encoding in 3.1.1: a 4-byte encoding of 6 is read.
  const nonMinimal = fromHex("30 86808000 0004 74657374  30 8600 0004 74657374");
  const nm = new MqttDecoder(16);
  check.is(nm.push(nonMinimal, 0, nonMinimal.length), nonMinimal.length, "non-minimal length: push");
  check.is(nm.next(), PacketType.Publish, "non-minimal 4-byte remaining length");
  check.is(nm.topicLen === 4 && nm.payloadLen === 0 && nm.packetEnd === 11, true, "non-minimal 4-byte remaining length: fields");
  check.is(nm.next(), PacketType.Publish, "non-minimal 2-byte remaining length");
  check.is(nm.packetEnd - nm.packetOff, 9, "non-minimal 2-byte remaining length: packet bytes"); // next() may have moved it to the front

  // A full buffer takes only what fits; the caller drains and pushes the rest.
  const tiny = new MqttDecoder(8); // 13-byte buffer
  const pubacks = new Uint8Array(60);
  for (let i = 0; i < 15; i++) encodePuback(pubacks, i * 4, i + 1);
  check.is(tiny.push(pubacks, 0, pubacks.length), 13, "tiny: first push takes 13 bytes");
  let pos = 13;
  let id = 0;
  let guard = 0;
  while (id < 15 && guard++ < 100) {
    const t = tiny.next();
    if (t === PacketType.Puback) {
      check.is(tiny.packetId, ++id, `tiny: puback ${id}`);
    } else {
      check.is(t, NEED_MORE, "tiny: only pubacks or NEED_MORE");
      pos += tiny.push(pubacks, pos, pubacks.length - pos);
    }
  }
  check.is(id, 15, "tiny: all 15 pubacks");
  check.is(pos, 60, "tiny: all bytes pushed");

  // Argument checks.
  check.is(tiny.push(pubacks, 59, 2), Err.ValueRange, "push: range past src");
  check.is(tiny.push(pubacks, -1, 1), Err.ValueRange, "push: negative offset");
  check.is(tiny.commit(14), Err.ValueRange, "commit: more than the room");
  check.is(tiny.commit(-1), Err.ValueRange, "commit: negative");
  let threw = 0;
  for (const bad of [-1, 1.5, MAX_REMAINING_LENGTH_BYTES + 1, NaN]) {
    try {
      new MqttDecoder(bad);
    } catch (e) {
      threw++;
    }
  }
  check.is(threw, 4, "constructor refuses bad sizes");

  // Views stay valid until the next call that may move bytes; reset() empties.
  const v = new MqttDecoder(64);
  const two = fromHex("30 07 0001 61 6869 6a6b 30 07 0001 62 6c6d 6e6f");
  v.push(two, 0, two.length);
  check.is(v.next(), PacketType.Publish, "views: first");
  check.is(toHex(v.buf, v.payloadOff, v.payloadOff + v.payloadLen), "68696a6b", "views: first payload");
  check.is(v.next(), PacketType.Publish, "views: second");
  check.is(toHex(v.buf, v.topicOff, v.topicOff + v.topicLen), "62", "views: second topic");
  v.push(two, 0, 3);
  v.reset();
  check.is(v.next(), NEED_MORE, "reset drops buffered bytes");
  check.is(v.filled, 0, "reset empties the buffer");
}

function testServerSide(check: Check): void {
  // A fake broker's round trip: client CONNECT/SUBSCRIBE decoded, fields read back as offsets.
  const dst = new Uint8Array(256);
  let n = encodeConnect(dst, 0, { clientId: "bs-7", cleanSession: true, keepAliveS: 15, username: "agent", password: new Uint8Array([1, 2, 3]) });
  n = encodeSubscribe(dst, n, 3, [{ filter: "m/bs-7/#", qos: 1 }, { filter: "c/+", qos: 0 }]);
  n = encodeConnack(dst, n, false, 0);
  const d = new MqttServerDecoder(128);
  d.push(dst, 0, n);
  check.is(d.next(), PacketType.Connect, "broker: connect");
  check.is(toHex(d.buf, d.clientIdOff, d.clientIdOff + d.clientIdLen), toHex(utf8Bytes("bs-7")), "broker: client id");
  check.is(d.keepAliveS, 15, "broker: keep-alive");
  check.is(d.hasPassword, 1, "broker: password present");
  check.is(d.passwordLen, 3, "broker: password length");
  check.is(d.next(), PacketType.Subscribe, "broker: subscribe");
  check.is(d.filterCount, 2, "broker: two filters");
  check.is(toHex(d.buf, d.topicOff, d.topicOff + d.topicLen), toHex(utf8Bytes("m/bs-7/#")), "broker: first filter as topic");
  let p = d.filterAt(d.payloadOff);
  check.is(d.filterQos, 1, "broker: first QoS");
  p = d.filterAt(p);
  check.is(toHex(d.buf, d.filterOff, d.filterOff + d.filterLen), toHex(utf8Bytes("c/+")), "broker: second filter");
  check.is(d.filterQos, 0, "broker: second QoS");
  check.is(p, d.payloadOff + d.payloadLen, "broker: end of list");
  check.is(d.next(), Err.MqttWrongDirection, "broker: a CONNACK from a client is refused");
}

/** Table 2.1: which packet types each decoder takes, judged from the first byte alone. */
function testDirections(check: Check): void {
  const client = new MqttDecoder(64);
  const server = new MqttServerDecoder(64);
  const bothWays = [PacketType.Publish, PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel, PacketType.Pubcomp];
  for (let type = 0; type <= 15; type++) {
    const b0 = new Uint8Array([(type << 4) | (type === PacketType.Pubrel || type === PacketType.Subscribe || type === PacketType.Unsubscribe ? 2 : 0)]);
    const reserved = type === 0 || type === 15;
    const both = bothWays.indexOf(type as (typeof bothWays)[number]) >= 0;
    const clientOnly = isClientOnly(type);
    const wantClient = reserved ? Err.MqttBadType : clientOnly ? Err.MqttWrongDirection : NEED_MORE;
    const wantServer = reserved ? Err.MqttBadType : clientOnly || both ? NEED_MORE : Err.MqttWrongDirection;
    client.reset();
    client.push(b0, 0, 1);
    check.is(client.next(), wantClient, `client decoder, first byte of type ${type}`);
    server.reset();
    server.push(b0, 0, 1);
    check.is(server.next(), wantServer, `server decoder, first byte of type ${type}`);
  }
}

/** The suite's parts, in order (exported so a part can be timed or run alone). */
export const parts: readonly (readonly [string, (check: Check) => void])[] = [
  ["remaining length and topics", testHeaderAndTopics],
  ["encoders", testEncoders],
  ["decoder vectors", testDecodeVectors],
  ["decoder errors", testErrors],
  ["decoder limits", testDecoderLimits],
  ["server side", testServerSide],
  ["directions", testDirections],
];

/**
 * Parts too slow for XS in a unit-test budget (2 MB packets: ~10 s; 65,535-character
 * strings: quadratic charCodeAt). Engine-agnostic all the same; mqtt.test.ts runs them on V8.
 */
export const heavyParts: readonly (readonly [string, (check: Check) => void])[] = [
  ["big publishes", testBigPublishes],
  ["string limits", testStringLimits],
];

function testStringLimits(check: Check): void {
  const dst = new Uint8Array(70_000);
  for (const [desc, run, code] of encodeStringLimits) check.is(run(dst), code, `encode limit: ${desc}`);
}

export function run(check: Check): void {
  for (const [, part] of parts) part(check);
}

/** The heavy parts (V8). */
export function runHeavy(check: Check): void {
  for (const [, part] of heavyParts) part(check);
}
