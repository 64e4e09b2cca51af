/*
 * Sensor and motor frames vs cbor-x and node:crypto (V8 only): 10,000 seeded random frames
 * over random channel tables.
 *   - our bytes === cbor-x's bytes for the same JS array (typed arrays as typed arrays,
 *     uint8 channels as Uint8Array), the motor MAC computed with node:crypto;
 *   - cbor-x decodes our frame back to the same array, typed arrays included;
 *   - our decoder reads cbor-x's encoding, also with tagUint8Array on (uint8 as tag 64), and
 *     verifyMotorMac accepts the node:crypto MAC.
 * cbor-x options: see cbor-diff.test.ts and docs/protocol.md §Encoding.
 */
import test from "ava";
import { createHmac } from "node:crypto";
import { Encoder } from "cbor-x";
import { Prng } from "../testkit/prng.ts";
import { toHex } from "../src/codec/bytes.ts";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac.ts";
import { byteView, ChannelKind, ChannelTable, ElementType, type ChannelSpec } from "../src/codec/frames/channels.ts";
import { FrameEntries } from "../src/codec/frames/entries.ts";
import { copyEntry, viewEntry } from "../src/codec/frames/view.ts";
import { decodeSensorFrame, encodeSensorFrame, SensorFrame } from "../src/codec/frames/sensor.ts";
import { decodeMotorFrame, encodeMotorFrame, MotorFrame, verifyMotorMac } from "../src/codec/frames/motor.ts";

const cborxOptions = { useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, int64AsNumber: true } as const;

type Ctor = new (n: number) => ArrayBufferView & { length: number };
const ctors: Record<number, Ctor> = {
  [ElementType.U8]: Uint8Array,
  [ElementType.I8]: Int8Array,
  [ElementType.U16]: Uint16Array,
  [ElementType.I16]: Int16Array,
  [ElementType.U32]: Uint32Array,
  [ElementType.I32]: Int32Array,
  [ElementType.F32]: Float32Array,
  [ElementType.F64]: Float64Array,
};
const elementTypes = Object.keys(ctors).map(Number);

function randomTable(rng: Prng): ChannelSpec[] {
  const n = rng.int(2, 8);
  const ids = new Set<number>();
  const specs: ChannelSpec[] = [];
  while (specs.length < n) {
    const id = rng.chance(0.7) ? rng.int(0, 23) : rng.int(24, 255);
    if (ids.has(id)) continue;
    ids.add(id);
    const kind = specs.length === 0 ? ChannelKind.Sensor : specs.length === 1 ? ChannelKind.Motor : rng.int(0, 1);
    const count = rng.chance(0.9) ? rng.int(1, 40) : rng.int(41, 400);
    specs.push({ id, kind, elementType: rng.pick(elementTypes), count, rateHz: rng.int(0, 1000) });
  }
  return specs;
}

/** Random element values; float arrays get random bit patterns only when they are not NaN (NaN payloads differ). */
function randomData(rng: Prng, spec: ChannelSpec): ArrayBufferView & { length: number } {
  const a = new ctors[spec.elementType](spec.count);
  const bytes = byteView(a);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.u32() & 0xff;
  if (a instanceof Float32Array || a instanceof Float64Array) for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) a[i] = i;
  return a;
}

function u32(rng: Prng): number {
  return rng.pick([rng.int(0, 23), rng.int(24, 255), rng.int(256, 65535), rng.u32(), 0xffffffff]);
}

