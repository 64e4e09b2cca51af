/*
 * mqtt-strict.suite: every packet an MQTT 3.1.1 server must not send to a client, as a table,
 * against the client's decoder (src/codec/mqtt/decoder.ts), on V8 and on XS.
 *
 * Each vector names a context, what the client has sent and received before (replayed
 * through decoder.sent() and the context's packets from the server), optional valid server
 * packets that lead up to the violation, the violating packet, the rule, and the error code.
 * Each vector is fed
 *   - whole: the leading packets decode, then next() gives the code, sticky;
 *   - one byte at a time: the same results, the code no later than the last byte;
 *   - followed by a packet that is valid in that place: still the code, never that packet;
 * and then, after reset() and the same context, the leading packets and the valid packet
 * decode (so the third feed really had something to refuse). The `accepted` table holds
 * packets near the rules that a server may send; they decode in the same contexts.
 * The integration test (test/mqtt-strict-node.test.ts) sends the same vectors from a fake
 * broker to the Node host. Imports only src/, testkit/ and test/helpers, so it bundles for XS.
 */
import { errorName, Err, NEED_MORE } from "../../src/errors";
import { concatBytes, fromHex, utf8Bytes } from "../../src/codec/bytes";
import { encodeConnect } from "../../src/codec/mqtt/connect";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import { encodePingreq } from "../../src/codec/mqtt/ping";
import { encodePublish } from "../../src/codec/mqtt/publish";
import { encodeSubscribe } from "../../src/codec/mqtt/subscribe";
import type { Check } from "../helpers/suite";

/**
 * Where a vector arrives. In all three the client has sent CONNECT, SUBSCRIBE (packet id 1,
 * one filter at QoS 1), a QoS 1 PUBLISH (packet id 7) and a PINGREQ.
 *   - fresh: CONNECT with clean session; nothing received yet.
 *   - connected: as fresh, and the CONNACK (accepted, no session present) has arrived.
 *   - persistent: CONNECT without clean session; nothing received yet.
 */
export type Context = "fresh" | "connected" | "persistent";

/** [name, context, leading valid server packets (hex, may be ""), the violating packet (hex), rule, code]. */
export type StrictVector = readonly [name: string, context: Context, lead: string, bad: string, rule: string, code: number];

/** The client's packet id of its SUBSCRIBE and of its QoS 1 PUBLISH in every context. */
export const SUBSCRIBE_ID = 1;
export const PUBLISH_ID = 7;
/** The largest remaining length the decoders under test accept (a local limit, not a rule). */
export const STRICT_MAX_PACKET_BYTES = 1024;

const CONNACK_OK = "20 02 00 00";

