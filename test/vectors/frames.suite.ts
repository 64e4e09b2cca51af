/*
 * frames.suite: sensor and motor frames (src/codec/frames), run on V8 and on XS.
 *
 * Vectors: the reference sensor frame (16 float32 + 8 int16, 94 bytes) and a motor frame
 * with its MAC, as literal hex computed independently (Python struct + hmac), used both
 * ways; tables of malformed frames with their expected error; every truncated prefix
 * (CBOR_TRUNCATED) and a trailing byte (CBOR_TRAILING); every too-short output buffer
 * (BUFFER_TOO_SMALL); encoder argument checks; payload access (copyEntry, viewEntry, also at
 * unaligned offsets); a seeded garbage run that must yield only frame/CBOR codes and
 * leave the decoders usable (the 100,000-input runs are in test/frames-garbage.test.ts); and
 * SensorFrameWriter: for every pair of (seq, t) over the CBOR width boundaries, write then
 * refresh must equal a fresh encodeSensorFrame when the widths stay, and refuse (FRAME_SHAPE,
 * nothing written) when they change, for another buffer or offset, before a write, after a
 * failed write, after the entries changed (FrameEntries.revision) and for non-u32 arguments.
 */
import type { Check } from "../helpers/suite";
import { Prng } from "../../testkit/prng";
import { Err } from "../../src/errors";
import { fromHex, toHex } from "../../src/codec/bytes";
import { SoftHmacSha256 } from "../../src/codec/crypto/hmac";
import { byteView, ChannelKind, ChannelTable, ElementType, validateChannels, type ChannelSpec } from "../../src/codec/frames/channels";
import { FrameEntries } from "../../src/codec/frames/entries";
import { copyEntry, viewEntry } from "../../src/codec/frames/view";
import { decodeSensorFrame, encodeSensorFrame, SensorFrame, SensorFrameWriter, sensorFrameMaxBytes } from "../../src/codec/frames/sensor";
import { decodeMotorFrame, encodeMotorFrame, MotorFrame, motorFrameMaxBytes, verifyMotorMac } from "../../src/codec/frames/motor";

const S = ChannelKind.Sensor;
const M = ChannelKind.Motor;

/** The reference table: sensors 0 (16 float32), 1 (8 int16), 2 (3 uint8); motors 10 (4 float32), 11 (2 uint8). */
export const referenceSpecs: ChannelSpec[] = [
  { id: 0, kind: S, elementType: ElementType.F32, count: 16, rateHz: 100 },
  { id: 1, kind: S, elementType: ElementType.I16, count: 8, rateHz: 100 },
  { id: 2, kind: S, elementType: ElementType.U8, count: 3, rateHz: 10 },
  { id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 50 },
  { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 50 },
];

/** [seq, time, [id, data]...] -> hex. Computed with Python struct, independent of our encoder. */
export const SENSOR_REFERENCE_HEX =
  "86011903e800d8555840000000c00000c0bf000080bf000000bf000000000000003f0000803f0000c03f00000040" +
  "00002040000040400000604000008040000090400000a0400000b04001d84d50fcfffdfffeffffff0000010002000300";

/** [7, 123456, 10, float32 [1, -1, 0.5, 2], 11, h'00ff', mac] for session 0x01020304, key 00..1f. */
export const MOTOR_REFERENCE_HEX = "87071a0001e2400ad855500000803f000080bf0000003f000000400b4200ff5046b53f1c178e358fcdeef4cd48abb068";
export const MOTOR_SESSION_ID = 0x01020304;
export function motorSessionKey(): Uint8Array {
  const k = new Uint8Array(32);
  for (let i = 0; i < 32; i++) k[i] = i;
  return k;
}

export function sensorReferenceData(): { f32: Float32Array; i16: Int16Array } {
  const f32 = new Float32Array(16);
  for (let i = 0; i < 16; i++) f32[i] = i * 0.5 - 2;
  const i16 = new Int16Array(8);
  for (let i = 0; i < 8; i++) i16[i] = i - 4;
  return { f32, i16 };
}

/** Small table for the malformed-frame vectors: sensors 0 (1 float32), 1 (2 uint8); motor 9 (1 int16). */
const smallSpecs: ChannelSpec[] = [
  { id: 0, kind: S, elementType: ElementType.F32, count: 1, rateHz: 0 },
  { id: 1, kind: S, elementType: ElementType.U8, count: 2, rateHz: 0 },
  { id: 9, kind: M, elementType: ElementType.I16, count: 1, rateHz: 0 },
];

/** Valid small frames: [hex, entry count]. The motor MAC is not checked by the decoder. */
const smallSensorOk: ReadonlyArray<readonly [string, string, number]> = [
  ["[1, 2, 0, f32 [1.0]]", "84010200d855440000803f", 1],
  ["[1, 2, 1, h'0102']", "840102014201 02", 1],
  ["[1, 2, 1, 64(h'0102')] (tagged uint8)", "84010201d840420102", 1],
  ["[u32 max, u32 max, 1, h'0102', 0, f32]", "861affffffff1affffffff01420102 00d855440000803f", 2],
  ["non-shortest seq head", "8419000102014201 02", 1],
];
const smallMotorOk: ReadonlyArray<readonly [string, string, number]> = [
  ["[1, 2, 9, i16 [-1], mac]", "85010209d84d42ffff50" + "00".repeat(16), 1],
  ["[1, 2, 9, i16 [-1], 64(mac)] (tagged mac)", "85010209d84d42ffffd84050" + "00".repeat(16), 1],
];

