/*
 * MQTT 3.1.1 codec against mqtt-packet (the host-side reference codec), V8 only.
 *
 *   - 10,000 seeded random valid packets per family: our encoder and mqtt.generate (protocol
 *     version 4) must give the same bytes; our decoder must read mqtt-packet's bytes back to
 *     the same fields; mqtt-packet's parser must read our bytes back to the same fields.
 *   - Every vector of test/vectors/mqtt.suite.ts is checked against mqtt-packet both ways,
 *     so the hand-written hex there is confirmed by an independent implementation (the
 *     vectors named "mqtt-packet: ..." are ported from mqtt-packet's own test.js).
 *   - The error vectors ported from mqtt-packet's test.js must be errors for mqtt-packet too.
 */
import test from "ava";
import mqtt from "mqtt-packet";
import { PacketType } from "../src/codec/mqtt/constants";
import { MqttDecoder } from "../src/codec/mqtt/decoder";
import { fromHex } from "../src/codec/bytes";
import { MqttServerDecoder } from "../testkit/mqtt-server-codec";
import { Prng } from "../testkit/prng";
import {
  type AnyDecoder, asBytes, decodedFields, decoderFor, encodeFields, fieldsKey as key, type Fields, type Kind, kinds, randomFields, typeOfKind,
} from "./vectors/mqtt-fields";
import { errorVectors, vectors } from "./vectors/mqtt.suite";

const OPTS = { protocolVersion: 4 };
const PER_FAMILY = 10_000;

/** Our Fields as an mqtt-packet packet object. */
function toPacket(f: Fields): any {
  switch (f.kind) {
    case "connect":
      return {
        cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: f.cleanSession, keepalive: f.keepAliveS, clientId: f.clientId,
        will: f.will ? { topic: f.will.topic, payload: Buffer.from(asBytes(f.will.payload)), qos: f.will.qos, retain: f.will.retain } : undefined,
        username: f.username ?? undefined,
        password: f.password == null ? undefined : Buffer.from(asBytes(f.password)),
      };
    case "connack":
      return { cmd: "connack", sessionPresent: f.sessionPresent, returnCode: f.returnCode };
    case "publish":
      return { cmd: "publish", topic: f.topic, payload: Buffer.from(asBytes(f.payload)), qos: f.qos, dup: f.dup, retain: f.retain, messageId: f.qos > 0 ? f.packetId : undefined };
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "unsuback":
      return { cmd: f.kind, messageId: f.packetId };
    case "subscribe":
      return { cmd: "subscribe", messageId: f.packetId, subscriptions: f.filters.map((x) => ({ topic: x.filter, qos: x.qos })) };
    case "suback":
      return { cmd: "suback", messageId: f.packetId, granted: f.returnCodes };
    case "unsubscribe":
      return { cmd: "unsubscribe", messageId: f.packetId, unsubscriptions: f.filters };
    default:
      return { cmd: f.kind };
  }
}

/** An mqtt-packet packet object as our Fields (throws on what 3.1.1 does not have). */
function fromPacket(p: any): Fields {
  switch (p.cmd as Kind) {
    case "connect":
      if (p.protocolId !== "MQTT" || p.protocolVersion !== 4) throw new Error(`connect ${p.protocolId} ${p.protocolVersion}`);
      return {
        kind: "connect", clientId: p.clientId, cleanSession: p.clean, keepAliveS: p.keepalive,
        will: p.will ? { topic: p.will.topic, payload: new Uint8Array(p.will.payload), qos: p.will.qos, retain: p.will.retain } : null,
        username: p.username ?? null,
        password: p.password == null ? null : new Uint8Array(p.password),
      };
    case "connack":
      return { kind: "connack", sessionPresent: p.sessionPresent, returnCode: p.returnCode };
    case "publish":
      return { kind: "publish", topic: p.topic, payload: new Uint8Array(p.payload), qos: p.qos, packetId: p.qos > 0 ? p.messageId : 0, retain: p.retain, dup: p.dup };
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "unsuback":
      return { kind: p.cmd, packetId: p.messageId };
    case "subscribe":
      return { kind: "subscribe", packetId: p.messageId, filters: p.subscriptions.map((s: any) => ({ filter: s.topic, qos: s.qos })) };
    case "suback":
      return { kind: "suback", packetId: p.messageId, returnCodes: p.granted };
    case "unsubscribe":
      return { kind: "unsubscribe", packetId: p.messageId, filters: p.unsubscriptions };
    default:
      return { kind: p.cmd };
  }
}

