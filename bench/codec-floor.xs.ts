/*
 * codec-floor.xs: the hand-written floor for bench/codec.ts and bench/cost.ts: code that knows
 * the reference frame's exact layout ([seq, t, 0, f32[16], 1, i16[8]], the 93 bytes that
 * codec-ours.xs.ts writes) and does only what no general codec can avoid:
 *   - encode: write the 16 head bytes and `set()` the two channels' bytes into a preallocated
 *     buffer (the "header plus set()" figure); with the PUBLISH, also its 4 header bytes
 *     (the topic, written at setup, stays in place);
 *   - decode: compare the head bytes with the expected ones (leaving seq and t in locals) and
 *     `set()` the two payloads into the channel arrays through views made at setup;
 *   - PUBLISH plus frame: the same receive step as codec-ours.xs.ts (one set() into a
 *     receive buffer), then the fixed header, the remaining length and the topic length
 *     checked against constants, then the frame as above.
 * It validates nothing a wire peer could vary (no UTF-8, no channel table, no shape), so it
 * is a lower bound, not a codec. Runs on V8 (imported) and on XS (bundled).
 * Bench code, not firmware: module-level state is fine here.
 */
import { utf8Bytes } from "../src/codec/bytes";
import { byteView } from "../src/codec/frames/channels";

const TOPIC = "bs/1/dev1/up/sns";
const SEQ = 7;
const TIME_MS = 200;
/** 0x86 [seq 7] [0x18 200] [0] [0xd8 0x55 0x58 64] ... [1] [0xd8 0x4d 0x50] ... */
const F32_AT = 9;
const I16_AT = 9 + 64 + 4;
const FRAME_BYTES = I16_AT + 16;

let tx: Uint8Array = new Uint8Array(0);
let rx: Uint8Array = new Uint8Array(0);
let f32Bytes: Uint8Array = new Uint8Array(0);
let i16Bytes: Uint8Array = new Uint8Array(0);
let outF32 = new Float32Array(0);
let outI16 = new Int16Array(0);
let outF32Bytes: Uint8Array = new Uint8Array(0);
let outI16Bytes: Uint8Array = new Uint8Array(0);
let txF32: Uint8Array = new Uint8Array(0);
let txI16: Uint8Array = new Uint8Array(0);
let rxF32: Uint8Array = new Uint8Array(0);
let rxI16: Uint8Array = new Uint8Array(0);
let packet: Uint8Array = new Uint8Array(0);
let topicLen = 0;
let headerBytes = 0;
let sink = 0;

/** Prepares the 16 f32 + 8 i16 reference frame (the only size the floor knows). Returns the frame's byte count. */
export function setup(): number {
  const f32 = new Float32Array(16);
  const i16 = new Int16Array(8);
  for (let i = 0; i < 16; i++) f32[i] = Math.sin(i) * 100;
  for (let i = 0; i < 8; i++) i16[i] = i * 1000 - 3000;
  f32Bytes = byteView(f32);
  i16Bytes = byteView(i16);
  outF32 = new Float32Array(16);
  outI16 = new Int16Array(8);
  outF32Bytes = byteView(outF32);
  outI16Bytes = byteView(outI16);
  const topic = utf8Bytes(TOPIC);
  topicLen = topic.length;
  headerBytes = 2 + 2 + topicLen; // 0x30, remaining length (< 128), topic length, topic
  tx = new Uint8Array(headerBytes + FRAME_BYTES);
  tx.set(topic, 4);
  encode();
  packet = tx.subarray(0, headerBytes + FRAME_BYTES);
  rx = new Uint8Array(packet.length);
  txF32 = tx.subarray(headerBytes + F32_AT, headerBytes + F32_AT + 64);
  txI16 = tx.subarray(headerBytes + I16_AT, headerBytes + I16_AT + 16);
  rxF32 = rx.subarray(headerBytes + F32_AT, headerBytes + F32_AT + 64);
  rxI16 = rx.subarray(headerBytes + I16_AT, headerBytes + I16_AT + 16);
  return FRAME_BYTES;
}

/** Head bytes and two set()s into the transmit buffer, after the PUBLISH header. */
export function encodeFrame(): void {
  const b = tx;
  let p = headerBytes;
  b[p++] = 0x86;
  b[p++] = SEQ;
  b[p++] = 0x18;
  b[p++] = TIME_MS;
  b[p++] = 0;
  b[p++] = 0xd8;
  b[p++] = 0x55;
  b[p++] = 0x58;
  b[p++] = 64;
  b.set(f32Bytes, p);
  p += 64;
  b[p++] = 1;
  b[p++] = 0xd8;
  b[p++] = 0x4d;
  b[p++] = 0x50;
  b.set(i16Bytes, p);
}

/** The frame and the PUBLISH header in front of it (fixed header, remaining length, topic length; the topic stays). */
export function encode(): void {
  encodeFrame();
  const b = tx;
  b[0] = 0x30;
  b[1] = 2 + topicLen + FRAME_BYTES;
  b[2] = 0;
  b[3] = topicLen;
}

function decodeAt(b: Uint8Array, p: number, f32: Uint8Array, i16: Uint8Array): void {
  if (b[p] !== 0x86 || b[p + 2] !== 0x18 || b[p + 4] !== 0 || b[p + 5] !== 0xd8 || b[p + 6] !== 0x55 || b[p + 7] !== 0x58 || b[p + 8] !== 64) throw new Error("floor: head");
  if (b[p + 73] !== 1 || b[p + 74] !== 0xd8 || b[p + 75] !== 0x4d || b[p + 76] !== 0x50) throw new Error("floor: second entry");
  sink += b[p + 1] + b[p + 3];
  outF32Bytes.set(f32, 0);
  outI16Bytes.set(i16, 0);
}

/** Frame decode from the transmit buffer into the channel arrays. */
export function decodeFrame(): void {
  decodeAt(tx, headerBytes, txF32, txI16);
}

/** The packet as received: one set() into the receive buffer, PUBLISH header, frame. */
export function decode(): void {
  const b = rx;
  b.set(packet, 0);
  if (b[0] !== 0x30 || b[1] !== 2 + topicLen + FRAME_BYTES || b[2] !== 0 || b[3] !== topicLen) throw new Error("floor: PUBLISH header");
  decodeAt(b, headerBytes, rxF32, rxI16);
}

/** The whole PUBLISH packet, as hex (cross-checked against codec-ours.xs.ts). */
export function packetHex(): string {
  let h = "";
  for (let i = 0; i < packet.length; i++) h += (packet[i] < 16 ? "0" : "") + packet[i].toString(16);
  return h;
}

/** True when the last decode reproduced the input arrays. */
export function decodedMatches(): boolean {
  const f32 = new Float32Array(f32Bytes.buffer);
  const i16 = new Int16Array(i16Bytes.buffer);
  for (let i = 0; i < 16; i++) if (outF32[i] !== f32[i]) return false;
  for (let i = 0; i < 8; i++) if (outI16[i] !== i16[i]) return false;
  return sink !== -1;
}