/** [what, hex, expected error] for the sensor decoder on the small table. */
const badSensor: ReadonlyArray<readonly [string, string, number]> = [
  ["a map, not an array", "a0", Err.FrameShape],
  ["an integer", "01", Err.FrameShape],
  ["array of 2 (no entries)", "820102", Err.FrameShape],
  ["array of 3 (odd)", "83010200", Err.FrameShape],
  ["array of 5 (odd)", "850102014201 0200", Err.FrameShape],
  ["seq is text", "846131 0201420102", Err.FrameShape],
  ["seq is negative", "842002014201 02", Err.FrameShape],
  ["seq beyond u32", "841b000000010000000002014201 02", Err.FrameShape],
  ["time beyond u32", "84011b000000010000000001420102", Err.FrameShape],
  ["time is a float", "8401fa3f80000001420102", Err.FrameShape],
  ["unknown channel 5", "840102054201 02", Err.FrameChannel],
  ["channel id 256", "84010219010042 0102", Err.FrameChannel],
  ["motor channel in a sensor frame", "84010209d84d42ffff", Err.FrameChannel],
  ["channel id is text", "8401026130420102", Err.FrameShape],
  ["payload is an integer", "8401020101", Err.FrameShape],
  ["payload is text", "84010201620102", Err.FrameShape],
  ["uint8 channel sent as int8", "84010201d848420102", Err.FrameChannel],
  ["uint8 channel with 3 elements", "8401020143010203", Err.FrameChannel],
  ["float32 channel with 2 elements", "84010200d855480000803f0000803f", Err.FrameChannel],
  ["float32 channel sent as uint32", "84010200d846440000803f", Err.FrameChannel],
  ["float32 channel as a plain byte string", "84010200440000803f", Err.FrameChannel],
  ["repeated channel", "86010201420102014201 02", Err.FrameChannel],
  ["typed array of a partial element", "84010200d85543000080", Err.CborBadTypedArray],
  ["unknown tag on the payload", "84010200d9010044 0000803f", Err.CborUnsupported],
  ["indefinite-length array", "9f010201420102ff", Err.CborUnsupported],
  ["indefinite-length payload", "840102015f420102ff", Err.CborUnsupported],
  ["trailing byte", "84010201420102 00", Err.CborTrailing],
  ["empty", "", Err.CborTruncated],
];

/** [what, hex, expected error] for the motor decoder on the small table. */
const badMotor: ReadonlyArray<readonly [string, string, number]> = [
  ["array of 4 (even)", "84010209d84d42ffff", Err.FrameShape],
  ["array of 3 (no entries)", "83010250" + "00".repeat(16), Err.FrameShape],
  ["mac of 15 bytes", "85010209d84d42ffff4f" + "00".repeat(15), Err.FrameShape],
  ["mac of 17 bytes", "85010209d84d42ffff51" + "00".repeat(17), Err.FrameShape],
  ["mac is text", "85010209d84d42ffff70" + "30".repeat(16), Err.FrameShape],
  ["mac is an int16 typed array", "85010209d84d42ffffd84d50" + "00".repeat(16), Err.FrameShape],
  ["mac is a uint8 typed array of 15 bytes", "85010209d84d42ffffd8404f" + "00".repeat(15), Err.FrameShape],
  ["sensor channel in a motor frame", "85010201420102 50" + "00".repeat(16), Err.FrameChannel],
  ["int16 channel with 2 elements", "85010209d84d44ffffffff50" + "00".repeat(16), Err.FrameChannel],
  ["deadline is negative", "850120 09d84d42ffff50" + "00".repeat(16), Err.FrameShape],
  ["trailing byte", "85010209d84d42ffff50" + "00".repeat(16) + "f6", Err.CborTrailing],
  ["a sensor frame", "840102014201 02", Err.FrameShape],
];

/** Every code a frame decoder may return for wire input. */
export const frameErrors: readonly number[] = [
  Err.FrameShape,
  Err.FrameChannel,
  Err.FrameTooLarge,
  Err.CborTruncated,
  Err.CborUnsupported,
  Err.CborTrailing,
  Err.CborBadTypedArray,
];

function prefixesTruncate(check: Check, what: string, bytes: Uint8Array, decode: (b: Uint8Array, len: number) => number): void {
  let ok = true;
  for (let k = 0; k < bytes.length; k++) {
    const e = decode(bytes, k);
    if (e !== Err.CborTruncated) {
      ok = false;
      check.is(e, Err.CborTruncated, `${what}: prefix of ${k} bytes`);
    }
  }
  check.ok(ok, `${what}: all ${bytes.length} prefixes are CBOR_TRUNCATED`);
}

