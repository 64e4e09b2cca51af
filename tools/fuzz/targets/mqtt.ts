/*
 * fuzz target `mqtt`: the streaming MQTT decoders, the client's MqttDecoder
 * (src/codec/mqtt/decoder.ts) and the test broker's MqttServerDecoder
 * (testkit/mqtt-server-codec.ts), which share their framing.
 *
 * Corpus: every MQTT 3.1.1 packet type written by our encoders (src/codec/mqtt/* and
 * testkit/mqtt-server-codec.ts), with variants (will, credentials, QoS, several filters,
 * every CONNACK code), and streams of 2..3 packets. Each input is fed to three decoders in
 * turn, each ONE instance (reset first), in random chunks, through push() or
 * writeOffset()/commit(); next() is called until NEED_MORE or an error. The third is a client
 * decoder that tracks a connection (client-rules.ts): after each reset it is told the client
 * sent CONNECT, SUBSCRIBE, a QoS 1 PUBLISH and a PINGREQ, and half of its inputs start with a
 * CONNACK, so the rules that depend on what was sent are fuzzed too.
 * Failures: an exception; a result that is neither NEED_MORE, a packet type 1..14 matching the
 * first byte, nor a code next() documents; a returned packet whose offsets leave the packet or
 * the received bytes, or whose fields break §2/§3 ranges; an error that is not sticky; a
 * stall (buffer full, NEED_MORE); and after reset(), a valid probe stream that does not decode.
 */
import { utf8Bytes } from "../../../src/codec/bytes";
import { encodeConnect, type ConnectOptions } from "../../../src/codec/mqtt/connect";
import { PacketType } from "../../../src/codec/mqtt/constants";
import { MqttDecoder } from "../../../src/codec/mqtt/decoder";
import type { MqttPacketReader } from "../../../src/codec/mqtt/packet-reader";
import { encodeDisconnect, encodePingreq } from "../../../src/codec/mqtt/ping";
import { encodePuback, encodePublish } from "../../../src/codec/mqtt/publish";
import { encodeSubscribe, encodeUnsubscribe } from "../../../src/codec/mqtt/subscribe";
import { NEED_MORE } from "../../../src/errors";
import {
  MqttServerDecoder, encodeConnack, encodePingresp, encodePubcomp, encodePubrec, encodePubrel, encodeSuback, encodeUnsuback,
} from "../../../testkit/mqtt-server-codec";
import { Prng } from "../../../testkit/prng";
import { Err } from "../../../src/errors";
import { MQTT_NEXT_ERRORS, checkError, codeText, fail, inRange } from "../check";
import type { Failure, FuzzTarget, TargetInstance } from "../engine";
import { chunks } from "../mutate";

/** Remaining-length limit of the decoder under test: small, so MQTT_TOO_LARGE comes up. */
const FUZZ_MAX_PACKET_BYTES = 600;

function encoded(fn: (dst: Uint8Array, off: number) => number): Uint8Array {
  const dst = new Uint8Array(2048);
  const n = fn(dst, 0);
  if (n < 0) throw new Error(`fuzz corpus: an encoder failed with ${codeText(n)}`);
  return dst.slice(0, n);
}

function publish(topic: string, payload: Uint8Array, qos: 0 | 1, id: number, retain: boolean, dup: boolean): Uint8Array {
  const t = utf8Bytes(topic);
  return encoded((d, o) => encodePublish(d, o, t, t.length, payload, 0, payload.length, qos, id, retain, dup));
}

