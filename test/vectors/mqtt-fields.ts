/*
 * mqtt-fields: the engine-agnostic vocabulary the MQTT suites share: a plain-object form of
 * every packet (`Fields`), its encoding through our encoders (the client's in src/, the
 * server's in testkit/mqtt-server-codec), its extraction from a decoder after next() (the
 * client's MqttDecoder for server → client packets, MqttServerDecoder for the others,
 * `decoderFor` picks one), a canonical string for comparisons, and a seeded random generator
 * of valid packets. Imports only src/ and testkit/, so it bundles for XS with the suites.
 * Allocates freely: test code only.
 */
import { Err } from "../../src/errors";
import { readUtf8, toHex, utf8Bytes } from "../../src/codec/bytes";
import { PacketType } from "../../src/codec/mqtt/constants";
import { encodeConnect, type ConnectOptions } from "../../src/codec/mqtt/connect";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import type { MqttPacketReader } from "../../src/codec/mqtt/packet-reader";
import { encodePingreq, encodeDisconnect } from "../../src/codec/mqtt/ping";
import { encodePuback, encodePublish } from "../../src/codec/mqtt/publish";
import { encodeSubscribe, encodeUnsubscribe } from "../../src/codec/mqtt/subscribe";
import {
  MqttServerDecoder, encodeConnack, encodePingresp, encodePubcomp, encodePubrec, encodePubrel, encodeSuback, encodeUnsuback,
} from "../../testkit/mqtt-server-codec";
import type { Prng } from "../../testkit/prng";
import type { Check } from "../helpers/suite";

export type Bytes = Uint8Array | string; // a string stands for its UTF-8 bytes

export type Fields =
  | {
      kind: "connect";
      clientId: string;
      cleanSession: boolean;
      keepAliveS: number;
      will?: { topic: string; payload: Bytes; qos: 0 | 1 | 2; retain: boolean } | null;
      username?: string | null;
      password?: Bytes | null;
    }
  | { kind: "connack"; sessionPresent: boolean; returnCode: number }
  | { kind: "publish"; topic: string; payload: Bytes; qos: 0 | 1 | 2; packetId: number; retain: boolean; dup: boolean }
  | { kind: "puback" | "pubrec" | "pubrel" | "pubcomp" | "unsuback"; packetId: number }
  | { kind: "subscribe"; packetId: number; filters: { filter: string; qos: 0 | 1 | 2 }[] }
  | { kind: "suback"; packetId: number; returnCodes: number[] }
  | { kind: "unsubscribe"; packetId: number; filters: string[] }
  | { kind: "pingreq" | "pingresp" | "disconnect" };

export type Kind = Fields["kind"];

export const kinds: readonly Kind[] = [
  "connect", "connack", "publish", "puback", "pubrec", "pubrel", "pubcomp", "subscribe",
  "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect",
];

/** PacketType code of each kind. */
export const typeOfKind: Record<Kind, number> = {
  connect: PacketType.Connect, connack: PacketType.Connack, publish: PacketType.Publish,
  puback: PacketType.Puback, pubrec: PacketType.Pubrec, pubrel: PacketType.Pubrel,
  pubcomp: PacketType.Pubcomp, subscribe: PacketType.Subscribe, suback: PacketType.Suback,
  unsubscribe: PacketType.Unsubscribe, unsuback: PacketType.Unsuback, pingreq: PacketType.Pingreq,
  pingresp: PacketType.Pingresp, disconnect: PacketType.Disconnect,
};

/** Either decoder: the client's (server → client packets) or the test broker's. */
export type AnyDecoder = MqttDecoder | MqttServerDecoder;

/** True for the packet types only a client sends (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT; Table 2.1). */
export function isClientOnly(type: number): boolean {
  return type === PacketType.Connect || type === PacketType.Subscribe || type === PacketType.Unsubscribe ||
    type === PacketType.Pingreq || type === PacketType.Disconnect;
}

/**
 * The decoder of a pair that receives a packet of this type: the server's for client-only
 * types, else the client's (PUBLISH and PUBACK..PUBCOMP go both ways; reserved types are
 * refused by both).
 */
export function decoderFor(type: number, client: MqttDecoder, server: MqttServerDecoder): AnyDecoder {
  return isClientOnly(type) ? server : client;
}

export function asBytes(b: Bytes): Uint8Array {
  return typeof b === "string" ? utf8Bytes(b) : b;
}