export function run(check: Check): void {
  const table = new ChannelTable(referenceSpecs);
  const sensorOut = new SensorFrame(table.size, 4096);
  const motorOut = new MotorFrame(table.size, 4096);
  const hmac = new SoftHmacSha256();
  const key = motorSessionKey();
  hmac.setKey(key, 0, key.length);
  const scratch = new Uint8Array(32);

  // ---- 1. reference sensor frame, both ways ----
  const { f32, i16 } = sensorReferenceData();
  const entries = new FrameEntries(table, S);
  entries.add(0, byteView(f32));
  entries.add(1, byteView(i16));
  const sensorRef = fromHex(SENSOR_REFERENCE_HEX);
  const dst = new Uint8Array(200);
  let end = encodeSensorFrame(dst, 5, 1, 1000, entries);
  check.is(end, 5 + sensorRef.length, "reference sensor frame: end offset");
  check.bytes(dst.subarray(5, end < 0 ? 5 : end), sensorRef, "reference sensor frame: bytes");
  check.is(decodeSensorFrame(dst, 5, sensorRef.length, table, sensorOut), 2, "reference sensor frame decodes to 2 entries");
  check.is(sensorOut.seq, 1, "sensor seq");
  check.is(sensorOut.time, 1000, "sensor time");
  check.is(sensorOut.channelId[0], 0, "entry 0 channel");
  check.is(sensorOut.channelId[1], 1, "entry 1 channel");
  check.is(sensorOut.tableIndex[1], 1, "entry 1 table index");
  check.is(sensorOut.elementType[0], ElementType.F32, "entry 0 element type");
  check.is(sensorOut.payloadOff[0], 5 + 10, "entry 0 payload offset");
  check.is(sensorOut.byteLen[0], 64, "entry 0 byte length");
  check.is(sensorOut.payloadOff[1], 5 + 78, "entry 1 payload offset");
  check.is(sensorOut.byteLen[1], 16, "entry 1 byte length");
  check.is(sensorOut.frameOff, 5, "frame offset");
  check.is(sensorOut.frameLen, sensorRef.length, "frame length");
  const f32Copy = new Float32Array(16);
  check.is(copyEntry(sensorOut, 0, byteView(f32Copy)), 64, "copyEntry float32");
  check.bytes(byteView(f32Copy), byteView(f32), "copied float32 data");
  const i16Copy = new Int16Array(8);
  check.is(copyEntry(sensorOut, 1, byteView(i16Copy)), 16, "copyEntry int16");
  check.bytes(byteView(i16Copy), byteView(i16), "copied int16 data");
  check.is(copyEntry(sensorOut, 2, byteView(i16Copy)), Err.ValueRange, "copyEntry past the count");
  check.is(copyEntry(sensorOut, -1, byteView(i16Copy)), Err.ValueRange, "copyEntry -1");
  check.is(copyEntry(sensorOut, 0, new Uint8Array(63)), Err.BufferTooSmall, "copyEntry into a short array");
  checkViews(check, sensorOut, f32, i16, "at offset 5 (unaligned: copies)");
  // Decode the same frame from an aligned offset: views share the buffer.
  const aligned = new Uint8Array(256);
  aligned.set(sensorRef, 2); // payload 0 at 2 + 10 = 12, payload 1 at 2 + 78 = 80: both aligned
  check.is(decodeSensorFrame(aligned, 2, sensorRef.length, table, sensorOut), 2, "decode at offset 2");
  checkViews(check, sensorOut, f32, i16, "at offset 2 (aligned)");
  const shared = viewEntry(sensorOut, 0) as Float32Array;
  check.ok(shared.buffer === aligned.buffer, "an aligned view shares the receive buffer");
  check.ok(viewEntry(sensorOut, 2) === null, "viewEntry past the count is null");
  // Canonical frames take the fast path (the general path's reader is never touched);
  // a valid non-canonical frame takes the general path and decodes to the same fields.
  const sentinel = new Uint8Array(1);
  const probe = new SensorFrame(table.size, 4096);
  probe.reader.reset(sentinel, 0, 0);
  check.is(decodeSensorFrame(sensorRef, 0, sensorRef.length, table, probe), 2, "probe decode");
  check.ok(probe.reader.buf === sentinel, "a canonical sensor frame takes the fast path");
  // channel 0's tag 85 with a two-byte argument (d9 0055): valid, but not what writers emit
  const nonCanonical = fromHex("86011903e800 d90055" + SENSOR_REFERENCE_HEX.slice(16));
  check.is(decodeSensorFrame(nonCanonical, 0, nonCanonical.length, table, probe), 2, "non-canonical seq head decodes");
  check.ok(probe.reader.buf === nonCanonical, "a non-canonical frame takes the general path");
  check.ok(probe.seq === 1 && probe.time === 1000 && probe.payloadOff[0] === 11 && probe.payloadOff[1] === 79 && probe.byteLen[1] === 16, "general path fields");
  prefixesTruncate(check, "reference sensor frame", sensorRef, (b, len) => decodeSensorFrame(b, 0, len, table, sensorOut));
  const longer = new Uint8Array(sensorRef.length + 1);
  longer.set(sensorRef);
  check.is(decodeSensorFrame(longer, 0, longer.length, table, sensorOut), Err.CborTrailing, "sensor frame + trailing byte");
  check.is(decodeSensorFrame(sensorRef, 0, sensorRef.length, table, sensorOut), 2, "sensor decoder reusable after errors");

  // ---- 2. sizes and limits ----
  entries.add(2, fromHex("010203"));
  end = encodeSensorFrame(dst, 0, 0xffffffff, 0xffffffff, entries);
  check.is(end, sensorFrameMaxBytes(table), "sensorFrameMaxBytes is the size of the largest frame");
  sensorOut.maxFrameBytes = end - 1;
  check.is(decodeSensorFrame(dst, 0, end, table, sensorOut), Err.FrameTooLarge, "a frame one byte over the limit");
  sensorOut.maxFrameBytes = end;
  check.is(decodeSensorFrame(dst, 0, end, table, sensorOut), 3, "a frame at the limit");
  check.is(sensorOut.elementType[2], ElementType.U8, "uint8 entry reads as element type 64");
  check.bytes(dst.subarray(end - 5, end), fromHex("0243010203"), "uint8 entry is an untagged byte string");
  check.is(decodeSensorFrame(dst, 0, dst.length + 1, table, sensorOut), Err.ValueRange, "length beyond the buffer");
  check.is(decodeSensorFrame(dst, -1, 4, table, sensorOut), Err.ValueRange, "negative offset");
  sensorOut.maxFrameBytes = 4096;

  // ---- 3. sensor encoder arguments and entry checks ----
  entries.clear();
  check.is(encodeSensorFrame(dst, 0, 1, 2, entries), Err.ChannelUnknown, "no entries");
  check.is(entries.add(0, byteView(f32)), 0, "add channel 0");
  check.is(encodeSensorFrame(dst, 0, -1, 2, entries), Err.ValueRange, "seq -1");
  check.is(encodeSensorFrame(dst, 0, 2 ** 32, 2, entries), Err.ValueRange, "seq 2^32");
  check.is(encodeSensorFrame(dst, 0, 1, 1.5, entries), Err.ValueRange, "time 1.5");
  check.is(entries.add(0, byteView(f32)), Err.ChannelUnknown, "repeated channel");
  check.is(entries.add(10, new Uint8Array(16)), Err.ChannelUnknown, "motor channel in sensor entries");
  check.is(entries.add(7, new Uint8Array(16)), Err.ChannelUnknown, "unknown channel");
  check.is(entries.add(300, new Uint8Array(16)), Err.ChannelUnknown, "channel 300");
  check.is(entries.add(-1, new Uint8Array(16)), Err.ChannelUnknown, "channel -1");
  check.is(entries.add(1, new Uint8Array(14)), Err.ChannelUnknown, "wrong byte length");
  check.is(entries.count, 1, "refused entries are not added");
  const motorKind = new FrameEntries(table, M);
  check.is(motorKind.add(10, new Uint8Array(16)), 0, "motor entries take motor channels");
  check.is(encodeSensorFrame(dst, 0, 1, 2, motorKind), Err.ChannelUnknown, "motor entries in a sensor frame");
  entries.add(1, byteView(i16));
  let shortOk = true;
  for (let size = 0; size < sensorRef.length; size++) {
    const e = encodeSensorFrame(new Uint8Array(size), 0, 1, 1000, entries);
    if (e !== Err.BufferTooSmall) {
      shortOk = false;
      check.is(e, Err.BufferTooSmall, `sensor frame into ${size} bytes`);
    }
  }
  check.ok(shortOk, "sensor frame: every short buffer is BUFFER_TOO_SMALL");
  const small = new FrameEntries(table, S, 1);
  check.is(small.add(0, byteView(f32)), 0, "FrameEntries.add");
  check.is(small.add(1, byteView(i16)), Err.QueueFull, "FrameEntries over capacity");

  // ---- 4. reference motor frame, both ways, and its MAC ----
  const motorRef = fromHex(MOTOR_REFERENCE_HEX);
  const mEntries = new FrameEntries(table, M);
  const motorF32 = new Float32Array([1, -1, 0.5, 2]);
  mEntries.add(10, byteView(motorF32));
  mEntries.add(11, fromHex("00ff"));
  end = encodeMotorFrame(dst, 3, 7, 123456, mEntries, MOTOR_SESSION_ID, hmac, scratch);
  check.is(end, 3 + motorRef.length, "reference motor frame: end offset");
  check.bytes(dst.subarray(3, end < 0 ? 3 : end), motorRef, "reference motor frame: bytes (MAC included)");
  check.is(decodeMotorFrame(motorRef, 0, motorRef.length, table, motorOut), 2, "reference motor frame decodes");
  check.is(motorOut.seq, 7, "motor seq");
  check.is(motorOut.deadline, 123456, "motor deadline");
  check.is(motorOut.channelId[0], 10, "motor entry 0");
  check.is(motorOut.channelId[1], 11, "motor entry 1");
  check.is(motorOut.signedLen, motorRef.length - 17, "signed length excludes the mac item");
  check.is(motorOut.macOff, motorRef.length - 16, "mac offset");
  check.is(verifyMotorMac(motorRef, 0, motorOut, MOTOR_SESSION_ID, hmac), 0, "MAC verifies");
  check.is(verifyMotorMac(motorRef, 0, motorOut, MOTOR_SESSION_ID + 1, hmac), Err.FrameBadMac, "MAC of another session");
  check.is(verifyMotorMac(motorRef.subarray(0, motorRef.length - 1), 0, motorOut, MOTOR_SESSION_ID, hmac), Err.ValueRange, "a buffer that ends inside the MAC");
  const other = new SoftHmacSha256();
  other.setKey(key, 1, 31);
  check.is(verifyMotorMac(motorRef, 0, motorOut, MOTOR_SESSION_ID, other), Err.FrameBadMac, "MAC under another key");
  // Flip each bit position class: a payload byte, the seq, a MAC byte.
  for (const at of [1, 12, motorRef.length - 17 - 1, motorRef.length - 1, motorRef.length - 16]) {
    const t = motorRef.slice();
    t[at] ^= 0x01;
    const d = decodeMotorFrame(t, 0, t.length, table, motorOut);
    check.is(d < 0 ? Err.FrameBadMac : verifyMotorMac(t, 0, motorOut, MOTOR_SESSION_ID, hmac), Err.FrameBadMac, `flipped byte ${at}: MAC fails`);
  }
  // One MotorFrame across session ids (it caches the id's MAC bytes): each frame verifies under
  // its own id, right after a verification under another id, and fails under the previous one.
  let prevId = -1;
  for (const sid of [MOTOR_SESSION_ID, MOTOR_SESSION_ID, 0, 0xffffffff, 0x80000000, 0x00010000, MOTOR_SESSION_ID]) {
    const signed = new Uint8Array(128);
    const n = encodeMotorFrame(signed, 0, 9, 1000, mEntries, sid, hmac, scratch);
    check.is(decodeMotorFrame(signed, 0, n < 0 ? 0 : n, table, motorOut), 2, `session ${sid}: frame decodes`);
    if (prevId >= 0 && prevId !== sid) check.is(verifyMotorMac(signed, 0, motorOut, prevId, hmac), Err.FrameBadMac, `session ${sid}: fails under ${prevId}`);
    check.is(verifyMotorMac(signed, 0, motorOut, sid, hmac), 0, `session ${sid}: verifies`);
    check.is(verifyMotorMac(signed, 0, motorOut, sid | 0, hmac), 0, `session ${sid}: verifies given as int32 ${sid | 0}`);
    prevId = sid;
  }
  // A frame decoded at an offset verifies with that offset.
  check.is(decodeMotorFrame(dst, 3, motorRef.length, table, motorOut), 2, "motor frame at offset 3");
  check.is(verifyMotorMac(dst, 3, motorOut, MOTOR_SESSION_ID, hmac), 0, "MAC verifies at offset 3");
  const mf = viewEntry(motorOut, 0) as Float32Array;
  check.ok(mf instanceof Float32Array && mf.length === 4 && mf[0] === 1 && mf[1] === -1 && mf[2] === 0.5 && mf[3] === 2, "motor float32 view");
  const mProbe = new MotorFrame(table.size, 4096);
  mProbe.reader.reset(sentinel, 0, 0);
  check.is(decodeMotorFrame(motorRef, 0, motorRef.length, table, mProbe), 2, "motor probe decode");
  check.ok(mProbe.reader.buf === sentinel, "a canonical motor frame takes the fast path");
  check.ok(mProbe.macOff === motorRef.length - 16 && mProbe.signedLen === motorRef.length - 17 && mProbe.deadline === 123456, "fast path motor fields");
  prefixesTruncate(check, "reference motor frame", motorRef, (b, len) => decodeMotorFrame(b, 0, len, table, motorOut));
  const mLonger = new Uint8Array(motorRef.length + 1);
  mLonger.set(motorRef);
  check.is(decodeMotorFrame(mLonger, 0, mLonger.length, table, motorOut), Err.CborTrailing, "motor frame + trailing byte");
  check.is(mEntries.add(10, byteView(motorF32)), Err.ChannelUnknown, "motor: repeated channel");
  check.is(mEntries.add(0, byteView(f32)), Err.ChannelUnknown, "sensor channel in motor entries");
  check.is(encodeMotorFrame(dst, 0, 1, 2, entries, 1, hmac, scratch), Err.ChannelUnknown, "sensor entries in a motor frame");
  mEntries.clear();
  check.is(encodeMotorFrame(dst, 0, 1, 2, mEntries, 1, hmac, scratch), Err.ChannelUnknown, "motor frame without entries");
  mEntries.add(10, byteView(motorF32));
  check.is(encodeMotorFrame(dst, 0, 1, 2, mEntries, -1, hmac, scratch), Err.ValueRange, "session id -1");
  check.is(encodeMotorFrame(dst, 0, 1, 2 ** 32, mEntries, 1, hmac, scratch), Err.ValueRange, "deadline 2^32");
  check.is(encodeMotorFrame(dst, 0, 1, 2, mEntries, 1, hmac, new Uint8Array(31)), Err.ValueRange, "short scratch");
  mEntries.add(11, fromHex("00ff"));
  shortOk = true;
  for (let size = 0; size < motorRef.length; size++) {
    const e = encodeMotorFrame(new Uint8Array(size), 0, 7, 123456, mEntries, MOTOR_SESSION_ID, hmac, scratch);
    if (e !== Err.BufferTooSmall) {
      shortOk = false;
      check.is(e, Err.BufferTooSmall, `motor frame into ${size} bytes`);
    }
  }
  check.ok(shortOk, "motor frame: every short buffer is BUFFER_TOO_SMALL");
  end = encodeMotorFrame(dst, 0, 0xffffffff, 0xffffffff, mEntries, 9, hmac, scratch);
  check.is(end, motorFrameMaxBytes(table), "motorFrameMaxBytes is the size of the largest frame");

  // ---- 5. small valid and malformed frames ----
  const st = new ChannelTable(smallSpecs);
  const sOut = new SensorFrame(st.size, 1024);
  const mOut = new MotorFrame(st.size, 1024);
  for (const [what, hex, n] of smallSensorOk) {
    const b = fromHex(hex);
    check.is(decodeSensorFrame(b, 0, b.length, st, sOut), n, `sensor ok: ${what}`);
    prefixesTruncate(check, `sensor ok: ${what}`, b, (x, len) => decodeSensorFrame(x, 0, len, st, sOut));
  }
  for (const [what, hex, n] of smallMotorOk) {
    const b = fromHex(hex);
    check.is(decodeMotorFrame(b, 0, b.length, st, mOut), n, `motor ok: ${what}`);
    prefixesTruncate(check, `motor ok: ${what}`, b, (x, len) => decodeMotorFrame(x, 0, len, st, mOut));
  }
  for (const [what, hex, err] of badSensor) {
    const b = fromHex(hex);
    check.is(decodeSensorFrame(b, 0, b.length, st, sOut), err, `sensor: ${what}`);
  }
  for (const [what, hex, err] of badMotor) {
    const b = fromHex(hex);
    check.is(decodeMotorFrame(b, 0, b.length, st, mOut), err, `motor: ${what}`);
  }
  const okSmall = fromHex(smallSensorOk[0][1]);
  check.is(decodeSensorFrame(okSmall, 0, okSmall.length, st, sOut), 1, "small sensor decoder reusable after errors");
  // Output capacity smaller than the entries: FRAME_CHANNEL, never a write past the arrays.
  const tiny = new SensorFrame(1, 1024);
  const two = fromHex(smallSensorOk[3][1]);
  check.is(decodeSensorFrame(two, 0, two.length, st, tiny), Err.FrameChannel, "more entries than the output holds");

  // ---- 6. channel tables ----
  check.is(validateChannels(referenceSpecs), 0, "reference specs are valid");
  const badSpecs: Array<[string, ChannelSpec[]]> = [
    ["empty", []],
    ["id 256", [{ id: 256, kind: S, elementType: ElementType.U8, count: 1, rateHz: 0 }]],
    ["id -1", [{ id: -1, kind: S, elementType: ElementType.U8, count: 1, rateHz: 0 }]],
    ["kind 2", [{ id: 0, kind: 2, elementType: ElementType.U8, count: 1, rateHz: 0 }]],
    ["element type 71 (uint64)", [{ id: 0, kind: S, elementType: 71, count: 1, rateHz: 0 }]],
    ["count 0", [{ id: 0, kind: S, elementType: ElementType.U8, count: 0, rateHz: 0 }]],
    ["count 65536", [{ id: 0, kind: S, elementType: ElementType.U8, count: 65536, rateHz: 0 }]],
    ["rate 1.5", [{ id: 0, kind: S, elementType: ElementType.U8, count: 1, rateHz: 1.5 }]],
    ["repeated id", [referenceSpecs[0], { ...referenceSpecs[1], id: 0 }]],
  ];
  for (const [what, specs] of badSpecs) check.is(validateChannels(specs), Err.ConfigInvalid, `invalid channels: ${what}`);
  let threw = false;
  try {
    new ChannelTable([]);
  } catch {
    threw = true;
  }
  check.ok(threw, "ChannelTable refuses invalid specs");
  check.is(table.indexOf(11), 4, "indexOf 11");
  check.is(table.indexOf(3), -1, "indexOf absent id");
  check.is(table.indexOf(300), -1, "indexOf 300");
  check.is(table.indexOf(1.5), -1, "indexOf 1.5");
  check.is(table.sensorCount, 3, "sensor count");
  check.is(table.motorCount, 2, "motor count");
  check.is(table.byteLength[0], 64, "byte length of channel 0");

  // ---- 7. garbage ----
  frameGarbage(check, 0xf4a3e5, 1500);

  // ---- 8. SensorFrameWriter: refresh in place ----
  writerRefresh(check);
  writerRefusals(check);
  entriesRevision(check);
}