/** Valid packets of every type, deterministic in seed. */
export function mqttPackets(seed: number): Uint8Array[] {
  const rng = new Prng(seed ^ 0x6d717474);
  const out: Uint8Array[] = [];
  const connects: ConnectOptions[] = [
    { clientId: "bs-sim1", cleanSession: true, keepAliveS: 30 },
    { clientId: "", cleanSession: true, keepAliveS: 0 },
    { clientId: "agent-ü", cleanSession: false, keepAliveS: 65535, username: "user", password: utf8Bytes("secret") },
    { clientId: "w", cleanSession: true, keepAliveS: 5, will: { topic: "bs/1/sim1/up/ctl", payload: Uint8Array.of(0xa2, 0x61, 0x74, 0x0d, 0x61, 0x67, 0x01), qos: 1, retain: false } },
    { clientId: "w2", cleanSession: true, keepAliveS: 60, will: { topic: "a/b", payload: "", qos: 2, retain: true }, username: "" },
  ];
  for (const c of connects) out.push(encoded((d, o) => encodeConnect(d, o, c)));
  for (let rc = 0; rc <= 5; rc++) out.push(encoded((d, o) => encodeConnack(d, o, false, rc)));
  out.push(encoded((d, o) => encodeConnack(d, o, true, 0)));
  out.push(publish("bs/1/sim1/dn/mot", rng.bytes(40), 0, 0, false, false));
  out.push(publish("bs/1/sim1/dn/ctl", rng.bytes(12), 1, 7, false, false));
  out.push(publish("a", new Uint8Array(0), 1, 65535, true, true));
  out.push(publish("ü/é/ß", rng.bytes(130), 0, 0, true, false)); // a two-byte remaining length
  out.push(encoded((d, o) => encodePuback(d, o, 1)));
  out.push(encoded((d, o) => encodePubrec(d, o, 300)));
  out.push(encoded((d, o) => encodePubrel(d, o, 65535)));
  out.push(encoded((d, o) => encodePubcomp(d, o, 2)));
  out.push(encoded((d, o) => encodeSubscribe(d, o, 1, [{ filter: "bs/1/sim1/dn/ctl", qos: 1 }])));
  out.push(encoded((d, o) => encodeSubscribe(d, o, 2, [{ filter: "bs/1/+/up/#", qos: 0 }, { filter: "#", qos: 2 }, { filter: "+", qos: 1 }])));
  out.push(encoded((d, o) => encodeSuback(d, o, 1, [1])));
  out.push(encoded((d, o) => encodeSuback(d, o, 9, [0, 1, 2, 0x80])));
  out.push(encoded((d, o) => encodeUnsubscribe(d, o, 3, ["bs/1/sim1/dn/mot", "x/+/y"])));
  out.push(encoded((d, o) => encodeUnsuback(d, o, 3)));
  out.push(encoded(encodePingreq));
  out.push(encoded(encodePingresp));
  out.push(encoded(encodeDisconnect));
  return out;
}

/** A tracked client's packets: CONNECT (clean session), SUBSCRIBE 1 (QoS 1), PUBLISH QoS 1 (id 7), PINGREQ. */
function trackedPrologue(): Uint8Array[] {
  return [
    encoded((d, o) => encodeConnect(d, o, { clientId: "fz", cleanSession: true, keepAliveS: 30 })),
    encoded((d, o) => encodeSubscribe(d, o, 1, [{ filter: "bs/1/fz/dn/#", qos: 1 }])),
    publish("bs/1/fz/up/ctl", Uint8Array.of(1), 1, 7, false, false),
    encoded(encodePingreq),
  ];
}

const CONNACK_ACCEPTED = Uint8Array.of(0x20, 2, 0, 0);

/** next()'s codes on a tracked client decoder: the stateless ones and the session rules'. */
const MQTT_TRACKED_ERRORS: ReadonlySet<number> = new Set<number>([
  ...MQTT_NEXT_ERRORS, Err.MqttConnackNotFirst, Err.MqttConnackRepeated, Err.MqttSessionPresent,
  Err.MqttUnsolicitedAck, Err.MqttSubackCount, Err.MqttQosNotRequested,
]);

/** The probe stream after reset(): a QoS 1 PUBLISH then the decoder's direction's ping (PINGRESP or PINGREQ). */
function probeStream(server: boolean): { bytes: Uint8Array; topicLen: number; payloadLen: number } {
  const payload = Uint8Array.of(1, 2, 3, 4, 5);
  const p = publish("probe/t", payload, 1, 42, false, false);
  const ping = encoded(server ? encodePingreq : encodePingresp);
  const bytes = new Uint8Array(p.length + ping.length);
  bytes.set(p, 0);
  bytes.set(ping, p.length);
  return { bytes, topicLen: 7, payloadLen: 5 };
}

type AnyDecoder = MqttDecoder | MqttServerDecoder;

