import { withXsWorker } from "./test/helpers/xs.ts";
import { bundleForXs } from "./hosts/xs/bundle.ts";
const root = process.cwd();
const entry = `
import { byteView, ChannelTable, ChannelKind } from "./src/codec/frames/channels";
import { FrameEntries, writeEntries } from "./src/codec/frames/entries";
import { writeHead } from "./src/codec/cbor/writer";
import { encodeSensorFrame, decodeSensorFrame, SensorFrame } from "./src/codec/frames/sensor";
import { referenceSpecs, sensorReferenceData } from "./test/vectors/frames.suite";
import { CborReader } from "./src/codec/cbor/reader";
const table = new ChannelTable(referenceSpecs);
const { f32, i16 } = sensorReferenceData();
const e = new FrameEntries(table, 0); e.add(0, byteView(f32)); e.add(1, byteView(i16));
const dst = new Uint8Array(256);
const out = new SensorFrame(5, 4096);
const n = encodeSensorFrame(dst, 0, 1, 1000, e);
const rx = dst.slice(0, n);
const r = new CborReader();
const bf = byteView(f32), bi = byteView(i16);
globalThis.f = {
  floor() { dst[0] = 0x86; dst[1] = 1; dst[2] = 0x19; dst[3] = 3; dst[4] = 0xe8; dst[5] = 0; dst[6] = 0xd8; dst[7] = 0x55; dst[8] = 0x58; dst[9] = 0x40; dst.set(bf, 10); dst[74]=1; dst[75]=0xd8; dst[76]=0x4d; dst[77]=0x50; dst.set(bi, 78); return 94; },
  enc() { return encodeSensorFrame(dst, 0, 1, 1000, e); },
  heads() { let o = writeHead(dst, 0, 4, 6); o = writeHead(dst, o, 0, 1); return writeHead(dst, o, 0, 1000); },
  entries() { return writeEntries(dst, 10, e); },
  dec() { return decodeSensorFrame(rx, 0, rx.length, table, out); },
  readArray() { r.reset(rx, 0, rx.length); return r.readArray(); },
  readUint() { r.reset(rx, 1, rx.length); return r.readUint(); },
  readTA() { r.reset(rx, 6, rx.length); return r.readTypedArray(); },
  skip() { r.reset(rx, 0, rx.length); return r.skip(); },
};`;
const script = await bundleForXs({ contents: entry, resolveDir: root });
await withXsWorker(async (w) => {
  await w.evaluateScript(script);
  for (const fn of ["floor", "enc", "heads", "entries", "dec", "readArray", "readUint", "readTA", "skip"]) {
    const ns = await w.call<number[]>(`(n, b) => __bs.time(f.${fn}, n, b)`, 20000, 5);
    console.log(fn, Math.min(...ns).toFixed(0), "ns");
  }
});