function checkViews(check: Check, out: SensorFrame, f32: Float32Array, i16: Int16Array, what: string): void {
  const v0 = viewEntry(out, 0);
  const v1 = viewEntry(out, 1);
  check.ok(v0 instanceof Float32Array && v0.length === 16, `viewEntry 0 is a Float32Array[16] ${what}`);
  check.ok(v1 instanceof Int16Array && v1.length === 8, `viewEntry 1 is an Int16Array[8] ${what}`);
  if (v0 instanceof Float32Array && v1 instanceof Int16Array) {
    let same = true;
    for (let i = 0; i < 16; i++) same = same && v0[i] === f32[i];
    for (let i = 0; i < 8; i++) same = same && v1[i] === i16[i];
    check.ok(same, `view values ${what}`);
  }
}

/** Field-by-field summary of a decode result, to compare the fast and the general path. */
function summary(out: SensorFrame | MotorFrame, result: number): string {
  if (result <= 0) return String(result);
  let s = `${result}:${out.seq}:${out instanceof SensorFrame ? out.time : out.deadline}:${out.macOff}:${out.signedLen}`;
  for (let e = 0; e < result; e++) s += `|${out.channelId[e]},${out.tableIndex[e]},${out.elementType[e]},${out.payloadOff[e]},${out.byteLen[e]}`;
  return s;
}