/** Range checks of a packet next() just returned. */
function checkPacket(d: AnyDecoder, type: number): Failure | null {
  if (!(type >= 1 && type <= 14)) return fail("next() returned a type outside 1..14", `type ${type}`);
  const lo = d.packetOff;
  const hi = d.packetEnd;
  // once every received byte is parsed, next() may empty the reader (readOff = filled = 0)
  const drained = d.readOff === 0 && d.filled === 0;
  let f = inRange("packet", lo, hi - lo, 0, drained ? d.buf.length : d.filled);
  if (f) return f;
  if (hi - lo < 2) return fail("packet shorter than a fixed header", `${hi - lo} bytes`);
  if (d.buf[lo] >>> 4 !== type) return fail("next() type differs from the first byte", `type ${type}, byte ${d.buf[lo]}`);
  if (d.readOff !== hi && !drained) return fail("readOff does not follow the packet", `readOff ${d.readOff}, packetEnd ${hi}`);
  switch (type) {
    case PacketType.Publish:
      if ((f = inRange("PUBLISH topic", d.topicOff, d.topicLen, lo, hi))) return f;
      if ((f = inRange("PUBLISH payload", d.payloadOff, d.payloadLen, lo, hi))) return f;
      if (d.payloadOff + d.payloadLen !== hi) return fail("PUBLISH payload does not end the packet");
      if (d.qos > 2 || (d.qos > 0 && !(d.packetId >= 1 && d.packetId <= 65535))) return fail("PUBLISH qos/packet id out of range", `qos ${d.qos} id ${d.packetId}`);
      if (d.topicLen === 0) return fail("PUBLISH accepted with an empty topic");
      return null;
    case PacketType.Connack:
      if (!(d instanceof MqttDecoder)) return fail("the server's decoder returned a CONNACK");
      if (d.returnCode > 5 || d.sessionPresent > 1) return fail("CONNACK fields out of range", `rc ${d.returnCode} sp ${d.sessionPresent}`);
      return null;
    case PacketType.Suback:
      if (!(d instanceof MqttDecoder)) return fail("the server's decoder returned a SUBACK");
      if ((f = inRange("SUBACK return codes", d.returnCodesOff, d.returnCodesLen, lo, hi))) return f;
      if (d.returnCodesLen < 1) return fail("SUBACK accepted without return codes");
      return null;
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: {
      if (!(d instanceof MqttServerDecoder)) return fail("the client's decoder returned a (UN)SUBSCRIBE");
      if ((f = inRange("filter list", d.payloadOff, d.payloadLen, lo, hi))) return f;
      const end = d.payloadOff + d.payloadLen;
      let pos = d.payloadOff;
      for (let i = 0; i < d.filterCount; i++) {
        if (pos >= end) return fail("filter list shorter than filterCount");
        pos = d.filterAt(pos);
        if ((f = inRange("topic filter", d.filterOff, d.filterLen, lo, hi))) return f;
        if (d.filterQos > 2) return fail("SUBSCRIBE filter QoS > 2");
      }
      if (pos !== end) return fail("filter list does not end at the packet end", `pos ${pos} end ${end}`);
      return null;
    }
    case PacketType.Connect:
      if (!(d instanceof MqttServerDecoder)) return fail("the client's decoder returned a CONNECT");
      if ((f = inRange("client id", d.clientIdOff, d.clientIdLen, lo, hi))) return f;
      if ((f = inRange("will topic", d.willTopicOff, d.willTopicLen, lo, hi))) return f;
      if ((f = inRange("will payload", d.willPayloadOff, d.willPayloadLen, lo, hi))) return f;
      if ((f = inRange("username", d.usernameOff, d.usernameLen, lo, hi))) return f;
      if ((f = inRange("password", d.passwordOff, d.passwordLen, lo, hi))) return f;
      if (d.willQos > 2) return fail("CONNECT will QoS > 2");
      return null;
    default:
      return null;
  }
}

/** Feeds n bytes of src from off, via push or writeOffset/commit. Returns bytes taken or a failure. */
function feed(d: MqttPacketReader, src: Uint8Array, off: number, n: number, zeroCopy: boolean): number | Failure {
  if (!zeroCopy) {
    const r = d.push(src, off, n);
    if (r < 0) return fail(`push() returned ${codeText(r)} for a valid range`);
    if (r > n) return fail("push() took more bytes than offered", `${r} > ${n}`);
    return r;
  }
  const at = d.writeOffset();
  const room = d.buf.length - at;
  if (room < 0 || at < 0) return fail("writeOffset() outside the buffer", `at ${at}`);
  const k = Math.min(room, n);
  d.buf.set(src.subarray(off, off + k), at);
  const r = d.commit(k);
  if (r !== k) return fail(`commit() returned ${codeText(r)} for ${k} bytes that fit`);
  return k;
}

/** Drains packets; returns "need" (NEED_MORE), an error code (< 0, checked), or a failure. */
function drain(d: AnyDecoder, errors: ReadonlySet<number>): "need" | number | Failure {
  for (let guard = 0; guard < 100_000; guard++) {
    const r = d.next();
    if (r === NEED_MORE) return "need";
    if (r < 0) {
      const f = checkError(d instanceof MqttServerDecoder ? "MqttServerDecoder.next()" : "MqttDecoder.next()", r, errors);
      if (f) return f;
      if (d.next() !== r) return fail("next() error is not sticky");
      return r;
    }
    const f = checkPacket(d, r);
    if (f) return f;
  }
  return fail("next() returned packets forever");
}