/** Encodes f with our encoders at dst[off]. Returns the new offset or a negative Err code. */
export function encodeFields(dst: Uint8Array, off: number, f: Fields): number {
  switch (f.kind) {
    case "connect":
      return encodeConnect(dst, off, f as ConnectOptions);
    case "connack":
      return encodeConnack(dst, off, f.sessionPresent, f.returnCode);
    case "publish": {
      if (f.qos === 2) return Err.ValueRange; // this client never sends QoS 2
      const topic = utf8Bytes(f.topic);
      const payload = asBytes(f.payload);
      return encodePublish(dst, off, topic, topic.length, payload, 0, payload.length, f.qos, f.packetId, f.retain, f.dup);
    }
    case "puback":
      return encodePuback(dst, off, f.packetId);
    case "pubrec":
      return encodePubrec(dst, off, f.packetId);
    case "pubrel":
      return encodePubrel(dst, off, f.packetId);
    case "pubcomp":
      return encodePubcomp(dst, off, f.packetId);
    case "subscribe":
      return encodeSubscribe(dst, off, f.packetId, f.filters);
    case "suback":
      return encodeSuback(dst, off, f.packetId, f.returnCodes);
    case "unsubscribe":
      return encodeUnsubscribe(dst, off, f.packetId, f.filters);
    case "unsuback":
      return encodeUnsuback(dst, off, f.packetId);
    case "pingreq":
      return encodePingreq(dst, off);
    case "pingresp":
      return encodePingresp(dst, off);
    case "disconnect":
      return encodeDisconnect(dst, off);
  }
}

/** Encodes f into a new array of exactly its size; throws when the encoder fails. */
export function encodeToBytes(f: Fields, scratch: Uint8Array): Uint8Array {
  const n = encodeFields(scratch, 0, f);
  if (n < 0) throw new Error(`encode ${f.kind} failed: ${n}`);
  return scratch.slice(0, n);
}

function str(d: AnyDecoder, off: number, len: number): string {
  return readUtf8(d.buf, off, off + len);
}

function bin(d: AnyDecoder, off: number, len: number): Uint8Array {
  return d.buf.slice(off, off + len);
}

/** d as the test broker's decoder (it just returned a client-only packet). */
function asServer(d: AnyDecoder): MqttServerDecoder {
  if (!(d instanceof MqttServerDecoder)) throw new Error(`type ${d.type} from the client's decoder`);
  return d;
}

/** d as the client's decoder (it just returned a server-only packet). */
function asClient(d: AnyDecoder): MqttDecoder {
  if (!(d instanceof MqttDecoder)) throw new Error(`type ${d.type} from the server's decoder`);
  return d;
}

/** The Fields of the packet the decoder just returned (after next() > 0). */
export function decodedFields(d: AnyDecoder): Fields {
  switch (d.type) {
    case PacketType.Connect:
      return connectFields(asServer(d));
    case PacketType.Connack: {
      const c = asClient(d);
      return { kind: "connack", sessionPresent: c.sessionPresent === 1, returnCode: c.returnCode };
    }
    case PacketType.Publish:
      return {
        kind: "publish", topic: str(d, d.topicOff, d.topicLen), payload: bin(d, d.payloadOff, d.payloadLen),
        qos: d.qos as 0 | 1 | 2, packetId: d.packetId, retain: d.retain === 1, dup: d.dup === 1,
      };
    case PacketType.Puback:
      return { kind: "puback", packetId: d.packetId };
    case PacketType.Pubrec:
      return { kind: "pubrec", packetId: d.packetId };
    case PacketType.Pubrel:
      return { kind: "pubrel", packetId: d.packetId };
    case PacketType.Pubcomp:
      return { kind: "pubcomp", packetId: d.packetId };
    case PacketType.Unsuback:
      return { kind: "unsuback", packetId: d.packetId };
    case PacketType.Subscribe: {
      const s = asServer(d);
      const filters: { filter: string; qos: 0 | 1 | 2 }[] = [];
      const end = d.payloadOff + d.payloadLen;
      for (let p = d.payloadOff; p < end; ) {
        p = s.filterAt(p);
        filters.push({ filter: str(d, s.filterOff, s.filterLen), qos: s.filterQos as 0 | 1 | 2 });
      }
      return { kind: "subscribe", packetId: d.packetId, filters };
    }
    case PacketType.Unsubscribe: {
      const s = asServer(d);
      const filters: string[] = [];
      const end = d.payloadOff + d.payloadLen;
      for (let p = d.payloadOff; p < end; ) {
        p = s.filterAt(p);
        filters.push(str(d, s.filterOff, s.filterLen));
      }
      return { kind: "unsubscribe", packetId: d.packetId, filters };
    }
    case PacketType.Suback: {
      const c = asClient(d);
      const codes: number[] = [];
      for (let i = 0; i < c.returnCodesLen; i++) codes.push(d.buf[c.returnCodesOff + i]);
      return { kind: "suback", packetId: d.packetId, returnCodes: codes };
    }
    case PacketType.Pingreq:
      return { kind: "pingreq" };
    case PacketType.Pingresp:
      return { kind: "pingresp" };
    case PacketType.Disconnect:
      return { kind: "disconnect" };
  }
  throw new Error(`decodedFields: no packet (type ${d.type})`);
}

