/*
 * fuzz targets `sensor` and `motor`: decodeSensorFrame, decodeMotorFrame and verifyMotorMac
 * (src/codec/frames).
 *
 * Corpus: frames written by encodeSensorFrame / encodeMotorFrame (signed with a fixed session
 * key) over a channel table with every element type, one- and two-byte ids, and payloads on
 * both sides of the CBOR 24-byte length boundary; random channel subsets, boundary seq and time
 * values; plus a few frames of the other kind. Each input is decoded into ONE reused frame view,
 * alone and embedded at an offset in a larger buffer (both must agree). Failures: an exception;
 * a result that is neither an entry count >= 1 nor a documented code; entries that break the
 * table (unknown, repeated or wrong-kind channel, wrong type or length), offsets outside the
 * input; copyEntry/viewEntry disagreeing with the offsets; for motor frames a MAC that verifies
 * over bytes the key holder never signed (a forgery), or a verify result outside {0,
 * FRAME_BAD_MAC, VALUE_RANGE}; and a valid frame that no longer decodes (and verifies) after.
 */
import { SoftHmacSha256 } from "../../../src/codec/crypto/hmac";
import { ChannelKind, ChannelTable, ElementType, byteView, elementBytes, type ChannelSpec } from "../../../src/codec/frames/channels";
import { FrameEntries } from "../../../src/codec/frames/entries";
import { MOTOR_MAC_BYTES, MotorFrame, decodeMotorFrame, encodeMotorFrame, verifyMotorMac } from "../../../src/codec/frames/motor";
import { SensorFrame, decodeSensorFrame, encodeSensorFrame } from "../../../src/codec/frames/sensor";
import { copyEntry, viewEntry, type FrameView } from "../../../src/codec/frames/view";
import { Prng } from "../../../testkit/prng";
import { FRAME_DECODE_ERRORS, MAC_VERIFY_ERRORS, checkError, codeText, embed, fail, inRange } from "../check";
import { toHex, type Failure, type FuzzTarget, type TargetInstance } from "../engine";

/** Frames longer than this are FRAME_TOO_LARGE for the views under test. */
const FUZZ_MAX_FRAME_BYTES = 512;
const FUZZ_SESSION_ID = 0x1234_5678;

export const FUZZ_CHANNELS: ChannelSpec[] = [
  { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 4, rateHz: 0 },
  { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.I16, count: 3, rateHz: 0 },
  { id: 30, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 5, rateHz: 0 },
  { id: 200, kind: ChannelKind.Sensor, elementType: ElementType.F64, count: 1, rateHz: 0 },
  { id: 2, kind: ChannelKind.Sensor, elementType: ElementType.U32, count: 2, rateHz: 0 },
  { id: 3, kind: ChannelKind.Sensor, elementType: ElementType.I8, count: 3, rateHz: 0 },
  { id: 4, kind: ChannelKind.Sensor, elementType: ElementType.U16, count: 20, rateHz: 0 },
  { id: 23, kind: ChannelKind.Sensor, elementType: ElementType.I32, count: 1, rateHz: 0 },
  { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 0 },
  { id: 40, kind: ChannelKind.Motor, elementType: ElementType.U16, count: 1, rateHz: 0 },
  { id: 11, kind: ChannelKind.Motor, elementType: ElementType.I32, count: 2, rateHz: 0 },
  { id: 250, kind: ChannelKind.Motor, elementType: ElementType.U8, count: 30, rateHz: 0 },
  { id: 24, kind: ChannelKind.Motor, elementType: ElementType.F64, count: 2, rateHz: 0 },
];

const U32_BOUNDARIES = [0, 1, 23, 24, 255, 256, 65535, 65536, 0x7fffffff, 0xffffffff];

interface FrameWorld {
  table: ChannelTable;
  hmac: SoftHmacSha256;
  scratch32: Uint8Array;
  sensors: Uint8Array[];
  motors: Uint8Array[];
  /** hex(signed bytes) + ":" + hex(mac) of every motor frame the key holder signed. */
  signed: Set<string>;
}

