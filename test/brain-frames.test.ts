/*
 * brain frames, auth and controller without a broker (V8 only: node:crypto and cbor-x):
 *   - the brain's proofs and session key equal HMAC-SHA256 computed by node:crypto;
 *   - the brain's motor frames (cbor-x + node:crypto) are byte-identical to
 *     src/codec/frames/motor.ts encodeMotorFrame, and src decodes them and verifies the MAC,
 *     over seeded random channel tables; the reference vector of frames.suite.ts;
 *   - the sensor decoder (cbor-x) reads src's sensor frames and refuses a table of bad ones;
 *   - the demo controller's wheel speeds and per-type scaling.
 */
import test from "ava";
import { createHmac } from "node:crypto";
import { Encoder } from "cbor-x";
import { Prng } from "../testkit/prng";
import { MOTOR_REFERENCE_HEX, MOTOR_SESSION_ID, motorSessionKey } from "./vectors/frames.suite";
import { Err } from "../src/errors";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { byteView, ChannelKind, ChannelTable, ElementType, type ChannelSpec } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { decodeMotorFrame, encodeMotorFrame, MotorFrame, verifyMotorMac } from "../src/codec/frames/motor";
import { encodeSensorFrame } from "../src/codec/frames/sensor";
import { agentProofValid, brainProof, MotorSigner, sessionKey } from "../brain/auth";
import { ctorOf, declareSpecs, type DeclaredChannels, type TypedArray } from "../brain/channels";
import { MotorEncoder } from "../brain/motor";
import { SensorDecoder } from "../brain/sensor";

const S = ChannelKind.Sensor;
const M = ChannelKind.Motor;
const TYPES = [ElementType.U8, ElementType.I8, ElementType.U16, ElementType.I16, ElementType.U32, ElementType.I32, ElementType.F32, ElementType.F64];

function declared(specs: readonly ChannelSpec[]): DeclaredChannels {
  const d = declareSpecs(specs);
  if (typeof d === "string") throw new Error(d);
  return d;
}

function randomArray(rng: Prng, et: number, count: number): TypedArray {
  const a = new (ctorOf(et)!)(count);
  const bytes = byteView(a);
  bytes.set(rng.bytes(bytes.length));
  if (et === ElementType.F32 || et === ElementType.F64) for (let i = 0; i < count; i++) a[i] = (rng.float() - 0.5) * 1000; // no NaN payloads
  return a;
}

function randomTable(rng: Prng): ChannelSpec[] {
  const ids = new Set<number>();
  const specs: ChannelSpec[] = [];
  const n = rng.int(2, 6);
  for (let i = 0; i < n; i++) {
    let id = rng.int(0, 255);
    while (ids.has(id)) id = rng.int(0, 255);
    ids.add(id);
    specs.push({ id, kind: i === 0 ? S : i === 1 ? M : rng.pick([S, M]), elementType: rng.pick(TYPES), count: rng.pick([1, 2, 3, 8, 17, 300]), rateHz: rng.int(0, 500) });
  }
  return specs;
}

test("auth: brain proof, agent proof and session key equal HMAC-SHA256 from node:crypto (an independent implementation)", (t) => {
  const rng = new Prng(0xb1a1);
  const ref = (key: Uint8Array, label: string, nA: Uint8Array, nB: Uint8Array) => createHmac("sha256", key).update(label).update(nA).update(nB).digest("hex");
  for (let i = 0; i < 50; i++) {
    const key = rng.bytes(rng.int(16, 64));
    const nA = rng.bytes(16);
    const nB = rng.bytes(16);
    t.is(Buffer.from(brainProof(key, nA, nB)).toString("hex"), ref(key, "bs1-brain", nA, nB), `brain proof ${i}`);
    t.is(Buffer.from(sessionKey(key, nA, nB)).toString("hex"), ref(key, "bs1-sess", nA, nB), `session key ${i}`);
    const proof = Buffer.from(ref(key, "bs1-agent", nA, nB), "hex");
    t.true(agentProofValid(key, nA, nB, proof), `agent proof ${i}`);
    const bad = Uint8Array.from(proof);
    bad[rng.int(0, 31)] ^= 1 << rng.int(0, 7);
    t.false(agentProofValid(key, nA, nB, bad), `flipped agent proof ${i}`);
    t.false(agentProofValid(key, nA, nB, proof.subarray(0, 31)), `short agent proof ${i}`);
  }
});

