/*
 * codec-ours.xs: our codecs for bench/codec.ts, driven the way the agent drives them: a
 * sensor frame built by encodeSensorFrame into a preallocated transmit buffer, leaving room
 * in front for encodeQos0HeaderBefore (zero-copy PUBLISH, the topic's name field made once);
 * on receive, the packet lands in the MqttDecoder's own buffer (writeOffset/commit: the
 * host's socket read fills it; here one native set() of a copy made at setup stands in for
 * that read), then next(),
 * SensorFrame.decode over the decoder's buffer and copyEntry into the channels' own arrays. Runs on V8 (imported) and on XS (bundled, no polyfills).
 * Bench code, not firmware: module-level state is fine here.
 */
import { utf8Bytes } from "../src/codec/bytes";
import { byteView, ChannelKind, ChannelTable, ElementType } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { encodeSensorFrame, SensorFrame, sensorFrameMaxBytes } from "../src/codec/frames/sensor";
import { copyEntry } from "../src/codec/frames/view";
import { PacketType } from "../src/codec/mqtt/constants";
import { MqttDecoder } from "../src/codec/mqtt/decoder";
import { encodeQos0HeaderBefore, publishHeaderMaxBytes, topicNameField } from "../src/codec/mqtt/publish";

export const TOPIC = "bs/1/dev1/up/sns";
const SEQ = 7;
const TIME_MS = 200;

interface State {
  table: ChannelTable;
  f32: Float32Array;
  i16: Int16Array;
  entries: FrameEntries;
  f32Bytes: Uint8Array;
  i16Bytes: Uint8Array;
  topic: Uint8Array;
  /** The topic's PUBLISH name field, made once as the agent makes it per registration. */
  topicField: Uint8Array;
  tx: Uint8Array;
  headroom: number;
  packetStart: number;
  packetEnd: number;
  /** tx[packetStart..packetEnd), made at setup: the "received bytes". */
  packet: Uint8Array;
  /** packet.length, as a number (on XS a typed array's length is a getter call, the floor reads none). */
  packetLen: number;
  frameEnd: number;
  decoder: MqttDecoder;
  frame: SensorFrame;
  /** Destination byte views by table index: the channels' own arrays on the receiving side. */
  outBytes: Uint8Array[];
  outF32: Float32Array;
  outI16: Int16Array;
}

let s: State | null = null;

/** The objects setup() made, for tools/xs/tick-profile (it wraps their methods). */
export function state(): object | null {
  return s;
}

function fail(what: string, code: number): never {
  throw new Error(`codec-ours: ${what} failed with ${code}`);
}

/** Prepares a frame with nF32 float32 values on channel 0 and 8 int16 values on channel 1. */
export function setup(nF32: number): number {
  const table = new ChannelTable([
    { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: nF32, rateHz: 100 },
    { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.I16, count: 8, rateHz: 100 },
  ]);
  const f32 = new Float32Array(nF32);
  const i16 = new Int16Array(8);
  for (let i = 0; i < nF32; i++) f32[i] = Math.sin(i) * 100;
  for (let i = 0; i < 8; i++) i16[i] = i * 1000 - 3000;
  const topic = utf8Bytes(TOPIC);
  const headroom = publishHeaderMaxBytes(topic.length);
  const maxFrameBytes = sensorFrameMaxBytes(table);
  // Entries are added once and kept for every frame (all channels are sent each time).
  const entries = new FrameEntries(table, ChannelKind.Sensor);
  const f32Bytes = byteView(f32);
  const i16Bytes = byteView(i16);
  let e = entries.add(0, f32Bytes);
  if (e === 0) e = entries.add(1, i16Bytes);
  if (e < 0) fail("FrameEntries.add", e);
  const outF32 = new Float32Array(nF32);
  const outI16 = new Int16Array(8);
  s = {
    table,
    f32,
    i16,
    entries,
    f32Bytes,
    i16Bytes,
    topic,
    topicField: topicNameField(topic, topic.length) as Uint8Array,
    tx: new Uint8Array(headroom + maxFrameBytes),
    headroom,
    packetStart: 0,
    packetEnd: 0,
    packet: new Uint8Array(0),
    packetLen: 0,
    frameEnd: 0,
    decoder: new MqttDecoder(headroom + maxFrameBytes),
    frame: new SensorFrame(table.size, maxFrameBytes),
    outBytes: [byteView(outF32), byteView(outI16)],
    outF32,
    outI16,
  };
  encode();
  s.packet = s.tx.slice(s.packetStart, s.packetEnd); // a copy: later encodes into tx leave it alone
  s.packetLen = s.packet.length;
  return s.packetEnd - s.packetStart;
}