/**
 * Mutated reference frames and random bytes through both decoders (and the MAC check), each
 * decoded twice: with the fast path and with the general path only. Both must agree exactly.
 */
export function frameGarbage(check: Check, seed: number, rounds: number): void {
  const rng = new Prng(seed);
  const table = new ChannelTable(referenceSpecs);
  const sOut = new SensorFrame(table.size, 4096);
  const mOut = new MotorFrame(table.size, 4096);
  const sSlow = new SensorFrame(table.size, 4096);
  const mSlow = new MotorFrame(table.size, 4096);
  sSlow.fastPath = false;
  mSlow.fastPath = false;
  const hmac = new SoftHmacSha256();
  const key = motorSessionKey();
  hmac.setKey(key, 0, key.length);
  const scratch = new Uint8Array(32);
  const seeds = [
    fromHex(SENSOR_REFERENCE_HEX),
    fromHex(MOTOR_REFERENCE_HEX),
    fromHex("84010202 43010203"),
    fromHex("85 01 02 0b 42 00ff 50" + "00".repeat(16)),
    fromHex("86 1a00010000 1a00010000 02 d840 43010203 01 d84d 50" + "00".repeat(16)),
  ];
  const buf = new Uint8Array(160);
  let bad = 0;
  let sensorOk = 0;
  let motorOk = 0;
  let macOk = 0;
  let disagree = 0;
  const codes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let n: number;
    if (rng.chance(0.2)) {
      n = rng.int(0, buf.length);
      for (let k = 0; k < n; k++) buf[k] = rng.u32() & 0xff;
    } else {
      const s = rng.pick(seeds);
      n = s.length;
      buf.set(s);
      const flips = rng.int(0, 3);
      for (let f = 0; f < flips; f++) buf[rng.int(0, n - 1)] = rng.chance(0.5) ? rng.u32() & 0xff : buf[rng.int(0, n - 1)];
      if (rng.chance(0.2)) n = rng.int(0, n);
      else if (rng.chance(0.1)) n = Math.min(buf.length, n + rng.int(1, 4));
    }
    try {
      const s = decodeSensorFrame(buf, 0, n, table, sOut);
      const s2 = decodeSensorFrame(buf, 0, n, table, sSlow);
      if (summary(sOut, s) !== summary(sSlow, s2)) disagree++;
      if (s > 0) sensorOk++;
      else if (frameErrors.indexOf(s) < 0) bad++;
      else if (codes.indexOf(s) < 0) codes.push(s);
      if (sSlow.reader.pos > n) bad++;
      const m = decodeMotorFrame(buf, 0, n, table, mOut);
      const m2 = decodeMotorFrame(buf, 0, n, table, mSlow);
      if (summary(mOut, m) !== summary(mSlow, m2)) disagree++;
      if (m > 0) {
        motorOk++;
        const v = verifyMotorMac(buf, 0, mOut, MOTOR_SESSION_ID, hmac);
        if (v === 0) macOk++;
        else if (v !== Err.FrameBadMac) bad++;
        if (mOut.macOff + 16 > n || mOut.signedLen >= n) bad++;
      } else if (frameErrors.indexOf(m) < 0) bad++;
      else if (codes.indexOf(m) < 0) codes.push(m);
      if (mSlow.reader.pos > n) bad++;
      for (const out of [sOut, mOut]) {
        const c = out === sOut ? s : m;
        if (c > 0) for (let e = 0; e < c; e++) if (out.payloadOff[e] + out.byteLen[e] > n) bad++;
      }
    } catch {
      bad++;
    }
  }
  check.is(disagree, 0, `frame garbage: the fast path and the general path agree on all ${rounds} inputs`);
  check.is(bad, 0, `frame garbage: ${rounds} inputs give only frame/CBOR codes and stay in bounds`);
  check.ok(sensorOk > 0 && motorOk > 0 && macOk > 0, `frame garbage reaches valid frames (sensor ${sensorOk}, motor ${motorOk}, MAC ok ${macOk})`);
  check.ok(codes.length >= 5, `frame garbage: at least 5 distinct errors (${codes.join(",")})`);
  const ref = fromHex(SENSOR_REFERENCE_HEX);
  check.is(decodeSensorFrame(ref, 0, ref.length, table, sOut), 2, "sensor decoder usable after garbage");
  const mref = fromHex(MOTOR_REFERENCE_HEX);
  check.is(decodeMotorFrame(mref, 0, mref.length, table, mOut), 2, "motor decoder usable after garbage");
  check.is(verifyMotorMac(mref, 0, mOut, MOTOR_SESSION_ID, hmac), 0, "MAC check usable after garbage");
  check.ok(toHex(ref).length > 0, "reference hex intact");
}

