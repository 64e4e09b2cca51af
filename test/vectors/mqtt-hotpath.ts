/*
 * mqtt-hotpath: the steady-state MQTT work of a running agent, as zero-argument functions,
 * for allocation metering on XS (test/mqtt.test.ts) and for benchmarks. All buffers are
 * made once at module load; each op returns a number so its work cannot be skipped, and
 * `verify()` checks that the ops really encode and decode what they should.
 * Imports only src/ and testkit/, so it bundles for XS.
 */
import { Err, NEED_MORE } from "../../src/errors";
import { utf8Bytes } from "../../src/codec/bytes";
import { PacketType } from "../../src/codec/mqtt/constants";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import { encodePingreq } from "../../src/codec/mqtt/ping";
import { encodePuback, encodePublish, encodePublishHeaderBefore, encodeQos0HeaderBefore, publishHeaderMaxBytes, topicNameField } from "../../src/codec/mqtt/publish";
import { encodeConnect } from "../../src/codec/mqtt/connect";
import { encodeSubscribe } from "../../src/codec/mqtt/subscribe";
import { encodeConnack, encodeSuback } from "../../testkit/mqtt-server-codec";

const topic = utf8Bytes("bs/agent-0001/sensor");
const payload = new Uint8Array(93);
for (let i = 0; i < payload.length; i++) payload[i] = i;
const out = new Uint8Array(1024);
const reserve = publishHeaderMaxBytes(topic.length);
const frame = new Uint8Array(reserve + payload.length);
const topicField = topicNameField(topic, topic.length) as Uint8Array;
frame.set(payload, reserve);
const decoder = new MqttDecoder(1024);

// Inbound traffic: a QoS 1 motor PUBLISH, a PUBACK, a PINGRESP, a CONNACK and a SUBACK.
const rx = new Uint8Array(512);
const rxPublishEnd = encodePublish(rx, 0, topic, topic.length, payload, 0, payload.length, 1, 4242, false, false);
const rxAll = new Uint8Array(512);
let n = encodePublish(rxAll, 0, topic, topic.length, payload, 0, payload.length, 1, 4242, false, false);
n = encodePuback(rxAll, n, 7);
rxAll[n++] = 0xd0; // PINGRESP
rxAll[n++] = 0x00;
n = encodeConnack(rxAll, n, true, 0);
const subackCodes = new Uint8Array([1, 0x80]);
n = encodeSuback(rxAll, n, 9, subackCodes);
const rxAllEnd = n;
/** A receive chunk that is a range of a larger array (the copy-by-loop path of push()). */
const rxRange = new Uint8Array(rxAllEnd + 8);
rxRange.set(rxAll.subarray(0, rxAllEnd), 3);

// A tracked connection (client-rules): CONNECT and SUBSCRIBE sent, CONNACK and SUBACK received
// at load; then each op sends a QoS 1 PUBLISH and a PINGREQ and decodes their PUBACK and PINGRESP.
const tracked = new MqttDecoder(1024);
const txSetup = new Uint8Array(256);
const txSubscribeAt = encodeConnect(txSetup, 0, { clientId: "hot", cleanSession: true, keepAliveS: 30 });
encodeSubscribe(txSetup, txSubscribeAt, 1, [{ filter: "bs/hot/#", qos: 1 }]);
const rxSetup = new Uint8Array(16);
const rxSetupEnd = encodeSuback(rxSetup, encodeConnack(rxSetup, 0, false, 0), 1, [1]);
/** Starts the tracked connection afresh; returns CONNACK * 100 + SUBACK when both were accepted. */
function setupTracked(): number {
  tracked.reset();
  tracked.sent(txSetup, 0);
  tracked.sent(txSetup, txSubscribeAt);
  tracked.push(rxSetup, 0, rxSetupEnd);
  return tracked.next() * 100 + tracked.next();
}
setupTracked();
const txPublish = new Uint8Array(256);
const txPing = new Uint8Array(2);
encodePingreq(txPing, 0);
const rxAcks = new Uint8Array(6);
encodePuback(rxAcks, 0, 4242);
rxAcks[4] = 0xd0; // PINGRESP
rxAcks[5] = 0x00;