test("10,000 random frames: our bytes === cbor-x bytes, both decoders agree, MACs match node:crypto", (t) => {
  const rng = new Prng(0xf4a3);
  const enc = new Encoder(cborxOptions);
  const encTagged = new Encoder({ ...cborxOptions, tagUint8Array: true });
  const hmac = new SoftHmacSha256();
  const scratch = new Uint8Array(32);
  const dst = new Uint8Array(1 << 16);
  let frames = 0;
  let sensorFrames = 0;
  let motorFrames = 0;
  for (let round = 0; round < 500; round++) {
    const specs = randomTable(rng);
    const table = new ChannelTable(specs);
    const data = specs.map((s) => randomData(rng, s));
    const views = data.map((d) => byteView(d));
    const sensorEntries = new FrameEntries(table, ChannelKind.Sensor);
    const motorEntries = new FrameEntries(table, ChannelKind.Motor);
    const sOut = new SensorFrame(table.size, 1 << 16);
    const mOut = new MotorFrame(table.size, 1 << 16);
    const sessionKey = rng.bytes(32);
    hmac.setKey(sessionKey, 0, 32);
    for (let k = 0; k < 20; k++) {
      const motor = rng.chance(0.5);
      const kind = motor ? ChannelKind.Motor : ChannelKind.Sensor;
      // a random non-empty subset of this kind's channels, in random order
      const pool = specs.map((_s, i) => i).filter((i) => specs[i].kind === kind);
      const chosen: number[] = [];
      for (const i of pool) if (rng.chance(0.6)) chosen.push(i);
      if (chosen.length === 0) chosen.push(rng.pick(pool));
      for (let i = chosen.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
      }
      const entries = motor ? motorEntries : sensorEntries;
      entries.clear();
      const arr: unknown[] = [u32(rng), u32(rng)];
      for (const i of chosen) {
        t.is(entries.add(specs[i].id, views[i]), 0);
        arr.push(specs[i].id, data[i]);
      }
      const [seq, time] = arr as number[];
      const sessionId = u32(rng);
      let ours: Uint8Array;
      let theirs: Uint8Array;
      let theirsTagged: Uint8Array;
      if (motor) {
        const end = encodeMotorFrame(dst, 0, seq, time, entries, sessionId, hmac, scratch);
        t.true(end > 0, `motor frame encodes (${end})`);
        ours = dst.slice(0, end);
        const unsigned = Uint8Array.from(enc.encode([...arr, new Uint8Array(16)]));
        const signed = unsigned.subarray(0, unsigned.length - 17);
        const idBytes = Buffer.alloc(4);
        idBytes.writeUInt32BE(sessionId);
        const mac = createHmac("sha256", sessionKey).update(idBytes).update(signed).digest().subarray(0, 16);
        theirs = Uint8Array.from(enc.encode([...arr, Uint8Array.from(mac)]));
        // A brain on default cbor-x options tags every Uint8Array (uint8 entries and the mac) with 64.
        const taggedUnsigned = Uint8Array.from(encTagged.encode([...arr, new Uint8Array(16)]));
        const taggedMac = createHmac("sha256", sessionKey).update(idBytes).update(taggedUnsigned.subarray(0, taggedUnsigned.length - 19)).digest().subarray(0, 16);
        theirsTagged = Uint8Array.from(encTagged.encode([...arr, Uint8Array.from(taggedMac)]));
        arr.push(Uint8Array.from(mac));
      } else {
        const end = encodeSensorFrame(dst, 0, seq, time, entries);
        t.true(end > 0, `sensor frame encodes (${end})`);
        ours = dst.slice(0, end);
        theirs = Uint8Array.from(enc.encode(arr));
        theirsTagged = Uint8Array.from(encTagged.encode(arr));
      }
      if (toHex(ours) !== toHex(theirs)) {
        t.fail(`frame ${frames}: ours ${toHex(ours).slice(0, 120)} cbor-x ${toHex(theirs).slice(0, 120)}`);
        return;
      }
      t.deepEqual(enc.decode(ours), arr, "cbor-x decodes our frame");
      // our decoder on cbor-x's bytes
      const out = motor ? mOut : sOut;
      const n = motor ? decodeMotorFrame(theirs, 0, theirs.length, table, mOut) : decodeSensorFrame(theirs, 0, theirs.length, table, sOut);
      t.is(n, chosen.length, "entry count");
      t.is(out.seq, seq);
      t.is(motor ? mOut.deadline : sOut.time, time);
      for (let e = 0; e < n; e++) {
        const i = chosen[e];
        t.is(out.channelId[e], specs[i].id);
        const copy = new Uint8Array(views[i].length);
        t.is(copyEntry(out, e, copy), copy.length);
        t.is(toHex(copy), toHex(views[i]), "payload bytes");
        t.deepEqual(viewEntry(out, e), data[i], "typed view");
      }
      if (motor) {
        t.is(verifyMotorMac(theirs, 0, mOut, sessionId, hmac), 0, "node:crypto MAC verifies");
        motorFrames++;
      } else {
        sensorFrames++;
      }
      // tagged uint8 (tag 64) is accepted as well: same entries, and the MAC over those bytes verifies
      const nt = motor
        ? decodeMotorFrame(theirsTagged, 0, theirsTagged.length, table, mOut)
        : decodeSensorFrame(theirsTagged, 0, theirsTagged.length, table, sOut);
      t.is(nt, chosen.length, "tag-64 uint8 accepted");
      for (let e = 0; e < chosen.length; e++) t.is(out.byteLen[e], views[chosen[e]].length);
      if (motor) t.is(verifyMotorMac(theirsTagged, 0, mOut, sessionId, hmac), 0, "MAC over the tagged form verifies");
      frames++;
    }
  }
  t.is(frames, 10_000);
  t.true(sensorFrames > 4000 && motorFrames > 4000, `both kinds covered (${sensorFrames} sensor, ${motorFrames} motor)`);
});
