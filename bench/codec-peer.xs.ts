/*
 * codec-peer.xs: the peer codecs for bench/codec.ts — cbor-x for the frame and mqtt-packet
 * for the PUBLISH — driven the way an application would drive them. The same module runs on
 * V8 (imported by bench/codec.ts) and on XS (bundled with Buffer/events/process polyfills).
 * Bench code, not firmware: module-level state is fine here.
 */
import { decode as cborDecode, encode as cborEncode } from "cbor-x";
import mqttPacket from "mqtt-packet";
// Node's Buffer on V8; the npm "buffer" package on XS (mqtt-packet only accepts Buffers).
import { Buffer } from "buffer";

export const TOPIC = "bs/1/dev1/up/sns";

let seq = 7;
let frame: unknown[] = [];
let f32 = new Float32Array(0);
let i16 = new Int16Array(0);
let outF32 = new Float32Array(0);
let outI16 = new Int16Array(0);
const publish = { cmd: "publish" as const, topic: TOPIC, payload: new Uint8Array(0) as any, qos: 0 as const, dup: false, retain: false };
let packet: Uint8Array = new Uint8Array(0);
let parsed: any = null;
let parser: any = null;
let sink = 0;

/** Prepares a frame with nF32 float32 values on channel 0 and 8 int16 values on channel 1. */
export function setup(nF32: number): number {
  seq = 7;
  f32 = new Float32Array(nF32);
  i16 = new Int16Array(8);
  for (let i = 0; i < nF32; i++) f32[i] = Math.sin(i) * 100;
  for (let i = 0; i < 8; i++) i16[i] = i * 1000 - 3000;
  outF32 = new Float32Array(nF32);
  outI16 = new Int16Array(8);
  frame = [seq, 200, 0, f32, 1, i16];
  parsed = null;
  parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", (p: any) => {
    parsed = p;
  });
  parser.on("error", (e: Error) => {
    throw e;
  });
  encode();
  return packet.length;
}

/** cbor-x encode + mqtt-packet generate of the frame (same seq each time: same bytes). */
export function encode(): void {
  frame[0] = seq;
  const payload: Uint8Array = cborEncode(frame);
  // cbor-x returns a Buffer where one exists (Node), a Uint8Array elsewhere (XS).
  publish.payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  packet = mqttPacket.generate(publish);
}

/** mqtt-packet parse + cbor-x decode + copy into the channel arrays. */
export function decode(): void {
  parsed = null;
  parser.parse(packet);
  const items = cborDecode(parsed.payload) as any[];
  outF32.set(items[3]);
  outI16.set(items[5]);
  sink += items[0];
}

export function roundTrip(): void {
  encode();
  decode();
}

/** The last PUBLISH packet, as hex (for cross-checking against our encoder). */
export function packetHex(): string {
  let s = "";
  for (let i = 0; i < packet.length; i++) s += (packet[i] < 16 ? "0" : "") + packet[i].toString(16);
  return s;
}

/** True when the last decode reproduced the input arrays. */
export function decodedMatches(): boolean {
  for (let i = 0; i < f32.length; i++) if (outF32[i] !== f32[i]) return false;
  for (let i = 0; i < i16.length; i++) if (outI16[i] !== i16[i]) return false;
  return sink !== -1;
}
