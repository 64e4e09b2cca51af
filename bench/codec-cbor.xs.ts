/*
 * codec-cbor.xs: the frame-only peer for bench/codec.ts: cbor-x encode of
 * [seq, t, 0, Float32Array, 1, Int16Array] and cbor-x decode plus a copy into the channel
 * arrays. Kept apart from codec-peer.xs.ts so that its XS worker does not carry
 * mqtt-packet's heap (see bench/codec.ts). Runs on V8 (imported) and on XS (bundled).
 * Bench code, not firmware: module-level state is fine here.
 */
import { decode as cborDecode, encode as cborEncode } from "cbor-x";

let frame: unknown[] = [];
let f32 = new Float32Array(0);
let i16 = new Int16Array(0);
let outF32 = new Float32Array(0);
let outI16 = new Int16Array(0);
let encoded: Uint8Array = new Uint8Array(0);
let sink = 0;

/** Prepares a frame with nF32 float32 values on channel 0 and 8 int16 values on channel 1. */
export function setup(nF32: number): number {
  f32 = new Float32Array(nF32);
  i16 = new Int16Array(8);
  for (let i = 0; i < nF32; i++) f32[i] = Math.sin(i) * 100;
  for (let i = 0; i < 8; i++) i16[i] = i * 1000 - 3000;
  outF32 = new Float32Array(nF32);
  outI16 = new Int16Array(8);
  frame = [7, 200, 0, f32, 1, i16];
  encodeFrame();
  return encoded.length;
}

export function encodeFrame(): void {
  encoded = cborEncode(frame);
}

export function decodeFrame(): void {
  const items = cborDecode(encoded) as any[];
  outF32.set(items[3]);
  outI16.set(items[5]);
  sink += items[0];
}

/** Decode only: cbor-x's own result (fresh typed arrays), not copied into the channel arrays. */
export function decodeFrameNoCopy(): void {
  const items = cborDecode(encoded) as any[];
  sink += items[0];
}

/** The last encoded frame, as hex. */
export function frameHex(): string {
  let s = "";
  for (let i = 0; i < encoded.length; i++) s += (encoded[i] < 16 ? "0" : "") + encoded[i].toString(16);
  return s;
}

/** True when the last decode reproduced the input arrays. */
export function decodedMatches(): boolean {
  for (let i = 0; i < f32.length; i++) if (outF32[i] !== f32[i]) return false;
  for (let i = 0; i < i16.length; i++) if (outI16[i] !== i16[i]) return false;
  return sink !== -1;
}