export const strictVectors: readonly StrictVector[] = [
  // ---- §2.2.2 fixed-header flags (MQTT-2.2.2-1, -2: invalid flags close the connection) ----
  ["CONNACK with flags 0001", "fresh", "", "21 02 00 00", "§2.2.2 MQTT-2.2.2-1: CONNACK flags are 0000", Err.MqttBadFlags],
  ["PUBACK with flags 0010", "connected", "", "42 02 0007", "§2.2.2 MQTT-2.2.2-1: PUBACK flags are 0000", Err.MqttBadFlags],
  ["PUBREC with flags 1000", "connected", "", "58 02 0007", "§2.2.2 MQTT-2.2.2-1: PUBREC flags are 0000", Err.MqttBadFlags],
  ["PUBREL with flags 0000", "connected", "", "60 02 0007", "§2.2.2 MQTT-2.2.2-1: PUBREL flags are 0010", Err.MqttBadFlags],
  ["PUBREL with flags 0011", "connected", "", "63 02 0007", "§2.2.2 MQTT-2.2.2-1: PUBREL flags are 0010", Err.MqttBadFlags],
  ["PUBCOMP with flags 0001", "connected", "", "71 02 0007", "§2.2.2 MQTT-2.2.2-1: PUBCOMP flags are 0000", Err.MqttBadFlags],
  ["SUBACK with flags 0010", "connected", "", "92 03 0001 01", "§2.2.2 MQTT-2.2.2-1: SUBACK flags are 0000", Err.MqttBadFlags],
  ["UNSUBACK with flags 0100", "connected", "", "b4 02 0001", "§2.2.2 MQTT-2.2.2-1: UNSUBACK flags are 0000", Err.MqttBadFlags],
  ["PINGRESP with flags 1000", "connected", "", "d8 00", "§2.2.2 MQTT-2.2.2-1: PINGRESP flags are 0000", Err.MqttBadFlags],
  ["PINGRESP with flags 1111, first byte alone", "connected", "", "df", "§2.2.2 MQTT-2.2.2-2: refused from the first byte", Err.MqttBadFlags],
  ["PUBLISH QoS 3", "connected", "", "36 07 0003 632f64 0009", "§3.3.1.2 MQTT-3.3.1-4: no PUBLISH has both QoS bits set", Err.MqttBadFlags],
  ["PUBLISH QoS 3 with DUP and RETAIN", "connected", "", "3f 07 0003 632f64 0009", "§3.3.1.2 MQTT-3.3.1-4: no PUBLISH has both QoS bits set", Err.MqttBadFlags],
  ["PUBLISH DUP with QoS 0", "connected", "", "38 05 0003 632f64", "§3.3.1.1 MQTT-3.3.1-2: DUP is 0 at QoS 0", Err.MqttBadFlags],

  // ---- §2.2.3 remaining length ----
  ["remaining length in 5 bytes", "connected", "", "30 80 80 80 80 01", "§2.2.3: at most 4 bytes", Err.MqttBadLength],
  ["remaining length overflowing 4 bytes (continuation bit on the 4th)", "connected", "", "30 ff ff ff ff", "§2.2.3: at most 268,435,455", Err.MqttBadLength],
  ["PINGRESP with a 5-byte remaining length", "connected", "", "d0 80 80 80 80 00", "§2.2.3: at most 4 bytes", Err.MqttBadLength],
  ["remaining length 268,435,455 (over the client's limit)", "connected", "", "30 ff ff ff 7f", "local limit: maxPacketBytes, refused from the header", Err.MqttTooLarge],

  // ---- lengths that do not match the packet type; trailing bytes inside a packet ----
  ["CONNACK remaining length 3 (a trailing byte)", "fresh", "", "20 03 00 00 00", "§3.2.1: CONNACK remaining length is 2", Err.MqttLengthMismatch],
  ["CONNACK remaining length 1", "fresh", "", "20 01 00", "§3.2.1: CONNACK remaining length is 2", Err.MqttLengthMismatch],
  ["CONNACK remaining length 0", "fresh", "", "20 00", "§3.2.1: CONNACK remaining length is 2", Err.MqttLengthMismatch],
  ["PUBACK remaining length 3 (a trailing byte)", "connected", "", "40 03 0007 00", "§3.4.1: PUBACK remaining length is 2", Err.MqttLengthMismatch],
  ["PUBACK remaining length 1", "connected", "", "40 01 00", "§3.4.1: PUBACK remaining length is 2", Err.MqttLengthMismatch],
  ["PUBACK remaining length 0", "connected", "", "40 00", "§3.4.1: PUBACK remaining length is 2", Err.MqttLengthMismatch],
  ["PUBREC remaining length 4 (trailing bytes)", "connected", "", "50 04 0007 0000", "§3.5.1: PUBREC remaining length is 2", Err.MqttLengthMismatch],
  ["PUBREL remaining length 3 (a trailing byte)", "connected", "", "62 03 0007 00", "§3.6.1: PUBREL remaining length is 2", Err.MqttLengthMismatch],
  ["PUBCOMP remaining length 1", "connected", "", "70 01 07", "§3.7.1: PUBCOMP remaining length is 2", Err.MqttLengthMismatch],
  ["SUBACK without a return code", "connected", "", "90 02 0001", "§3.9: packet id and at least one return code", Err.MqttLengthMismatch],
  ["SUBACK remaining length 0", "connected", "", "90 00", "§3.9: packet id and at least one return code", Err.MqttLengthMismatch],
  ["SUBACK with a trailing code (2 codes for 1 filter)", "connected", "", "90 04 0001 01 01", "§3.9.3 MQTT-3.8.4-5: one return code per filter", Err.MqttSubackCount],
  ["UNSUBACK remaining length 3 (a trailing byte)", "connected", "", "b0 03 0001 00", "§3.11.1: UNSUBACK remaining length is 2", Err.MqttLengthMismatch],
  ["UNSUBACK remaining length 0", "connected", "", "b0 00", "§3.11.1: UNSUBACK remaining length is 2", Err.MqttLengthMismatch],
  ["PINGRESP remaining length 1 (a trailing byte)", "connected", "", "d0 01 00", "§3.13.1: PINGRESP remaining length is 0", Err.MqttLengthMismatch],
  ["PINGRESP remaining length 2", "connected", "", "d0 02 0000", "§3.13.1: PINGRESP remaining length is 0", Err.MqttLengthMismatch],
  ["PUBLISH remaining length 1", "connected", "", "30 01 00", "§3.3.2: a topic length needs 2 bytes", Err.MqttMalformed],
  ["PUBLISH topic longer than the packet", "connected", "", "30 04 0005 6364", "§3.3.2.1: the topic lies inside the packet", Err.MqttMalformed],
  ["PUBLISH QoS 1 without a packet id", "connected", "", "32 05 0003 632f64", "§3.3.2.2: QoS 1 and 2 carry a packet id", Err.MqttMalformed],

  // ---- packet types a server never sends (Table 2.1), reserved types (§2.2.1) ----
  ["CONNECT from the server", "connected", "", "10 0c 0004 4d515454 04 02 001e 0000", "§2.2.1 Table 2.1: CONNECT goes client to server", Err.MqttWrongDirection],
  ["SUBSCRIBE from the server", "connected", "", "82 08 0001 0003 632f64 00", "§2.2.1 Table 2.1: SUBSCRIBE goes client to server", Err.MqttWrongDirection],
  ["UNSUBSCRIBE from the server", "connected", "", "a2 07 0001 0003 632f64", "§2.2.1 Table 2.1: UNSUBSCRIBE goes client to server", Err.MqttWrongDirection],
  ["PINGREQ from the server", "connected", "", "c0 00", "§2.2.1 Table 2.1: PINGREQ goes client to server", Err.MqttWrongDirection],
  ["DISCONNECT from the server", "connected", "", "e0 00", "§2.2.1 Table 2.1: DISCONNECT goes client to server", Err.MqttWrongDirection],
  ["reserved type 0", "connected", "", "00 00", "§2.2.1: type 0 is reserved", Err.MqttBadType],
  ["reserved type 15 (AUTH is MQTT 5)", "connected", "", "f0 00", "§2.2.1: type 15 is reserved", Err.MqttBadType],
  ["reserved type 15 before CONNACK", "fresh", "", "f0 00", "§2.2.1: type 15 is reserved", Err.MqttBadType],

  // ---- CONNACK: first, once, fields (§3.2) ----
  ["PUBLISH before CONNACK", "fresh", "", "30 05 0003 632f64", "§3.2 MQTT-3.2.0-1: the server's first packet is CONNACK", Err.MqttConnackNotFirst],
  ["PUBACK before CONNACK", "fresh", "", "40 02 0007", "§3.2 MQTT-3.2.0-1: the server's first packet is CONNACK", Err.MqttConnackNotFirst],
  ["SUBACK before CONNACK", "fresh", "", "90 03 0001 01", "§3.2 MQTT-3.2.0-1: the server's first packet is CONNACK", Err.MqttConnackNotFirst],
  ["PINGRESP before CONNACK", "fresh", "", "d0 00", "§3.2 MQTT-3.2.0-1: the server's first packet is CONNACK", Err.MqttConnackNotFirst],
  ["a second CONNACK", "connected", "", CONNACK_OK, "§3.2: one CONNACK answers the one CONNECT (MQTT-3.1.0-2)", Err.MqttConnackRepeated],
  ["a second CONNACK after traffic", "connected", "90 03 0001 01", "20 02 00 00", "§3.2: one CONNACK answers the one CONNECT (MQTT-3.1.0-2)", Err.MqttConnackRepeated],
  ["CONNACK acknowledge flags 0x02", "fresh", "", "20 02 02 00", "§3.2.2.1: acknowledge flags bits 7-1 are reserved, 0", Err.MqttBadConnack],
  ["CONNACK acknowledge flags 0x80", "fresh", "", "20 02 80 00", "§3.2.2.1: acknowledge flags bits 7-1 are reserved, 0", Err.MqttBadConnack],
  ["CONNACK return code 6", "fresh", "", "20 02 00 06", "§3.2.2.3: return codes 6-255 are reserved", Err.MqttBadConnack],
  ["CONNACK return code 255", "fresh", "", "20 02 00 ff", "§3.2.2.3: return codes 6-255 are reserved", Err.MqttBadConnack],
  ["CONNACK session present with a refusal", "fresh", "", "20 02 01 05", "§3.2.2.2 MQTT-3.2.2-4: a refusal has session present 0", Err.MqttBadConnack],
  ["CONNACK session present on a clean session", "fresh", "", "20 02 01 00", "§3.2.2.2 MQTT-3.2.2-1: clean session means session present 0", Err.MqttSessionPresent],

  // ---- PUBLISH (§3.3) ----
  ["PUBLISH QoS 1 with packet id 0", "connected", "", "32 07 0003 632f64 0000", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],
  ["PUBLISH QoS 2 with packet id 0", "connected", "", "34 07 0003 632f64 0000", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],
  ["PUBLISH QoS 2 to a client subscribed at QoS 1", "connected", "", "34 07 0003 632f64 0009", "§3.8.4 MQTT-3.8.4-6: delivery QoS is at most the granted QoS", Err.MqttQosNotRequested],

  // ---- packet id 0 in acknowledgements (§2.3.1) ----
  ["PUBACK with packet id 0", "connected", "", "40 02 0000", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],
  ["PUBREL with packet id 0", "connected", "", "62 02 0000", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],
  ["SUBACK with packet id 0", "connected", "", "90 03 0000 01", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],
  ["UNSUBACK with packet id 0", "connected", "", "b0 02 0000", "§2.3.1 MQTT-2.3.1-1: packet ids are non-zero", Err.MqttZeroPacketId],

  // ---- SUBACK return codes (§3.9.3) ----
  ["SUBACK return code 0x03", "connected", "", "90 03 0001 03", "§3.9.3 MQTT-3.9.3-2: codes are 0x00-0x02 or 0x80", Err.MqttBadSubackCode],
  ["SUBACK return code 0x7f", "connected", "", "90 03 0001 7f", "§3.9.3 MQTT-3.9.3-2: codes are 0x00-0x02 or 0x80", Err.MqttBadSubackCode],
  ["SUBACK return code 0x81", "connected", "", "90 03 0001 81", "§3.9.3 MQTT-3.9.3-2: codes are 0x00-0x02 or 0x80", Err.MqttBadSubackCode],
  ["SUBACK return code 0xff", "connected", "", "90 03 0001 ff", "§3.9.3 MQTT-3.9.3-2: codes are 0x00-0x02 or 0x80", Err.MqttBadSubackCode],

  // ---- acknowledgements of packet ids never sent, or already acknowledged ----
  ["PUBACK for a packet id never sent", "connected", "", "40 02 0008", "§4.3.2 MQTT-2.3.1-6: PUBACK carries the id of a QoS 1 PUBLISH sent", Err.MqttUnsolicitedAck],
  ["PUBACK twice for one PUBLISH", "connected", "40 02 0007", "40 02 0007", "§4.3.2: one PUBACK per QoS 1 PUBLISH", Err.MqttUnsolicitedAck],
  ["PUBREC for a QoS 1 PUBLISH", "connected", "", "50 02 0007", "§4.3.3 MQTT-2.3.1-6: PUBREC answers a QoS 2 PUBLISH", Err.MqttUnsolicitedAck],
  ["PUBREL without a PUBREC sent", "connected", "", "62 02 0007", "§4.3.3 MQTT-2.3.1-6: PUBREL answers a PUBREC", Err.MqttUnsolicitedAck],
  ["PUBCOMP without a PUBREL sent", "connected", "", "70 02 0007", "§4.3.3: PUBCOMP answers a PUBREL", Err.MqttUnsolicitedAck],
  ["SUBACK for a packet id never sent", "connected", "", "90 03 0002 01", "§3.9.2 MQTT-3.8.4-2: SUBACK carries the SUBSCRIBE's id", Err.MqttUnsolicitedAck],
  ["SUBACK twice for one SUBSCRIBE", "connected", "90 03 0001 01", "90 03 0001 01", "§3.8.4 MQTT-3.8.4-1: one SUBACK per SUBSCRIBE", Err.MqttUnsolicitedAck],
  ["UNSUBACK without an UNSUBSCRIBE sent", "connected", "", "b0 02 0001", "§3.11.2 MQTT-3.10.4-4: UNSUBACK carries the UNSUBSCRIBE's id", Err.MqttUnsolicitedAck],
  ["PINGRESP twice for one PINGREQ", "connected", "d0 00", "d0 00", "§3.13: PINGRESP answers a PINGREQ", Err.MqttUnsolicitedAck],

  // ---- PUBLISH topic names: well-formed UTF-8 (§1.5.3), no wildcards (§4.7) ----
  ["topic holding U+0000", "connected", "", "30 06 0004 632f0064", "§1.5.3 MQTT-1.5.3-2: no U+0000", Err.MqttBadUtf8],
  ["topic holding a surrogate U+D800 (ED A0 80)", "connected", "", "30 07 0005 632f eda080", "§1.5.3 MQTT-1.5.3-1: no U+D800-U+DFFF", Err.MqttBadUtf8],
  ["topic holding a surrogate U+DFFF (ED BF BF)", "connected", "", "30 07 0005 632f edbfbf", "§1.5.3 MQTT-1.5.3-1: no U+D800-U+DFFF", Err.MqttBadUtf8],
  ["topic holding a CESU-8 surrogate pair for U+1F600", "connected", "", "30 08 0006 eda0bd edb880", "§1.5.3 MQTT-1.5.3-1: no U+D800-U+DFFF", Err.MqttBadUtf8],
  ["topic with an overlong '/' (C0 AF)", "connected", "", "30 06 0004 63 c0af 64", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with an overlong U+0000 (C0 80)", "connected", "", "30 05 0003 63 c080", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with a 3-byte overlong '/' (E0 80 AF)", "connected", "", "30 06 0004 63 e080af", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with a 4-byte overlong '/' (F0 80 80 AF)", "connected", "", "30 07 0005 63 f08080af", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic above U+10FFFF (F4 90 80 80)", "connected", "", "30 07 0005 63 f4908080", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with a lone continuation byte", "connected", "", "30 05 0003 63 80 64", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic ending inside a sequence (E2 82)", "connected", "", "30 05 0003 63 e282", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with byte FF", "connected", "", "30 05 0003 63 ff 64", "§1.5.3 MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629)", Err.MqttBadUtf8],
  ["topic with '+'", "connected", "", "30 05 0003 632f2b", "§3.3.2.1 MQTT-3.3.2-2: no wildcards in a topic name", Err.MqttBadTopicName],
  ["topic with '#'", "connected", "", "30 05 0003 632f23", "§3.3.2.1 MQTT-3.3.2-2: no wildcards in a topic name", Err.MqttBadTopicName],
  ["topic '+' alone, QoS 1", "connected", "", "32 05 0001 2b 0009", "§3.3.2.1 MQTT-3.3.2-2: no wildcards in a topic name", Err.MqttBadTopicName],
  ["empty topic", "connected", "", "30 02 0000", "§4.7.3 MQTT-4.7.3-1: a topic name has at least one character", Err.MqttBadTopicName],
];