// ---------------------------------------------------------------- SensorFrameWriter

/** Values at every CBOR head-size boundary of a u32 (1, 2, 3 and 5 bytes, both ends of each). */
const WIDTH_EDGES: readonly number[] = [0, 23, 24, 255, 256, 65535, 65536, 0xffffffff];

/** CBOR head bytes of a u32 (RFC 8949 §3.1 shortest form), written out here independently. */
function u32HeadBytes(v: number): number {
  return v <= 23 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : 5;
}

/**
 * Sensors: 0 (1 uint8: one byte, the loop copy), 7 (3 float32), 24 (2 uint8: a two-byte id
 * head), 200 (2 int16), and 30..41 (1 uint8 each: with all 16 channels the array head takes two
 * bytes); motor 9.
 */
const refreshSpecs: ChannelSpec[] = [
  { id: 0, kind: S, elementType: ElementType.U8, count: 1, rateHz: 0 },
  { id: 7, kind: S, elementType: ElementType.F32, count: 3, rateHz: 0 },
  { id: 24, kind: S, elementType: ElementType.U8, count: 2, rateHz: 0 },
  { id: 200, kind: S, elementType: ElementType.I16, count: 2, rateHz: 0 },
  { id: 9, kind: M, elementType: ElementType.I16, count: 1, rateHz: 0 },
];
for (let id = 30; id < 42; id++) refreshSpecs.push({ id, kind: S, elementType: ElementType.U8, count: 1, rateHz: 0 });

/** The channels' arrays, and their values for step k (every byte changes from one k to the next). */
class RefreshData {
  readonly arrays = new Map<number, Uint8Array | Float32Array | Int16Array>();
  constructor(specs: readonly ChannelSpec[]) {
    for (const s of specs) {
      if (s.kind !== S) continue;
      this.arrays.set(s.id, s.elementType === ElementType.F32 ? new Float32Array(s.count) : s.elementType === ElementType.I16 ? new Int16Array(s.count) : new Uint8Array(s.count));
    }
  }
  bytes(id: number): Uint8Array {
    return byteView(this.arrays.get(id)!);
  }
  set(k: number): void {
    this.arrays.forEach((a, id) => {
      for (let i = 0; i < a.length; i++) {
        if (a instanceof Float32Array) a[i] = k * 1.5 + i - 1000.25;
        else if (a instanceof Int16Array) a[i] = ((k * 257 + i * 4099 + id) & 0xffff) - 0x8000;
        else a[i] = (k * 29 + i * 7 + id + 1) & 0xff;
      }
    });
  }
}

interface RefreshLayout {
  name: string;
  /** Channel ids in entry order. */
  ids: number[];
  capacity: number;
  /** Offset of the destination inside its ArrayBuffer (a subarray when > 0). */
  byteOffset: number;
}