test("docs/protocol.md examples: §4 proofs and session key, §6.2 motor frame", (t) => {
  const K = Buffer.from("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f", "hex");
  const nA = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
  const nB = Buffer.from("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "hex");
  t.is(Buffer.from(brainProof(K, nA, nB)).toString("hex"), "2f4e0ad1ce01501eed9a62b409042a749750e5654e3881640efbb1f631b0be26");
  t.true(agentProofValid(K, nA, nB, Buffer.from("fbb074ca16c084136a4593dc88d943af800d69235e03f68f0e3fe93cf25a653c", "hex")));
  const sk = sessionKey(K, nA, nB);
  t.is(Buffer.from(sk).toString("hex"), "51d7766336b6b64a11277a1504dcfaa0da1fca1c1226113973ae19cded3449e8");
  const d = declared([
    { id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 0 },
    { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 0 },
  ]);
  const frame = new MotorEncoder().encode({ channels: new Map<number, TypedArray>([[10, new Float32Array([1, -1, 0.5, 2])], [11, new Uint8Array([0, 255])]]) }, 7, 123456, d, new MotorSigner(sk, 0x1234));
  t.is(typeof frame === "string" ? frame : frame.toString("hex"), "87071a0001e2400ad855500000803f000080bf0000003f000000400b4200ff50512ee1f36a1ff6b7c30992e72413d661");
});

test("motor: the brain's frame is the reference vector of frames.suite.ts", (t) => {
  const d = declared([
    { id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 50 },
    { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 50 },
  ]);
  const frame = new MotorEncoder().encode(
    { channels: { 10: new Float32Array([1, -1, 0.5, 2]), 11: new Uint8Array([0, 255]) } },
    7,
    123456,
    d,
    new MotorSigner(motorSessionKey(), MOTOR_SESSION_ID),
  );
  t.is(typeof frame === "string" ? frame : frame.toString("hex"), MOTOR_REFERENCE_HEX);
});

test("motor: brain frames equal src encodeMotorFrame and verify with src decodeMotorFrame + verifyMotorMac (random tables)", (t) => {
  const rng = new Prng(0x5eed);
  const enc = new MotorEncoder();
  const hmac = new SoftHmacSha256();
  const scratch = new Uint8Array(32);
  const dst = new Uint8Array(16384);
  let checked = 0;
  for (let round = 0; round < 300; round++) {
    const specs = randomTable(rng);
    const table = new ChannelTable(specs);
    const d = declared(specs);
    const key = rng.bytes(32);
    const sid = rng.u32() || 1;
    const seq = rng.pick([0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff, rng.u32()]);
    const deadline = rng.u32();
    const values = new Map<number, TypedArray>();
    const entries = new FrameEntries(table, M);
    // ascending ids: a Record iterates integer keys in ascending order, a Map in insertion order
    for (const s of [...specs].sort((a, b) => a.id - b.id)) {
      if (s.kind !== M || (values.size > 0 && rng.chance(0.3))) continue;
      const a = randomArray(rng, s.elementType, s.count);
      values.set(s.id, a);
      entries.add(s.id, byteView(a));
    }
    const frame = enc.encode({ channels: rng.chance(0.5) ? values : Object.fromEntries(values) }, seq, deadline, d, new MotorSigner(key, sid));
    if (typeof frame === "string") {
      t.fail(frame);
      continue;
    }
    hmac.setKey(key, 0, key.length);
    const n = encodeMotorFrame(dst, 0, seq, deadline, entries, sid, hmac, scratch);
    t.is(frame.toString("hex"), Buffer.from(dst.subarray(0, n)).toString("hex"), `round ${round}: same bytes as src`);
    const sidBE = Buffer.alloc(4);
    sidBE.writeUInt32BE(sid);
    const tag = createHmac("sha256", key).update(sidBE).update(frame.subarray(0, frame.length - 17)).digest().subarray(0, 16);
    t.is(frame.subarray(frame.length - 17).toString("hex"), "50" + tag.toString("hex"), `round ${round}: the MAC is node:crypto's`);
    const raw = new Uint8Array(frame);
    const out = new MotorFrame(table.size, 16384);
    t.is(decodeMotorFrame(raw, 0, raw.length, table, out), values.size, `round ${round}: decodes`);
    t.is(out.seq, seq);
    t.is(out.deadline, deadline);
    t.is(verifyMotorMac(raw, 0, out, sid, hmac), 0, `round ${round}: MAC verifies`);
    t.is(verifyMotorMac(raw, 0, out, (sid + 1) >>> 0, hmac), Err.FrameBadMac, `round ${round}: MAC binds the session id`);
    raw[rng.int(1, out.signedLen - 1)] ^= 0x01;
    const again = decodeMotorFrame(raw, 0, raw.length, table, out);
    t.true(again < 0 || verifyMotorMac(raw, 0, out, sid, hmac) === Err.FrameBadMac, `round ${round}: a flipped bit never verifies`);
    checked++;
  }
  t.is(checked, 300);
});

test("motor: commands that do not fit the declared motor channels are refused with a reason", (t) => {
  const d = declared([
    { id: 0, kind: S, elementType: ElementType.F32, count: 2, rateHz: 0 },
    { id: 10, kind: M, elementType: ElementType.F32, count: 2, rateHz: 0 },
    { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 0 },
  ]);
  const enc = new MotorEncoder();
  const sid = new MotorSigner(new Uint8Array(32), 1);
  const cases: [string, Map<number, unknown>, RegExp][] = [
    ["no channels", new Map(), /no channels/],
    ["unknown channel", new Map([[12, new Float32Array(2)]]), /channel 12, which is not a declared motor channel/],
    ["a sensor channel", new Map([[0, new Float32Array(2)]]), /channel 0, which is not a declared motor channel/],
    ["wrong element type", new Map([[10, new Float64Array(2)]]), /channel 10 must be a Float32Array of 2/],
    ["wrong count", new Map([[10, new Float32Array(3)]]), /Float32Array of 2/],
    ["uint8 clamped is not uint8", new Map([[11, new Uint8ClampedArray(2)]]), /Uint8Array of 2/],
    ["not a typed array", new Map([[10, [1, 2]]]), /Float32Array/],
  ];
  for (const [name, channels, re] of cases) {
    const r = enc.encode({ channels: channels as Map<number, TypedArray> }, 1, 1, d, sid);
    t.true(typeof r === "string" && re.test(r), `${name}: ${String(r)}`);
  }
  t.true(Buffer.isBuffer(enc.encode({ channels: new Map([[11, Buffer.from([1, 2])]]) }, 1, 1, d, sid)), "a Buffer is a uint8 payload");
});

test("sensor: the cbor-x decoder reads src's sensor frames (random tables)", (t) => {
  const rng = new Prng(0x5e45);
  const dec = new SensorDecoder();
  const dst = new Uint8Array(16384);
  for (let round = 0; round < 200; round++) {
    const specs = randomTable(rng);
    const table = new ChannelTable(specs);
    const d = declared(specs);
    const entries = new FrameEntries(table, S);
    const values = new Map<number, TypedArray>();
    for (const s of specs) {
      if (s.kind !== S || (values.size > 0 && rng.chance(0.3))) continue;
      const a = randomArray(rng, s.elementType, s.count);
      values.set(s.id, a);
      entries.add(s.id, byteView(a));
    }
    if (values.size === 0) continue;
    const seq = rng.u32();
    const time = rng.u32();
    const n = encodeSensorFrame(dst, 0, seq, time, entries);
    const out = new Map<number, TypedArray>();
    t.is(dec.decode(Buffer.from(dst.subarray(0, n)), d, out), 0, `round ${round}`);
    t.is(dec.seq, seq);
    t.is(dec.time, time);
    t.deepEqual([...out.keys()], [...values.keys()]);
    for (const [id, a] of values) t.is(Buffer.from(byteView(out.get(id)!)).toString("hex"), Buffer.from(byteView(a)).toString("hex"), `round ${round} channel ${id}`);
  }
});

test("sensor: bad frames are refused with their reason", (t) => {
  const d = declared([
    { id: 0, kind: S, elementType: ElementType.F32, count: 2, rateHz: 0 },
    { id: 1, kind: S, elementType: ElementType.U8, count: 3, rateHz: 0 },
    { id: 10, kind: M, elementType: ElementType.F32, count: 2, rateHz: 0 },
  ]);
  const cx = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
  const f2 = new Float32Array([1, 2]);
  const good = cx.encode([1, 2, 0, f2, 1, new Uint8Array(3)]);
  const cases: [string, Uint8Array, number][] = [
    ["truncated", good.subarray(0, good.length - 1), Err.CborTruncated],
    ["empty", new Uint8Array(0), Err.CborTruncated],
    ["trailing bytes", Buffer.concat([good, Buffer.from([0])]), Err.CborTrailing],
    ["not CBOR (a lone break code)", Buffer.from([0xff]), Err.CborUnsupported],
    ["a map", cx.encode({ seq: 1 }), Err.FrameShape],
    ["no entries", cx.encode([1, 2]), Err.FrameShape],
    ["odd item count", cx.encode([1, 2, 0, f2, 1]), Err.FrameShape],
    ["seq negative", cx.encode([-1, 2, 0, f2]), Err.FrameShape],
    ["seq above u32", cx.encode([2 ** 32, 2, 0, f2]), Err.FrameShape],
    ["time not a number", cx.encode([1, "x", 0, f2]), Err.FrameShape],
    ["id not a number", cx.encode([1, 2, "0", f2]), Err.FrameShape],
    ["unknown channel", cx.encode([1, 2, 5, f2]), Err.FrameChannel],
    ["motor channel", cx.encode([1, 2, 10, f2]), Err.FrameChannel],
    ["repeated channel", cx.encode([1, 2, 0, f2, 0, f2]), Err.FrameChannel],
    ["wrong element type", cx.encode([1, 2, 0, new Float64Array(2)]), Err.FrameChannel],
    ["wrong count", cx.encode([1, 2, 0, new Float32Array(3)]), Err.FrameChannel],
    ["uint8 of the wrong length", cx.encode([1, 2, 1, new Uint8Array(2)]), Err.FrameChannel],
  ];
  const dec = new SensorDecoder();
  const out = new Map<number, TypedArray>();
  for (const [name, bytes, code] of cases) t.is(dec.decode(bytes, d, out), code, name);
  t.is(dec.decode(good, d, out), 0, "the good frame, after all the bad ones");
  t.is(dec.decode(new Encoder({ useRecords: false, tagUint8Array: true }).encode([1, 2, 1, new Uint8Array(3)]), d, out), 0, "uint8 as tag 64 is accepted");
});

test("channels: the largest frame of a declared table (protocol.md §6.4 example: 105 and 52 bytes)", (t) => {
  const d = declared([
    { id: 0, kind: S, elementType: ElementType.F32, count: 16, rateHz: 0 },
    { id: 1, kind: S, elementType: ElementType.I16, count: 8, rateHz: 0 },
    { id: 2, kind: S, elementType: ElementType.U8, count: 3, rateHz: 0 },
    { id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 0 },
    { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 0 },
  ]);
  t.is(d.largestFrameBytes, 105);
  t.is(declared([{ id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 0 }, { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 0 }]).largestFrameBytes, 52);
});

test("channels: invalid declared tables are refused with a reason", (t) => {
  t.regex(declareSpecs([]) as string, /no channels/);
  t.regex(
    declareSpecs([
      { id: 1, kind: S, elementType: ElementType.F32, count: 1, rateHz: 0 },
      { id: 1, kind: M, elementType: ElementType.F32, count: 1, rateHz: 0 },
    ]) as string,
    /invalid channel table/,
  );
  t.regex(declareSpecs([{ id: 1, kind: S, elementType: 99, count: 1, rateHz: 0 }]) as string, /invalid channel table/);
});