function connectFields(d: MqttServerDecoder): Fields {
  return {
    kind: "connect",
    clientId: str(d, d.clientIdOff, d.clientIdLen),
    cleanSession: d.cleanSession === 1,
    keepAliveS: d.keepAliveS,
    will: d.hasWill
      ? { topic: str(d, d.willTopicOff, d.willTopicLen), payload: bin(d, d.willPayloadOff, d.willPayloadLen), qos: d.willQos as 0 | 1 | 2, retain: d.willRetain === 1 }
      : null,
    username: d.hasUsername ? str(d, d.usernameOff, d.usernameLen) : null,
    password: d.hasPassword ? bin(d, d.passwordOff, d.passwordLen) : null,
  };
}

/** FNV-1a of a byte range: compact comparison of long payloads without quadratic strings. */
export function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h;
}

function bytesKey(b: Uint8Array): string {
  return b.length <= 64 ? toHex(b) : `#${b.length}:${fnv(b)}`;
}

/**
 * A canonical string of f: equal packets give equal keys (absent fields as null, byte
 * strings as hex, or as length and FNV-1a hash past 64 bytes, to stay cheap on XS).
 */
export function fieldsKey(f: Fields): string {
  switch (f.kind) {
    case "connect":
      return JSON.stringify([
        f.kind, f.clientId, f.cleanSession, f.keepAliveS,
        f.will ? [f.will.topic, bytesKey(asBytes(f.will.payload)), f.will.qos, f.will.retain] : null,
        f.username ?? null, f.password == null ? null : bytesKey(asBytes(f.password)),
      ]);
    case "connack":
      return JSON.stringify([f.kind, f.sessionPresent, f.returnCode]);
    case "publish":
      return JSON.stringify([f.kind, f.topic, bytesKey(asBytes(f.payload)), f.qos, f.qos > 0 ? f.packetId : 0, f.retain, f.dup]);
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "unsuback":
      return JSON.stringify([f.kind, f.packetId]);
    case "subscribe":
      return JSON.stringify([f.kind, f.packetId, f.filters.map((x) => [x.filter, x.qos])]);
    case "suback":
      return JSON.stringify([f.kind, f.packetId, f.returnCodes.slice()]);
    case "unsubscribe":
      return JSON.stringify([f.kind, f.packetId, f.filters.slice()]);
    default:
      return JSON.stringify([f.kind]);
  }
}

/**
 * Checks that every offset the decoder exposes for its current packet lies in
 * buf[packetOff..packetEnd) <= filled, or <= buf.length once next() found every received byte
 * parsed and emptied the reader (readOff = filled = 0).
 */
export function checkBounds(check: Check, d: AnyDecoder, what: string): void {
  const drained = d.readOff === 0 && d.filled === 0;
  let ok = d.packetOff >= 0 && d.packetOff < d.packetEnd && (d.packetEnd <= d.filled || drained) && d.packetEnd <= d.buf.length && d.filled <= d.buf.length;
  const inside = (off: number, len: number) => off >= d.packetOff && len >= 0 && off + len <= d.packetEnd;
  switch (d.type) {
    case PacketType.Publish:
      ok = ok && inside(d.topicOff, d.topicLen) && inside(d.payloadOff, d.payloadLen) && d.payloadOff + d.payloadLen === d.packetEnd;
      break;
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: {
      const s = asServer(d);
      ok = ok && inside(d.topicOff, d.topicLen) && inside(d.payloadOff, d.payloadLen);
      let n = 0;
      const end = d.payloadOff + d.payloadLen;
      for (let p = d.payloadOff; ok && p < end; n++) {
        p = s.filterAt(p);
        ok = inside(s.filterOff, s.filterLen) && p <= end;
      }
      ok = ok && n === s.filterCount;
      break;
    }
    case PacketType.Suback: {
      const c = asClient(d);
      ok = ok && inside(c.returnCodesOff, c.returnCodesLen) && c.returnCodesLen >= 1;
      break;
    }
    case PacketType.Connect: {
      const s = asServer(d);
      ok = ok && inside(s.clientIdOff, s.clientIdLen) && inside(s.willTopicOff, s.willTopicLen) && inside(s.willPayloadOff, s.willPayloadLen) &&
        inside(s.usernameOff, s.usernameLen) && inside(s.passwordOff, s.passwordLen);
      break;
    }
  }
  if (!ok) check.ok(false, `${what}: offsets outside the packet (type ${d.type})`);
}