/** [name, context, server packets (hex)] that a server may send: all decode, no error. */
export const acceptedVectors: readonly (readonly [name: string, context: Context, wire: string])[] = [
  ["CONNACK accepted", "fresh", CONNACK_OK],
  ["CONNACK refused (return code 5): a refusal is not a violation", "fresh", "20 02 00 05"],
  ["CONNACK session present on a persistent session", "persistent", "20 02 01 00"],
  ["CONNACK then PUBACK, SUBACK (QoS 1) and PINGRESP for what was sent", "fresh", `${CONNACK_OK} 40 02 0007 90 03 0001 01 d0 00`],
  ["SUBACK failure 0x80", "connected", "90 03 0001 80"],
  ["SUBACK granting QoS 0", "connected", "90 03 0001 00"],
  ["PUBLISH QoS 0 and QoS 1 (the server's own packet id 7)", "connected", "30 05 0003 632f64 32 07 0003 632f64 0007"],
  ["PUBLISH before the SUBACK (MQTT 3.8.4 permits it)", "connected", "32 07 0003 632f64 0009 90 03 0001 01"],
  ["PUBLISH with a remaining length in more bytes than needed (3.1.1 allows it)", "connected", "30 85 80 00 0003 632f64"],
  ["PUBLISH topic with U+0001 and U+007F (SHOULD NOT, MAY close: accepted)", "connected", "30 06 0004 63 01 7f 64"],
  ["PUBLISH topic with 2-, 3- and 4-byte UTF-8 and '$'", "connected", "30 10 000e 24 c3a9 2f e282ac 2f f09f9880 2f 78"],
  ["PUBLISH QoS 2 on a persistent session (earlier subscriptions may allow it)", "persistent", `20 02 01 00 34 07 0003 632f64 0009`],
];