const refreshLayouts: RefreshLayout[] = [
  { name: "four channels in table order", ids: [0, 7, 24, 200], capacity: 16, byteOffset: 0 },
  { name: "two channels reversed, spare capacity", ids: [200, 0], capacity: 4, byteOffset: 5 },
  { name: "sixteen channels (two-byte array head)", ids: [0, 7, 24, 200, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41], capacity: 16, byteOffset: 3 },
  { name: "one uint8 channel of one byte", ids: [0], capacity: 1, byteOffset: 0 },
  { name: "one float32 channel", ids: [7], capacity: 2, byteOffset: 1 },
];

/** Offsets of the frame in its buffer, taken in turn (bytes before the frame, aligned or not). */
const REFRESH_OFFSETS = [0, 3, 17];
const REFRESH_BUFFER_BYTES = 160;

function patternFill(b: Uint8Array, salt: number): void {
  for (let i = 0; i < b.length; i++) b[i] = (i * 37 + 11 + salt) & 0xff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function buffer(byteOffset: number): Uint8Array {
  return new Uint8Array(byteOffset + REFRESH_BUFFER_BYTES + 7).subarray(byteOffset, byteOffset + REFRESH_BUFFER_BYTES);
}

function layoutEntries(table: ChannelTable, layout: RefreshLayout, data: RefreshData): FrameEntries {
  const entries = new FrameEntries(table, S, layout.capacity);
  for (const id of layout.ids) entries.add(id, data.bytes(id));
  return entries;
}

/**
 * For every layout and every (s1, t1, s2, t2) over WIDTH_EDGES: write(s1, t1), new values,
 * refresh(s2, t2). Same widths: the write's end offset and a buffer byte-identical to a fresh
 * encodeSensorFrame of the new values into a buffer of the same surrounding bytes (so nothing
 * before off or after the end moved), then a second refresh back to (s1, t1) likewise. Other
 * widths: FRAME_SHAPE and the buffer as it was.
 */
function writerRefresh(check: Check): void {
  const table = new ChannelTable(refreshSpecs);
  let vectors = 0;
  let refreshed = 0;
  let refused = 0;
  let bad = 0;
  const fail = (what: string, got: unknown, want: unknown): void => {
    if (bad++ < 8) check.is(got, want, what);
  };
  for (const layout of refreshLayouts) {
    const data = new RefreshData(refreshSpecs);
    const entries = layoutEntries(table, layout, data);
    const writer = new SensorFrameWriter(entries);
    const dst = buffer(layout.byteOffset);
    const ref = buffer(layout.byteOffset + 2);
    let k = 0;
    for (const s1 of WIDTH_EDGES) {
      for (const t1 of WIDTH_EDGES) {
        for (const s2 of WIDTH_EDGES) {
          for (const t2 of WIDTH_EDGES) {
            const off = REFRESH_OFFSETS[vectors % REFRESH_OFFSETS.length];
            const what = `${layout.name}: write(${s1}, ${t1}) at ${off}, refresh(${s2}, ${t2})`;
            vectors++;
            patternFill(dst, vectors);
            patternFill(ref, vectors);
            data.set(++k);
            const end = writer.write(dst, off, s1, t1);
            const want = encodeSensorFrame(ref, off, s1, t1, entries);
            if (end !== want || end < 0) fail(`${what}: write end`, end, want);
            if (!sameBytes(dst, ref)) fail(`${what}: write bytes`, toHex(dst), toHex(ref));
            data.set(++k);
            const before = dst.slice();
            const r = writer.refresh(dst, off, s2, t2);
            if (u32HeadBytes(s1) === u32HeadBytes(s2) && u32HeadBytes(t1) === u32HeadBytes(t2)) {
              refreshed++;
              patternFill(ref, vectors);
              const fresh = encodeSensorFrame(ref, off, s2, t2, entries);
              if (r !== end || fresh !== end) fail(`${what}: refresh end (fresh encode ${fresh})`, r, end);
              if (!sameBytes(dst, ref)) fail(`${what}: refreshed bytes equal a fresh frame, bytes around it untouched`, toHex(dst), toHex(ref));
              data.set(++k);
              const r2 = writer.refresh(dst, off, s1, t1);
              patternFill(ref, vectors);
              encodeSensorFrame(ref, off, s1, t1, entries);
              if (r2 !== end) fail(`${what}: a second refresh back to (${s1}, ${t1})`, r2, end);
              if (!sameBytes(dst, ref)) fail(`${what}: second refresh bytes`, toHex(dst), toHex(ref));
            } else {
              refused++;
              if (r !== Err.FrameShape) fail(`${what}: another width is refused`, r, Err.FrameShape);
              if (!sameBytes(dst, before)) fail(`${what}: a refused refresh writes nothing`, toHex(dst), toHex(before));
            }
          }
        }
      }
    }
  }
  const n = WIDTH_EDGES.length;
  check.is(vectors, refreshLayouts.length * n ** 4, "writer refresh: every (layout, s1, t1, s2, t2) ran");
  check.is(refreshed, refreshLayouts.length * (n * 2) ** 2, "writer refresh: same-width pairs (2 values per width, 4 widths)");
  check.ok(refused > refreshed, `writer refresh: other-width pairs tried (${refused})`);
  check.is(bad, 0, `writer refresh: ${vectors} write/refresh vectors equal fresh frames or are refused untouched`);
}

interface RefusalCtx {
  writer: SensorFrameWriter;
  entries: FrameEntries;
  layout: RefreshLayout;
  data: RefreshData;
  dst: Uint8Array;
  other: Uint8Array;
  off: number;
  s: number;
  t: number;
}

/** [what, setup after a fresh writer (may write), the refresh call: [buffer, off, seq, t]]. */
type Refusal = [string, (c: RefusalCtx) => void, (c: RefusalCtx) => [Uint8Array, number, number, number]];

const ok = (c: RefusalCtx): void => {
  c.writer.write(c.dst, c.off, c.s, c.t);
};
const same = (c: RefusalCtx): [Uint8Array, number, number, number] => [c.dst, c.off, c.s, c.t];
const readd = (c: RefusalCtx, ids: number[]): void => {
  for (const id of ids) c.entries.add(id, c.data.bytes(id));
};

const refusals: Refusal[] = [
  ["before any write", () => undefined, same],
  ["at off + 1", ok, (c) => [c.dst, c.off + 1, c.s, c.t]],
  ["at off - 1", ok, (c) => [c.dst, c.off - 1, c.s, c.t]],
  ["in another buffer holding the same bytes", (c) => {
    ok(c);
    c.other.set(c.dst);
  }, (c) => [c.other, c.off, c.s, c.t]],
  ["after a write to another buffer", (c) => {
    ok(c);
    c.writer.write(c.other, c.off, c.s, c.t);
  }, same],
  ["after a write at another offset", (c) => {
    ok(c);
    c.writer.write(c.dst, c.off + 2, c.s, c.t);
  }, same],
  ["after a write refused for seq 2^32", (c) => {
    ok(c);
    c.writer.write(c.dst, c.off, 2 ** 32, c.t);
  }, same],
  ["after a write refused for time -1", (c) => {
    ok(c);
    c.writer.write(c.dst, c.off, c.s, -1);
  }, same],
  ["after a write refused for a short buffer", (c) => {
    ok(c);
    c.writer.write(new Uint8Array(4), 0, c.s, c.t);
  }, same],
  ["after a write refused for a buffer too short by one byte, at the same place", (c) => {
    ok(c);
    const end = c.writer.write(c.dst, c.off, c.s, c.t);
    c.writer.write(c.dst.subarray(0, end - 1), c.off, c.s, c.t); // the same bytes, through another view
  }, same],
  ["after entries.clear()", (c) => {
    ok(c);
    c.entries.clear();
  }, same],
  ["after clear() and the same add()s (a new revision, the same layout)", (c) => {
    ok(c);
    c.entries.clear();
    readd(c, c.layout.ids);
  }, same],
  ["after clear() and the add()s in another order", (c) => {
    ok(c);
    c.entries.clear();
    readd(c, c.layout.ids.slice().reverse());
  }, same],
  ["after clear() and one channel fewer", (c) => {
    ok(c);
    c.entries.clear();
    readd(c, c.layout.ids.slice(0, Math.max(1, c.layout.ids.length - 1)));
  }, same],
  ["seq -1", ok, (c) => [c.dst, c.off, -1, c.t]],
  ["seq 2^32", ok, (c) => [c.dst, c.off, 2 ** 32, c.t]],
  ["seq 2^32 + s", ok, (c) => [c.dst, c.off, 2 ** 32 + c.s, c.t]],
  ["seq s + 0.5", ok, (c) => [c.dst, c.off, c.s + 0.5, c.t]],
  ["seq NaN", ok, (c) => [c.dst, c.off, Number.NaN, c.t]],
  ["seq s - 2^32 (the int32 reading of a large s)", ok, (c) => [c.dst, c.off, c.s - 2 ** 32, c.t]],
  ["time -1", ok, (c) => [c.dst, c.off, c.s, -1]],
  ["time 2^32", ok, (c) => [c.dst, c.off, c.s, 2 ** 32]],
  ["time t + 0.25", ok, (c) => [c.dst, c.off, c.s, c.t + 0.25]],
  ["time Infinity", ok, (c) => [c.dst, c.off, c.s, Number.POSITIVE_INFINITY]],
  ["time NaN", ok, (c) => [c.dst, c.off, c.s, Number.NaN]],
];

/** (seq, t) of the refusal vectors: every width in each place, and the extremes. */
const refusalArgs: ReadonlyArray<readonly [number, number]> = [
  [0, 0xffffffff],
  [23, 65536],
  [24, 65535],
  [255, 256],
  [256, 255],
  [65535, 24],
  [65536, 23],
  [0xffffffff, 0],
];

/**
 * Each refusal on a fresh writer, for every layout and refusalArgs: FRAME_SHAPE and the buffer
 * it was asked to refresh unchanged; then a write and a refresh there work again.
 */
function writerRefusals(check: Check): void {
  const table = new ChannelTable(refreshSpecs);
  let vectors = 0;
  for (const layout of refreshLayouts) {
    for (const [s, t] of refusalArgs) {
      for (const [what, setup, call] of refusals) {
        const data = new RefreshData(refreshSpecs);
        const entries = layoutEntries(table, layout, data);
        const c: RefusalCtx = { writer: new SensorFrameWriter(entries), entries, layout, data, dst: buffer(layout.byteOffset), other: buffer(layout.byteOffset), off: REFRESH_OFFSETS[vectors % 2 + 1], s, t };
        const name = `${layout.name}, (${s}, ${t}): refresh ${what}`;
        vectors++;
        data.set(vectors);
        patternFill(c.dst, 1);
        patternFill(c.other, 2);
        setup(c);
        data.set(vectors + 1000);
        const [b, off, seq, time] = call(c);
        const before = b.slice();
        check.is(c.writer.refresh(b, off, seq, time), Err.FrameShape, name);
        check.bytes(b, before, `${name}: nothing written`);
        // usable again: a write, then a refresh with the same widths
        if (entries.count === 0) readd(c, layout.ids);
        const end = c.writer.write(c.dst, c.off, s, t);
        data.set(vectors + 2000);
        check.is(c.writer.refresh(c.dst, c.off, s, t), end, `${name}: then write and refresh work`);
      }
    }
  }
  check.is(vectors, refreshLayouts.length * refusalArgs.length * refusals.length, "writer refusals: every vector ran");
  // A motor FrameEntries: write refuses as encodeSensorFrame does, and nothing can be refreshed.
  const motor = new FrameEntries(table, M);
  motor.add(9, new Uint8Array(2));
  const mw = new SensorFrameWriter(motor);
  const dst = buffer(0);
  check.is(mw.write(dst, 0, 1, 2), Err.ChannelUnknown, "writer over motor entries: CHANNEL_UNKNOWN");
  check.is(mw.refresh(dst, 0, 1, 2), Err.FrameShape, "writer over motor entries: nothing to refresh");
  const empty = new SensorFrameWriter(new FrameEntries(table, S));
  check.is(empty.write(dst, 0, 1, 2), Err.ChannelUnknown, "writer without entries: CHANNEL_UNKNOWN");
  check.is(empty.refresh(dst, 0, 1, 2), Err.FrameShape, "writer without entries: nothing to refresh");
}

/** FrameEntries.revision moves on every add() and clear() that succeeds. */
function entriesRevision(check: Check): void {
  const table = new ChannelTable(refreshSpecs);
  const data = new RefreshData(refreshSpecs);
  const e = new FrameEntries(table, S, 2);
  const seen: number[] = [e.revision];
  const steps: Array<[string, () => number]> = [
    ["add 0", () => e.add(0, data.bytes(0))],
    ["add 7", () => e.add(7, data.bytes(7))],
    ["clear", () => (e.clear(), 0)],
    ["clear of empty entries", () => (e.clear(), 0)],
    ["add 7 again", () => e.add(7, data.bytes(7))],
  ];
  for (const [what, step] of steps) {
    check.is(step(), 0, `revision: ${what} succeeds`);
    check.ok(seen.indexOf(e.revision) < 0, `revision: ${what} gives a new revision (${e.revision})`);
    seen.push(e.revision);
  }
}