function makeFrames(seed: number): FrameWorld {
  const rng = new Prng(seed ^ 0x66726d);
  const table = new ChannelTable(FUZZ_CHANNELS);
  const hmac = new SoftHmacSha256();
  hmac.setKey(rng.bytes(32), 0, 32);
  const scratch32 = new Uint8Array(32);
  const data = new Map<number, Uint8Array>();
  for (const s of FUZZ_CHANNELS) data.set(s.id, byteView(new Uint8Array(s.count * elementBytes(s.elementType))));
  const dst = new Uint8Array(2048);
  const world: FrameWorld = { table, hmac, scratch32, sensors: [], motors: [], signed: new Set() };
  for (const kind of [ChannelKind.Sensor, ChannelKind.Motor]) {
    const specs = FUZZ_CHANNELS.filter((s) => s.kind === kind);
    const entries = new FrameEntries(table, kind);
    for (let i = 0; i < 16; i++) {
      entries.clear();
      const order = specs.slice();
      for (let k = order.length - 1; k > 0; k--) {
        const j = rng.int(0, k);
        [order[k], order[j]] = [order[j], order[k]];
      }
      const n = i === 0 ? specs.length : rng.int(1, specs.length);
      for (const s of order.slice(0, n)) {
        const bytes = data.get(s.id)!;
        for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(0, 255);
        const r = entries.add(s.id, bytes);
        if (r !== 0) throw new Error(`fuzz corpus: FrameEntries.add failed with ${codeText(r)}`);
      }
      const seq = rng.pick(U32_BOUNDARIES);
      const t = rng.pick(U32_BOUNDARIES);
      const end = kind === ChannelKind.Sensor
        ? encodeSensorFrame(dst, 0, seq, t, entries)
        : encodeMotorFrame(dst, 0, seq, t, entries, FUZZ_SESSION_ID, hmac, scratch32);
      if (end < 0) throw new Error(`fuzz corpus: a frame encoder failed with ${codeText(end)}`);
      const frame = dst.slice(0, end);
      if (kind === ChannelKind.Sensor) world.sensors.push(frame);
      else {
        world.motors.push(frame);
        world.signed.add(toHex(frame.subarray(0, end - MOTOR_MAC_BYTES - 1)) + ":" + toHex(frame.subarray(end - MOTOR_MAC_BYTES)));
      }
    }
  }
  return world;
}

/** Entry fields relative to base, for comparing two decodes. */
function snapshot(v: FrameView, base: number, extra: number[]): string {
  const parts: (number | string)[] = [v.seq, v.count, ...extra];
  for (let i = 0; i < v.count; i++) parts.push(`${v.channelId[i]}/${v.tableIndex[i]}/${v.elementType[i]}/${v.payloadOff[i] - base}/${v.byteLen[i]}`);
  return parts.join(",");
}

function checkFrame(v: FrameView, r: number, table: ChannelTable, kind: number, buf: Uint8Array, off: number, len: number): Failure | null {
  if (!(Number.isInteger(r) && r >= 1)) return fail("frame decoder returned a non-positive success", `r ${r}`);
  if (r !== v.count || r > v.capacity) return fail("frame decoder count disagrees with the view", `r ${r} count ${v.count} capacity ${v.capacity}`);
  if (v.frameOff !== off || v.frameLen !== len) return fail("frame view does not describe the decoded range");
  if (!(Number.isInteger(v.seq) && v.seq >= 0 && v.seq <= 0xffffffff)) return fail("frame seq is not a u32", String(v.seq));
  const seen = new Set<number>();
  const copy = new Uint8Array(1024);
  for (let i = 0; i < r; i++) {
    const id = v.channelId[i];
    const idx = table.indexOf(id);
    if (idx < 0 || table.specs[idx].kind !== kind) return fail("frame entry names a channel of another kind or none", `id ${id}`);
    if (seen.has(id)) return fail("frame entry repeats a channel", `id ${id}`);
    seen.add(id);
    if (v.tableIndex[i] !== idx || v.elementType[i] !== table.specs[idx].elementType || v.byteLen[i] !== table.byteLength[idx]) {
      return fail("frame entry disagrees with the channel table", `id ${id}`);
    }
    const f = inRange("frame payload", v.payloadOff[i], v.byteLen[i], off, off + len);
    if (f) return f;
    const n = copyEntry(v, i, copy);
    if (n !== v.byteLen[i]) return fail("copyEntry returned another length", `${n} vs ${v.byteLen[i]}`);
    for (let k = 0; k < n; k++) if (copy[k] !== buf[v.payloadOff[i] + k]) return fail("copyEntry copied other bytes than the payload");
    const view = viewEntry(v, i);
    if (!view || view.byteLength !== n) return fail("viewEntry length differs from the payload", `${view?.byteLength} vs ${n}`);
    const vb = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let k = 0; k < n; k++) if (vb[k] !== buf[v.payloadOff[i] + k]) return fail("viewEntry shows other bytes than the payload");
  }
  return null;
}