/** Where the decoder stands after `context`: sent packets replayed, received packets decoded. */
export function enterContext(d: MqttDecoder, context: Context): void {
  d.reset();
  const out = new Uint8Array(256);
  let n = encodeConnect(out, 0, { clientId: "c", cleanSession: context !== "persistent", keepAliveS: 30 });
  const subscribeAt = n;
  n = encodeSubscribe(out, n, SUBSCRIBE_ID, [{ filter: "c/#", qos: 1 }]);
  const publishAt = n;
  const topic = utf8Bytes("c/up");
  n = encodePublish(out, n, topic, topic.length, topic, 0, 0, 1, PUBLISH_ID, false, false);
  const pingAt = n;
  encodePingreq(out, n);
  for (const at of [0, subscribeAt, publishAt, pingAt]) d.sent(out, at);
  if (context === "connected") {
    const connack = fromHex(CONNACK_OK);
    d.push(connack, 0, connack.length);
    d.next();
  }
}

/** A packet that the server may send right after the leading packets of a vector in this context. */
export function validFollower(context: Context, lead: string): string {
  return context === "connected" || lead !== "" ? "30 05 0003 632f64" : CONNACK_OK;
}

/** Counts whole packets in a hex stream of valid packets (1-byte remaining lengths). */
function packetCount(hex: string): number {
  const b = fromHex(hex);
  let n = 0;
  for (let p = 0; p < b.length; n++) p += 2 + b[p + 1];
  return n;
}