// ---- seeded random valid packets ----

const textChars = ["a", "b", "c", "x", "y", "z", "0", "9", "-", "_", ".", " ", "é", "ß", "€", "中", "😀", "\u007f"];
const levelChars = ["a", "b", "s", "t", "1", "2", "-", "_", "é", "€", "😀", "$"];

export function randomText(r: Prng, minLen: number, maxLen: number, chars: readonly string[] = textChars): string {
  const n = r.int(minLen, maxLen);
  let s = "";
  for (let i = 0; i < n; i++) s += r.pick(chars);
  return s;
}

/** A topic name: 1..6 levels (levels may be empty), no wildcards, at least one character. */
export function randomTopicName(r: Prng): string {
  const levels = r.int(1, 6);
  let s = "";
  for (let i = 0; i < levels; i++) s += (i > 0 ? "/" : "") + randomText(r, i === 0 ? 1 : 0, 8, levelChars);
  return s;
}

/** A topic filter: levels of text or '+', optionally ending in '#'. */
export function randomTopicFilter(r: Prng): string {
  if (r.chance(0.05)) return "#";
  const levels = r.int(1, 5);
  const parts: string[] = [];
  for (let i = 0; i < levels; i++) parts.push(r.chance(0.2) ? "+" : randomText(r, 1, 8, levelChars));
  if (r.chance(0.2)) parts.push("#");
  return parts.join("/");
}

function randomPacketId(r: Prng): number {
  return r.chance(0.1) ? r.pick([1, 2, 255, 256, 65535]) : r.int(1, 65535);
}

/**
 * A random valid packet of the given kind. bigPayloadChance is the probability that a
 * PUBLISH payload is long enough to cross the 2- and 3-byte remaining-length boundaries.
 */
export function randomFields(r: Prng, kind: Kind, bigPayloadChance = 0.02): Fields {
  switch (kind) {
    case "connect": {
      const clientId = r.chance(0.1) ? "" : randomText(r, 1, 23);
      const f: Fields = {
        kind, clientId, cleanSession: clientId === "" ? true : r.chance(0.5),
        keepAliveS: r.chance(0.1) ? r.pick([0, 1, 65535]) : r.int(0, 65535),
      };
      if (r.chance(0.5)) f.will = { topic: randomTopicName(r), payload: r.bytes(r.int(0, 40)), qos: r.int(0, 2) as 0 | 1 | 2, retain: r.chance(0.5) };
      if (r.chance(0.5)) {
        f.username = randomText(r, 0, 16);
        if (r.chance(0.5)) f.password = r.bytes(r.int(0, 32));
      }
      return f;
    }
    case "connack": {
      const returnCode = r.chance(0.5) ? 0 : r.int(1, 5);
      return { kind, returnCode, sessionPresent: returnCode === 0 && r.chance(0.5) };
    }
    case "publish": {
      const qos = r.int(0, 1) as 0 | 1;
      const big = r.chance(bigPayloadChance);
      const payload = r.bytes(big ? r.int(100, 17_000) : r.int(0, r.chance(0.8) ? 120 : 400));
      return { kind, topic: randomTopicName(r), payload, qos, packetId: qos ? randomPacketId(r) : 0, retain: r.chance(0.5), dup: qos === 1 && r.chance(0.3) };
    }
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "unsuback":
      return { kind, packetId: randomPacketId(r) };
    case "subscribe": {
      const n = r.int(1, 5);
      const filters: { filter: string; qos: 0 | 1 | 2 }[] = [];
      for (let i = 0; i < n; i++) filters.push({ filter: randomTopicFilter(r), qos: r.int(0, 2) as 0 | 1 | 2 });
      return { kind, packetId: randomPacketId(r), filters };
    }
    case "suback": {
      const n = r.int(1, 8);
      const returnCodes: number[] = [];
      for (let i = 0; i < n; i++) returnCodes.push(r.pick([0, 1, 2, 0x80]));
      return { kind, packetId: randomPacketId(r), returnCodes };
    }
    case "unsubscribe": {
      const n = r.int(1, 5);
      const filters: string[] = [];
      for (let i = 0; i < n; i++) filters.push(randomTopicFilter(r));
      return { kind, packetId: randomPacketId(r), filters };
    }
    case "pingreq":
    case "pingresp":
    case "disconnect":
      return { kind };
  }
}