/** Sensor frame into the transmit buffer, after the PUBLISH header room. Returns its end. */
export function encodeFrame(): number {
  const st = s!;
  const end = encodeSensorFrame(st.tx, st.headroom, SEQ, TIME_MS, st.entries);
  if (end < 0) fail("encodeSensorFrame", end);
  st.frameEnd = end;
  return end;
}

/** Frame + zero-copy QoS 0 PUBLISH header in front of it. */
export function encode(): void {
  const st = s!;
  const end = encodeFrame();
  const start = encodeQos0HeaderBefore(st.tx, st.headroom, end - st.headroom, st.topicField);
  if (start < 0) fail("encodeQos0HeaderBefore", start);
  st.packetStart = start;
  st.packetEnd = end;
}

function decodeFrameAt(buf: Uint8Array, off: number, len: number): void {
  const st = s!;
  const frame = st.frame;
  const n = frame.decode(buf, off, len, st.table);
  if (n < 0) fail("SensorFrame.decode", n);
  for (let i = 0; i < n; i++) {
    const c = copyEntry(frame, i, st.outBytes[frame.tableIndex[i]]);
    if (c < 0) fail("copyEntry", c);
  }
}

/** Frame decode only, payloads left in place (views by offset): what the agent does before it copies. */
export function decodeFrameNoCopy(): void {
  const st = s!;
  const n = st.frame.decode(st.tx, st.headroom, st.frameEnd - st.headroom, st.table);
  if (n < 0) fail("SensorFrame.decode", n);
}

/** Frame decode (from the transmit buffer) into the channel arrays. */
export function decodeFrame(): void {
  const st = s!;
  decodeFrameAt(st.tx, st.headroom, st.frameEnd - st.headroom);
}

/** The packet as received: into the decoder's buffer, next(), frame decode into the channel arrays. */
export function decode(): void {
  const st = s!;
  const d = st.decoder;
  const pkt = st.packet;
  const n = st.packetLen;
  const at = d.writeOffset();
  if (d.capacity - at < n) fail("MqttDecoder.writeOffset (no room)", at);
  d.buf.set(pkt, at); // stands in for the socket's native read into the decoder's buffer
  const c = d.commit(n);
  if (c !== n) fail("MqttDecoder.commit", c);
  const type = d.next();
  if (type !== PacketType.Publish) fail("MqttDecoder.next", type);
  decodeFrameAt(d.buf, d.payloadOff, d.payloadLen);
}

export function roundTrip(): void {
  encode();
  decode();
}

/** The last PUBLISH packet, as hex (for cross-checking against the peer). */
export function packetHex(): string {
  const st = s!;
  let h = "";
  for (let i = st.packetStart; i < st.packetEnd; i++) h += (st.tx[i] < 16 ? "0" : "") + st.tx[i].toString(16);
  return h;
}

/** True when the last decode reproduced the input arrays. */
export function decodedMatches(): boolean {
  const st = s!;
  for (let i = 0; i < st.f32.length; i++) if (st.outF32[i] !== st.f32[i]) return false;
  for (let i = 0; i < st.i16.length; i++) if (st.outI16[i] !== st.i16[i]) return false;
  return true;
}