/** Pushes bytes (whole, or one at a time) and collects every result of next() but NEED_MORE, up to the first error. */
function feed(d: MqttDecoder, bytes: Uint8Array, byteByByte: boolean): { results: number[]; errorAt: number } {
  const results: number[] = [];
  const step = byteByByte ? 1 : bytes.length;
  for (let pos = 0; pos < bytes.length; pos += step) {
    d.push(bytes, pos, Math.min(step, bytes.length - pos));
    for (let t = d.next(); t !== NEED_MORE; t = d.next()) {
      results.push(t);
      if (t < 0) return { results, errorAt: pos + step };
    }
  }
  return { results, errorAt: -1 };
}

function testStrictVectors(check: Check): void {
  const d = new MqttDecoder(STRICT_MAX_PACKET_BYTES);
  for (const [name, context, lead, bad, , code] of strictVectors) {
    const leadBytes = fromHex(lead);
    const badBytes = fromHex(bad);
    const leadCount = packetCount(lead);
    const both = concatBytes(leadBytes, badBytes);
    for (const byteByByte of [false, true]) {
      const how = byteByByte ? "one byte at a time" : "whole";
      enterContext(d, context);
      const { results, errorAt } = feed(d, both, byteByByte);
      check.is(results.length, leadCount + 1, `${name} (${how}): leading packets, then one error`);
      for (let i = 0; i < leadCount; i++) check.ok(results[i] > 0, `${name} (${how}): leading packet ${i} decodes (${results[i]})`);
      check.is(results[results.length - 1], code, `${name} (${how}): code`);
      check.ok(errorAt > leadBytes.length && errorAt <= both.length, `${name} (${how}): error within the bad packet (at ${errorAt})`);
      check.is(d.next(), code, `${name} (${how}): sticky`);
    }
    // Followed by a valid packet in the same push: the code, never that packet.
    const follower = fromHex(validFollower(context, lead));
    enterContext(d, context);
    const withFollower = feed(d, concatBytes(both, follower), false);
    check.is(withFollower.results.length, leadCount + 1, `${name} (followed by a valid packet): no packet after the error`);
    check.is(withFollower.results[withFollower.results.length - 1], code, `${name} (followed by a valid packet): code`);
    check.is(d.push(follower, 0, follower.length), follower.length, `${name}: bytes after the error are dropped`);
    check.is(d.next(), code, `${name} (followed by a valid packet): still the code`);
    // The same context and leading packets with the valid packet instead: it decodes.
    enterContext(d, context);
    const recovered = feed(d, concatBytes(leadBytes, follower), false);
    check.is(recovered.results.length, leadCount + 1, `${name} (the valid packet instead): every packet decodes`);
    check.is(recovered.results[recovered.results.length - 1], follower[0] >>> 4, `${name} (the valid packet instead): its type`);
  }
}