/**
 * Feeds input to d and checks every result. sent: the client packets a tracked client decoder
 * is told about after each reset (empty: the decoder checks each packet on its own).
 */
export function runMqtt(d: AnyDecoder, input: Uint8Array, rng: Prng, sent: readonly Uint8Array[] = []): Failure | null {
  const tracked = sent.length > 0 && d instanceof MqttDecoder;
  const start = () => {
    d.reset();
    if (tracked) for (const p of sent) (d as MqttDecoder).sent(p, 0);
  };
  const errors = tracked ? MQTT_TRACKED_ERRORS : MQTT_NEXT_ERRORS;
  start();
  let off = 0;
  let errored = 0;
  for (const size of chunks(rng, input.length)) {
    const zeroCopy = rng.chance(0.5);
    let left = size;
    while (left > 0) {
      const took = feed(d, input, off, left, zeroCopy);
      if (typeof took !== "number") return took;
      if (errored !== 0) {
        // Sticky error: input is dropped (push takes it all), next() repeats the code.
        if (!zeroCopy && took !== left) return fail("push() after an error did not drop its input", `took ${took} of ${left}`);
        if (d.next() !== errored) return fail("next() error is not sticky after more input");
        if (took === 0) break; // the buffer was full when the error struck: nothing more fits
        off += took;
        left -= took;
        continue;
      }
      off += took;
      left -= took;
      const r = drain(d, errors);
      if (typeof r === "object") return r;
      if (typeof r === "number") errored = r;
      else if (took === 0) return fail("decoder stalled: no room and NEED_MORE", `filled ${d.filled} readOff ${d.readOff}`);
    }
  }
  // After reset(), the same instance must decode a valid stream (a tracked one: after a CONNACK).
  start();
  const server = d instanceof MqttServerDecoder;
  const probe = probeStream(server);
  if (tracked) {
    d.push(CONNACK_ACCEPTED, 0, CONNACK_ACCEPTED.length);
    const t0 = d.next();
    if (t0 !== PacketType.Connack) return fail("tracked decoder does not take a CONNACK after reset()", `next() = ${t0 < 0 ? codeText(t0) : t0}`);
  }
  if (d.push(probe.bytes, 0, probe.bytes.length) !== probe.bytes.length) return fail("push() after reset() did not take the probe");
  const t1 = d.next();
  if (t1 !== PacketType.Publish || d.topicLen !== probe.topicLen || d.payloadLen !== probe.payloadLen || d.packetId !== 42) {
    return fail("decoder does not decode a valid PUBLISH after reset()", `next() = ${t1 < 0 ? codeText(t1) : t1}`);
  }
  const t2 = d.next();
  if (t2 !== (server ? PacketType.Pingreq : PacketType.Pingresp)) return fail("decoder does not decode a valid ping after reset()", `next() = ${t2}`);
  if (d.next() !== NEED_MORE) return fail("decoder reports more after the probe");
  return null;
}

export const mqttTarget: FuzzTarget = {
  name: "mqtt",
  description: "MqttDecoder and MqttServerDecoder: push/commit in random chunks, next() until NEED_MORE or an error, reset and probe",
  setup(seed: number): TargetInstance {
    const packets = mqttPackets(seed);
    const rng = new Prng(seed ^ 0x5eed);
    const corpus = packets.slice();
    // Streams of two or three packets.
    for (let i = 0; i < 12; i++) {
      const parts = [rng.pick(packets), rng.pick(packets), rng.pick(packets)].slice(0, rng.int(2, 3));
      const n = parts.reduce((a, p) => a + p.length, 0);
      const s = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        s.set(p, o);
        o += p.length;
      }
      corpus.push(s);
    }
    const client = new MqttDecoder(FUZZ_MAX_PACKET_BYTES);
    const server = new MqttServerDecoder(FUZZ_MAX_PACKET_BYTES);
    const trackedClient = new MqttDecoder(FUZZ_MAX_PACKET_BYTES);
    const prologue = trackedPrologue();
    const afterConnack = (input: Uint8Array): Uint8Array => {
      const out = new Uint8Array(CONNACK_ACCEPTED.length + input.length);
      out.set(CONNACK_ACCEPTED, 0);
      out.set(input, CONNACK_ACCEPTED.length);
      return out;
    };
    return {
      corpus,
      run: (input, r) =>
        runMqtt(client, input, r) ?? runMqtt(server, input, r) ?? runMqtt(trackedClient, r.chance(0.5) ? afterConnack(input) : input, r, prologue),
    };
  },
};