export const ops = {
  encodePublishQos0: (): number => encodePublish(out, 0, topic, topic.length, payload, 0, payload.length, 0, 0, false, false),
  encodePublishQos1: (): number => encodePublish(out, 0, topic, topic.length, payload, 0, payload.length, 1, 777, true, false),
  encodePublishHeaderBefore: (): number => encodePublishHeaderBefore(frame, reserve, payload.length, topic, topic.length, 0, 0, false, false),
  encodeQos0HeaderBefore: (): number => encodeQos0HeaderBefore(frame, reserve, payload.length, topicField),
  encodePubackAndPing: (): number => encodePingreq(out, encodePuback(out, 0, 4242)),
  decodePublish: (): number => {
    decoder.push(rx, 0, rxPublishEnd);
    return decoder.next() + decoder.payloadLen + decoder.topicLen;
  },
  decodeSplitPublish: (): number => {
    decoder.push(rx, 0, 40);
    const a = decoder.next();
    decoder.push(rx, 40, rxPublishEnd - 40);
    return a + decoder.next();
  },
  decodeMixed: (): number => {
    decoder.push(rxRange, 3, rxAllEnd);
    let sum = 0;
    for (let t = decoder.next(); t > 0; t = decoder.next()) sum += t + decoder.packetId;
    return sum;
  },
  trackedAckRoundTrip: (): number => {
    encodePublish(txPublish, 0, topic, topic.length, payload, 0, payload.length, 1, 4242, false, false);
    tracked.sent(txPublish, 0);
    tracked.sent(txPing, 0);
    tracked.push(rxAcks, 0, rxAcks.length);
    return tracked.next() + tracked.next();
  },
  decodeZeroCopy: (): number => {
    const w = decoder.writeOffset();
    for (let i = 0; i < rxPublishEnd; i++) decoder.buf[w + i] = rx[i];
    decoder.commit(rxPublishEnd);
    return decoder.next();
  },
};

/** Runs every op once and checks its result; returns the names of ops that misbehaved. */
export function verify(): string[] {
  const bad: string[] = [];
  const pubLen = 1 + 1 + 2 + topic.length + payload.length;
  if (ops.encodePublishQos0() !== pubLen) bad.push("encodePublishQos0");
  if (ops.encodePublishQos1() !== pubLen + 2) bad.push("encodePublishQos1");
  if (ops.encodePublishHeaderBefore() !== reserve - (pubLen - payload.length)) bad.push("encodePublishHeaderBefore");
  if (ops.encodeQos0HeaderBefore() !== reserve - (pubLen - payload.length)) bad.push("encodeQos0HeaderBefore");
  if (ops.encodePubackAndPing() !== 6) bad.push("encodePubackAndPing");
  decoder.reset();
  if (ops.decodePublish() !== PacketType.Publish + payload.length + topic.length || decoder.packetId !== 4242) bad.push("decodePublish");
  if (ops.decodeSplitPublish() !== NEED_MORE + PacketType.Publish) bad.push("decodeSplitPublish");
  const mixed = PacketType.Publish + 4242 + PacketType.Puback + 7 + PacketType.Pingresp + PacketType.Connack + PacketType.Suback + 9;
  if (ops.decodeMixed() !== mixed) bad.push("decodeMixed");
  if (ops.decodeZeroCopy() !== PacketType.Publish) bad.push("decodeZeroCopy");
  if (setupTracked() !== PacketType.Connack * 100 + PacketType.Suback) bad.push("tracked connection setup");
  if (ops.trackedAckRoundTrip() !== PacketType.Puback + PacketType.Pingresp) bad.push("trackedAckRoundTrip");
  // Tracking is on: a second PUBACK for the same id is refused.
  tracked.push(rxAcks, 0, 4);
  if (tracked.next() !== Err.MqttUnsolicitedAck) bad.push("tracked decoder refuses an ack for nothing outstanding");
  setupTracked(); // ready for the allocation meter
  if (decoder.next() !== NEED_MORE) bad.push("decoder left bytes behind");
  return bad;
}