/** One mqtt-packet parser reused for all inputs; parse() is synchronous. */
class PeerParser {
  private readonly parser = mqtt.parser(OPTS);
  private packets: any[] = [];
  private errors: Error[] = [];
  constructor() {
    this.parser.on("packet", (p: any) => this.packets.push(p));
    this.parser.on("error", (e: Error) => this.errors.push(e));
  }
  parse(bytes: Uint8Array): { packets: any[]; errors: Error[]; left: number } {
    this.packets = [];
    this.errors = [];
    const left = this.parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return { packets: this.packets, errors: this.errors, left };
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

/** Decodes one packet with our decoder and returns its fields, or a description of the failure. */
function ourDecode(d: AnyDecoder, bytes: Uint8Array): Fields | string {
  d.reset();
  if (d.push(bytes, 0, bytes.length) !== bytes.length) return "push refused bytes";
  const t = d.next();
  if (t <= 0) return `next() = ${t}`;
  const f = decodedFields(d);
  const rest = d.next();
  return rest === 0 ? f : `trailing result ${rest}`;
}

const seeds: Record<Kind, number> = Object.fromEntries(kinds.map((k, i) => [k, 0x4d515454 + i * 7919])) as Record<Kind, number>;

for (const kind of kinds) {
  const count = PER_FAMILY;
  test(`${kind}: ${count} random packets agree with mqtt-packet both ways`, (t) => {
    const r = new Prng(seeds[kind]);
    const scratch = new Uint8Array(64 * 1024);
    // The decoder of the side that receives this kind: the client's, or the test broker's.
    const d = decoderFor(typeOfKind[kind], new MqttDecoder(64 * 1024), new MqttServerDecoder(64 * 1024));
    const peer = new PeerParser();
    const problems: string[] = [];
    let checked = 0;
    for (let i = 0; i < count && problems.length < 10; i++) {
      const f = randomFields(r, kind, 0.01);
      const want = key(f);
      // 1. Same bytes.
      const n = encodeFields(scratch, 0, f);
      if (n < 0) {
        problems.push(`#${i} our encoder failed (${n}): ${want}`);
        continue;
      }
      const ours = scratch.slice(0, n);
      const theirs = new Uint8Array(mqtt.generate(toPacket(f), OPTS));
      if (!same(ours, theirs)) {
        problems.push(`#${i} bytes differ for ${want}: ours ${Buffer.from(ours).toString("hex")} theirs ${Buffer.from(theirs).toString("hex")}`);
        continue;
      }
      // 2. Our decoder reads mqtt-packet's bytes.
      const mine = ourDecode(d, theirs);
      if (typeof mine === "string" || key(mine) !== want) {
        problems.push(`#${i} our decoder on mqtt-packet bytes: ${typeof mine === "string" ? mine : key(mine)} != ${want}`);
        continue;
      }
      if (d.type !== typeOfKind[kind]) problems.push(`#${i} type ${d.type}`);
      // 3. mqtt-packet reads our bytes.
      const got = peer.parse(ours);
      if (got.errors.length > 0 || got.packets.length !== 1 || got.left !== 0) {
        problems.push(`#${i} mqtt-packet on our bytes: ${got.errors.map((e) => e.message).join(", ")} packets ${got.packets.length} left ${got.left}`);
        continue;
      }
      const back = key(fromPacket(got.packets[0]));
      if (back !== want) {
        problems.push(`#${i} mqtt-packet read ${back} != ${want}`);
        continue;
      }
      checked++;
    }
    t.deepEqual(problems, []);
    t.is(checked, count);
  });
}

test("suite vectors agree with mqtt-packet (generate and parse)", (t) => {
  const peer = new PeerParser();
  const problems: string[] = [];
  for (const [desc, f, w, mode] of vectors) {
    const wire = typeof w === "string" ? fromHex(w) : w;
    const got = peer.parse(wire);
    if (got.errors.length > 0 || got.packets.length !== 1) {
      problems.push(`${desc}: mqtt-packet parse: ${got.errors.map((e) => e.message).join(", ")}`);
      continue;
    }
    if (key(fromPacket(got.packets[0])) !== key(f)) problems.push(`${desc}: mqtt-packet parsed ${key(fromPacket(got.packets[0]))}`);
    const gen = new Uint8Array(mqtt.generate(toPacket(f), OPTS));
    if (!same(gen, wire)) problems.push(`${desc}: mqtt-packet generates ${Buffer.from(gen).toString("hex").slice(0, 120)}`);
    if (mode === "decode-only") t.is((f as { qos?: number }).qos, 2, `${desc}: decode-only is QoS 2`);
  }
  t.deepEqual(problems, []);
  t.true(vectors.length > 40);
});

test("error vectors ported from mqtt-packet's test.js are errors for mqtt-packet too", (t) => {
  const problems: string[] = [];
  let ported = 0;
  for (const [desc, hex] of errorVectors) {
    if (!desc.startsWith("mqtt-packet:")) continue;
    ported++;
    const peer = new PeerParser(); // a fresh parser: errors leave mqtt-packet's state behind
    const got = peer.parse(fromHex(hex));
    if (got.errors.length === 0) problems.push(`${desc}: mqtt-packet accepted it (${got.packets.length} packets, ${got.left} bytes left)`);
  }
  t.deepEqual(problems, []);
  t.true(ported >= 40);
});

test("mqtt-packet splits: split publish, split length (ported from test.js)", (t) => {
  // "splitted publish parse", "split publish longer", "split length parse": a 255-byte
  // remaining length split inside the varint and between topic and payload.
  const d = new MqttDecoder(1024);
  const head = fromHex("30 ff");
  const mid = fromHex("01 0004 74657374");
  const payload = new Uint8Array(255 - 6).fill(97);
  t.is(d.push(head, 0, 2), 2);
  t.is(d.next(), 0);
  t.is(d.push(mid, 0, mid.length), mid.length);
  t.is(d.next(), 0);
  t.is(d.push(payload, 0, payload.length), payload.length);
  t.is(d.next(), PacketType.Publish);
  t.is(d.remainingLength, 255);
  t.is(d.topicLen, 4);
  t.is(d.payloadLen, 249);
  t.true(d.buf.subarray(d.payloadOff, d.payloadOff + d.payloadLen).every((b) => b === 97));
});