function runFrames(
  kind: number,
  w: FrameWorld,
  view: SensorFrame | MotorFrame,
  input: Uint8Array,
  rng: Prng,
  probe: Uint8Array,
): Failure | null {
  const name = kind === ChannelKind.Sensor ? "decodeSensorFrame" : "decodeMotorFrame";
  const decode = (buf: Uint8Array, off: number, len: number): number =>
    kind === ChannelKind.Sensor
      ? decodeSensorFrame(buf, off, len, w.table, view as SensorFrame)
      : decodeMotorFrame(buf, off, len, w.table, view as MotorFrame);
  const extra = (base: number): number[] => {
    if (kind === ChannelKind.Sensor) return [(view as SensorFrame).time];
    const m = view as MotorFrame;
    return [m.deadline, m.macOff - base, m.signedLen];
  };
  const motorChecks = (buf: Uint8Array, off: number, len: number): Failure | null => {
    if (kind !== ChannelKind.Motor) return null;
    const m = view as MotorFrame;
    if (!(Number.isInteger(m.deadline) && m.deadline >= 0 && m.deadline <= 0xffffffff)) return fail("motor deadline is not a u32");
    let f = inRange("motor mac", m.macOff, MOTOR_MAC_BYTES, off, off + len);
    if (f) return f;
    if (!(m.signedLen > 0 && off + m.signedLen < m.macOff)) return fail("motor signed range does not end before the mac", `signedLen ${m.signedLen}`);
    const v = verifyMotorMac(buf, off, m, FUZZ_SESSION_ID, w.hmac);
    if (v < 0 && (f = checkError("verifyMotorMac", v, MAC_VERIFY_ERRORS))) return f;
    if (v > 0) return fail("verifyMotorMac returned a positive value", String(v));
    if (v === 0) {
      const key = toHex(buf.subarray(off, off + m.signedLen)) + ":" + toHex(buf.subarray(m.macOff, m.macOff + MOTOR_MAC_BYTES));
      if (!w.signed.has(key)) return fail("verifyMotorMac accepted a frame nobody signed (forgery)");
    }
    return null;
  };

  const r1 = decode(input, 0, input.length);
  let f: Failure | null;
  if (r1 <= 0) {
    if (r1 === 0) return fail(`${name} returned 0`);
    if ((f = checkError(name, r1, FRAME_DECODE_ERRORS))) return f;
  } else {
    if ((f = checkFrame(view, r1, w.table, kind, input, 0, input.length))) return f;
    if ((f = motorChecks(input, 0, input.length))) return f;
  }
  const s1 = r1 > 0 ? snapshot(view, 0, extra(0)) : "";
  const before = rng.int(1, 9);
  const big = embed(input, before, rng.bytes(rng.int(1, 16)));
  const r2 = decode(big, before, input.length);
  if (r2 !== r1) return fail(`${name} depends on bytes outside its range`, `alone ${codeText(r1)}, embedded ${codeText(r2)}`);
  if (r2 > 0) {
    if ((f = checkFrame(view, r2, w.table, kind, big, before, input.length))) return f;
    if ((f = motorChecks(big, before, input.length))) return f;
    const s2 = snapshot(view, before, extra(before));
    if (s2 !== s1) return fail(`${name} fields depend on bytes outside its range`, `${s1}\n${s2}`);
  }
  // The view still decodes (and, for motors, verifies) a valid frame.
  const r3 = decode(probe, 0, probe.length);
  if (r3 < 1) return fail(`${name} no longer decodes a valid frame`, `got ${codeText(r3)}`);
  if (kind === ChannelKind.Motor) {
    const v = verifyMotorMac(probe, 0, view as MotorFrame, FUZZ_SESSION_ID, w.hmac);
    if (v !== 0) return fail("verifyMotorMac no longer verifies a valid frame", codeText(v));
  }
  return null;
}

function frameTarget(kind: number): FuzzTarget {
  const name = kind === ChannelKind.Sensor ? "sensor" : "motor";
  return {
    name,
    description: kind === ChannelKind.Sensor
      ? "decodeSensorFrame against a table of every element type; alone and embedded"
      : "decodeMotorFrame + verifyMotorMac (no forgery may verify); alone and embedded",
    setup(seed: number): TargetInstance {
      const w = makeFrames(seed);
      const own = kind === ChannelKind.Sensor ? w.sensors : w.motors;
      const other = kind === ChannelKind.Sensor ? w.motors : w.sensors;
      const corpus = [...own, ...other.slice(0, 3)];
      const capacity = w.table.size;
      const view = kind === ChannelKind.Sensor ? new SensorFrame(capacity, FUZZ_MAX_FRAME_BYTES) : new MotorFrame(capacity, FUZZ_MAX_FRAME_BYTES);
      const probe = own[0];
      return { corpus, run: (input, rng) => runFrames(kind, w, view, input, rng, probe) };
    },
  };
}

export const sensorTarget = frameTarget(ChannelKind.Sensor);
export const motorTarget = frameTarget(ChannelKind.Motor);

/** Valid frames of both kinds (for the cbor target's corpus). */
export function frameCorpus(seed: number): Uint8Array[] {
  const w = makeFrames(seed);
  return [...w.sensors.slice(0, 6), ...w.motors.slice(0, 6)];
}
