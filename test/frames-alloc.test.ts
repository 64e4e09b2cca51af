/*
 * Zero allocation on XS for the frame hot paths: after setup, encoding and decoding sensor
 * and motor frames (MAC included; sensor frames also from two receive buffers taking turns),
 * copying payloads out and walking CBOR allocate no slots and no chunk bytes, measured with
 * the metered xsnap worker (test/helpers/xs.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testHotPathsOnXs } from "./helpers/both-engines";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = (p: string) => JSON.stringify(path.join(root, p));

const entry = `
import { byteView, ChannelKind, ChannelTable } from ${src("src/codec/frames/channels")};
import { FrameEntries } from ${src("src/codec/frames/entries")};
import { copyEntry } from ${src("src/codec/frames/view")};
import { decodeSensorFrame, encodeSensorFrame, SensorFrame } from ${src("src/codec/frames/sensor")};
import { decodeMotorFrame, encodeMotorFrame, MotorFrame, verifyMotorMac } from ${src("src/codec/frames/motor")};
import { SoftHmacSha256 } from ${src("src/codec/crypto/hmac")};
import { CborReader } from ${src("src/codec/cbor/reader")};
import { fromHex } from ${src("src/codec/bytes")};
import { referenceSpecs, sensorReferenceData, motorSessionKey, MOTOR_SESSION_ID, MOTOR_REFERENCE_HEX } from ${src("test/vectors/frames.suite")};

const table = new ChannelTable(referenceSpecs);
const { f32, i16 } = sensorReferenceData();
const sensorEntries = new FrameEntries(table, ChannelKind.Sensor);
sensorEntries.add(0, byteView(f32));
sensorEntries.add(1, byteView(i16));
const motorData = new Float32Array([1, -1, 0.5, 2]);
const motorBytes = fromHex("00ff");
const motorEntries = new FrameEntries(table, ChannelKind.Motor);
motorEntries.add(10, byteView(motorData));
motorEntries.add(11, motorBytes);
const hmac = new SoftHmacSha256();
const key = motorSessionKey();
hmac.setKey(key, 0, key.length);
const scratch = new Uint8Array(32);
const tx = new Uint8Array(256);
const rx = new Uint8Array(256);
const sensorOut = new SensorFrame(table.size, 4096);
const motorOut = new MotorFrame(table.size, 4096);
const copyF32 = new Float32Array(16);
const copyF32Bytes = byteView(copyF32);
const motorRef = fromHex(MOTOR_REFERENCE_HEX);
const reader = new CborReader();
let seq = 0;
const sensorLen = encodeSensorFrame(rx, 0, 1, 1000, sensorEntries);
rx.set(motorRef, 128);
const rxB = new Uint8Array(256); // a second receive buffer, taking turns with rx
rxB.set(rx.subarray(0, sensorLen), 4);
let turn = 0;

globalThis.__hot = {
  encodeSensor() {
    seq = (seq + 1) & 15; // 1-byte seq: the result length stays 94
    return encodeSensorFrame(tx, 0, seq, 1000, sensorEntries);
  },
  decodeSensor() {
    const n = decodeSensorFrame(rx, 0, sensorLen, table, sensorOut);
    return n < 0 ? n : copyEntry(sensorOut, 0, copyF32Bytes);
  },
  decodeSensorTakingTurns() {
    turn ^= 1;
    const n = turn === 0 ? decodeSensorFrame(rx, 0, sensorLen, table, sensorOut) : decodeSensorFrame(rxB, 4, sensorLen, table, sensorOut);
    return n < 0 ? n : copyEntry(sensorOut, 0, copyF32Bytes);
  },
  encodeMotor() {
    return encodeMotorFrame(tx, 0, 7, 123456, motorEntries, MOTOR_SESSION_ID, hmac, scratch);
  },
  decodeMotor() {
    const n = decodeMotorFrame(rx, 128, motorRef.length, table, motorOut);
    return n < 0 ? n : verifyMotorMac(rx, 128, motorOut, MOTOR_SESSION_ID, hmac, scratch);
  },
  walk() {
    reader.reset(rx, 128, 128 + motorRef.length);
    const e = reader.skip();
    return e < 0 ? e : reader.finish();
  },
};
`;

const hot: ReadonlyArray<readonly [string, number]> = [
  // [function, expected result of one call]
  ["encodeSensor", 94],
  ["decodeSensor", 64],
  ["decodeSensorTakingTurns", 64],
  ["encodeMotor", 48],
  ["decodeMotor", 0],
  ["walk", 0],
];

testHotPathsOnXs("frame hot paths allocate nothing on XS", entry, root, hot, 2_000);