function testAccepted(check: Check): void {
  const d = new MqttDecoder(STRICT_MAX_PACKET_BYTES);
  for (const [name, context, wire] of acceptedVectors) {
    const bytes = fromHex(wire);
    for (const byteByByte of [false, true]) {
      enterContext(d, context);
      const { results } = feed(d, bytes, byteByByte);
      let ok = results.length > 0;
      for (const r of results) ok = ok && r > 0;
      check.ok(ok, `accepted: ${name} (${byteByByte ? "one byte at a time" : "whole"}): ${results.map((r) => (r < 0 ? errorName(r) : String(r))).join(", ")}`);
    }
  }
  // Without a CONNECT sent, the decoder checks each packet on its own (a test decoding lone packets).
  d.reset();
  const lone = fromHex("40 02 0008 d0 00 20 02 01 00");
  const { results } = feed(d, lone, false);
  check.is(results.join(","), "4,13,2", "untracked: packets judged on their own");
}

/** The vector table as markdown: name, hex, rule, code. */
export function strictTable(): string {
  const rows = ["| # | vector | context | hex (server → client) | rule | error code |", "|---|---|---|---|---|---|"];
  strictVectors.forEach(([name, context, lead, bad, rule, code], i) => {
    const hex = lead === "" ? bad : `${lead} \u2192 ${bad}`;
    rows.push(`| ${i + 1} | ${name} | ${context} | \`${hex}\` | ${rule} | ${errorName(code)} (${code}) |`);
  });
  return rows.join("\n");
}

export function run(check: Check): void {
  testStrictVectors(check);
  testAccepted(check);
}
