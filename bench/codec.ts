/*
 * bench/codec (section "codec"): our sensor-frame + MQTT codecs against cbor-x + mqtt-packet,
 * on V8 and on XS.
 *
 * Cases, each ours vs peer:
 *   - encode the reference sensor frame (channel 0: 16 float32, channel 1: 8 int16; CBOR
 *     [seq, t, 0, f32, 1, i16], 93 bytes) and wrap it in a QoS 0 PUBLISH to bs/1/dev1/up/sns;
 *   - decode it back: MQTT parse, frame decode, values copied into the channel arrays;
 *   - the same with a 1,024-float32 channel 0;
 *   - the frame alone (no MQTT), against cbor-x alone: the codec-only figure for XS;
 *   - the frame decode alone with payloads left where they are (our FrameView offsets; cbor-x's
 *     own typed arrays), i.e. without the copy into the channel arrays;
 *   - the frame decode alone and the PUBLISH + frame decode against the hand-written floor
 *     (codec-floor.xs.ts: code that knows the reference frame's layout; peer = the floor);
 *   - bytes allocated on XS per 10,000 encode+decode round trips (hosts/xs/worker.ts explains
 *     the meter; a row's note splits it into slots and chunk bytes).
 * The peer is cbor-x + mqtt-packet unless the case name says "vs cbor-x".
 * Before timing, each side's packet is checked to be byte-identical to the other's and each
 * decode to reproduce the input values, on both engines.
 *
 * The same modules run on both engines: bench/codec-ours.xs.ts, bench/codec-peer.xs.ts
 * (cbor-x + mqtt-packet) and bench/codec-cbor.xs.ts (cbor-x only). On XS each gets its own
 * worker, so one side's heap never slows the other's collections. The peers need polyfills
 * on XS: the npm "buffer", "events", "process" and "string_decoder" packages, an
 * AbortController stub and a print()-backed console (readable-stream and debug, pulled in by
 * mqtt-packet's parser, expect them). mqtt-packet also builds a 65,536-entry Buffer cache at
 * load (numbers.js), about 460,000 live XS slots (~15 MB on a 64-bit host), so its XS
 * collections are slow; that cost is part of its XS timings.
 */
import { withXsWorker, type XsAlloc, type XsWorker } from "../testkit/xs-lab";
import type { BundleOptions } from "../hosts/xs/bundle";
import { row, timeV8, timeXs, type BenchContext, type Row } from "./lib";
import * as ours from "./codec-ours.xs";
import * as peer from "./codec-peer.xs";
import * as cbor from "./codec-cbor.xs";
import * as floor from "./codec-floor.xs";

const SECTION = "codec";
const ROUND_TRIPS = 10_000;
const SIZES = [16, 1024] as const;

const PEER_SHIMS = `
if (typeof globalThis.AbortController === "undefined") {
  class AbortSignal { constructor() { this.aborted = false; this.reason = undefined; } addEventListener() {} removeEventListener() {} }
  class AbortController { constructor() { this.signal = new AbortSignal(); } abort(r) { this.signal.aborted = true; this.signal.reason = r; } }
  globalThis.AbortController = AbortController;
  globalThis.AbortSignal = AbortSignal;
}
if (typeof globalThis.console === "undefined") {
  const log = (...a) => print(a.map(String).join(" "));
  globalThis.console = { log, info: log, warn: log, error: log, debug: log };
}
`;

export const PEER_BUNDLE: BundleOptions = {
  platform: "browser",
  polyfills: { buffer: "buffer/", events: "events/", process: "process/browser.js", string_decoder: "string_decoder/" },
  define: { self: "globalThis" },
  banner: PEER_SHIMS,
};

type Side = "ours" | "peer";
interface Figures {
  encode: number;
  decode: number;
  /** Frame-only cases: decode without copying payloads into the channel arrays. */
  inPlace?: number;
}

function label(n: number): string {
  return `${n} f32 + 8 i16`;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`codec bench: ${what}`);
}

async function xsTimes(ctx: BenchContext, w: XsWorker, mod: string, n: number, frameOnly: boolean): Promise<Figures> {
  await w.call(`${mod}.setup`, n);
  if (frameOnly) {
    return {
      encode: await timeXs(ctx, w, `${mod}.encodeFrame`),
      decode: await timeXs(ctx, w, `${mod}.decodeFrame`),
      inPlace: await timeXs(ctx, w, `${mod}.decodeFrameNoCopy`),
    };
  }
  return { encode: await timeXs(ctx, w, `${mod}.encode`), decode: await timeXs(ctx, w, `${mod}.decode`) };
}

function allocNote(a: XsAlloc | null): string {
  return a ? `${a.slots} slots x ${a.slotBytes} B + ${a.chunkBytes} chunk B` : "n/a";
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];

  // ---- correctness cross-checks on V8, then V8 timings ----
  const v8: Record<number, Record<Side, Figures>> = {};
  for (const n of SIZES) {
    ours.setup(n);
    peer.setup(n);
    check(ours.packetHex() === peer.packetHex(), `V8 packets differ for ${label(n)}:\n ours ${ours.packetHex()}\n peer ${peer.packetHex()}`);
    ours.decode();
    peer.decode();
    check(ours.decodedMatches() && peer.decodedMatches(), `V8 decode mismatch for ${label(n)}`);
    ctx.log(`V8 ${label(n)}: packet ${ours.packetHex().length / 2} bytes, identical`);
    v8[n] = {
      ours: { encode: timeV8(ctx, ours.encode), decode: timeV8(ctx, ours.decode) },
      peer: { encode: timeV8(ctx, peer.encode), decode: timeV8(ctx, peer.decode) },
    };
  }
  ours.setup(16);
  cbor.setup(16);
  ours.decodeFrame();
  cbor.decodeFrame();
  check(ours.decodedMatches() && cbor.decodedMatches(), "V8 frame-only decode mismatch");
  const v8Frame = {
    ours: { encode: timeV8(ctx, ours.encodeFrame), decode: timeV8(ctx, ours.decodeFrame), inPlace: timeV8(ctx, ours.decodeFrameNoCopy) },
    peer: { encode: timeV8(ctx, cbor.encodeFrame), decode: timeV8(ctx, cbor.decodeFrame), inPlace: timeV8(ctx, cbor.decodeFrameNoCopy) },
  };

  floor.setup();
  check(floor.packetHex() === (ours.setup(16), ours.packetHex()), "V8: the floor writes another packet than ours");
  floor.decode();
  check(floor.decodedMatches(), "V8 floor decode mismatch");
  const v8Floor = { decodeFrame: timeV8(ctx, floor.decodeFrame), decode: timeV8(ctx, floor.decode) };
  ours.setup(16);
  const v8OursDecode16 = timeV8(ctx, ours.decode);

  // ---- XS: one worker per side ----
  const xsOpts = { stdout: "ignore" as const };
  const xs: Record<number, Partial<Record<Side, Figures>>> = { 16: {}, 1024: {} };
  const alloc: Record<number, Partial<Record<Side, XsAlloc | null>>> = { 16: {}, 1024: {} };
  const xsFrame: Partial<Record<Side, Figures>> = {};
  const xsFrameAlloc: Partial<Record<Side, XsAlloc | null>> = {};
  const hex: Record<number, Partial<Record<Side, string>>> = { 16: {}, 1024: {} };
  const xsFloor = { decodeFrame: 0, decode: 0 };

  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/codec-ours.xs.ts", "ours");
    for (const n of SIZES) {
      await w.call("ours.setup", n);
      hex[n].ours = await w.call<string>("ours.packetHex");
      await w.call("ours.decode");
      check(await w.call<boolean>("ours.decodedMatches"), `XS decode mismatch (ours, ${label(n)})`);
      xs[n].ours = await xsTimes(ctx, w, "ours", n, false);
      alloc[n].ours = await w.measureAlloc("ours.roundTrip", ctx.quick ? 1000 : ROUND_TRIPS);
    }
    xsFrame.ours = await xsTimes(ctx, w, "ours", 16, true);
    await w.evaluateBundle("bench/codec-floor.xs.ts", "floor");
    await w.call("floor.setup");
    await w.call("floor.decode");
    check(await w.call<boolean>("floor.decodedMatches"), "XS floor decode mismatch");
    xsFloor.decodeFrame = await timeXs(ctx, w, "floor.decodeFrame");
    xsFloor.decode = await timeXs(ctx, w, "floor.decode");
    xsFrameAlloc.ours = await w.measureAlloc("() => { ours.encodeFrame(); ours.decodeFrame(); }", ctx.quick ? 1000 : ROUND_TRIPS);
    ctx.log("XS ours done");
  }, { ...xsOpts, name: "bench-codec-ours" });

  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/codec-peer.xs.ts", "peer", PEER_BUNDLE);
    for (const n of SIZES) {
      await w.call("peer.setup", n);
      hex[n].peer = await w.call<string>("peer.packetHex");
      await w.call("peer.decode");
      check(await w.call<boolean>("peer.decodedMatches"), `XS decode mismatch (peer, ${label(n)})`);
      xs[n].peer = await xsTimes(ctx, w, "peer", n, false);
      alloc[n].peer = await w.measureAlloc("peer.roundTrip", ctx.quick ? 1000 : ROUND_TRIPS);
    }
    ctx.log("XS cbor-x + mqtt-packet done");
  }, { ...xsOpts, name: "bench-codec-peer" });

  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/codec-cbor.xs.ts", "cbor", PEER_BUNDLE);
    await w.call("cbor.setup", 16);
    await w.call("cbor.decodeFrame");
    check(await w.call<boolean>("cbor.decodedMatches"), "XS decode mismatch (cbor-x frame only)");
    xsFrame.peer = await xsTimes(ctx, w, "cbor", 16, true);
    xsFrameAlloc.peer = await w.measureAlloc("() => { cbor.encodeFrame(); cbor.decodeFrame(); }", ctx.quick ? 1000 : ROUND_TRIPS);
    ctx.log("XS cbor-x done");
  }, { ...xsOpts, name: "bench-codec-cbor" });

  for (const n of SIZES) {
    check(hex[n].ours === hex[n].peer, `XS packets differ for ${label(n)}`);
    check(hex[n].ours === (ours.setup(n), ours.packetHex()), `XS and V8 packets differ for ${label(n)}`);
  }

  // ---- rows ----
  const ns = "ns/op";
  for (const n of SIZES) {
    rows.push(row(SECTION, `V8 encode frame ${label(n)} + PUBLISH`, v8[n].ours.encode, v8[n].peer.encode, ns));
    rows.push(row(SECTION, `V8 decode PUBLISH + frame ${label(n)}`, v8[n].ours.decode, v8[n].peer.decode, ns));
    rows.push(row(SECTION, `XS encode frame ${label(n)} + PUBLISH`, xs[n].ours!.encode, xs[n].peer!.encode, ns));
    rows.push(row(SECTION, `XS decode PUBLISH + frame ${label(n)}`, xs[n].ours!.decode, xs[n].peer!.decode, ns));
  }
  const f = label(16);
  rows.push(row(SECTION, `V8 encode frame only ${f} vs cbor-x`, v8Frame.ours.encode, v8Frame.peer.encode, ns));
  rows.push(row(SECTION, `V8 decode frame only ${f} vs cbor-x`, v8Frame.ours.decode, v8Frame.peer.decode, ns));
  rows.push(row(SECTION, `V8 decode frame only ${f}, in place, vs cbor-x`, v8Frame.ours.inPlace, v8Frame.peer.inPlace, ns));
  rows.push(row(SECTION, `XS encode frame only ${f} vs cbor-x`, xsFrame.ours!.encode, xsFrame.peer!.encode, ns));
  rows.push(row(SECTION, `XS decode frame only ${f} vs cbor-x`, xsFrame.ours!.decode, xsFrame.peer!.decode, ns));
  rows.push(row(SECTION, `XS decode frame only ${f}, in place, vs cbor-x`, xsFrame.ours!.inPlace ?? null, xsFrame.peer!.inPlace ?? null, ns));
  const fl = "peer = codec-floor.xs.ts, the hand-written floor";
  rows.push(row(SECTION, `V8 decode frame only ${f} vs hand-written floor`, v8Frame.ours.decode, v8Floor.decodeFrame, ns, fl));
  rows.push(row(SECTION, `V8 decode PUBLISH + frame ${f} vs hand-written floor`, v8OursDecode16, v8Floor.decode, ns, fl));
  rows.push(row(SECTION, `XS decode frame only ${f} vs hand-written floor`, xsFrame.ours!.decode, xsFloor.decodeFrame, ns, fl));
  rows.push(row(SECTION, `XS decode PUBLISH + frame ${f} vs hand-written floor`, xs[16].ours!.decode, xsFloor.decode, ns, fl));
  const trips = ctx.quick ? 1000 : ROUND_TRIPS;
  const unit = `bytes/${trips / 1000}k round trips`;
  for (const n of SIZES) {
    const o = alloc[n].ours ?? null;
    const p = alloc[n].peer ?? null;
    rows.push(
      row(SECTION, `XS alloc, encode+decode ${label(n)} + PUBLISH`, o ? o.bytes : null, p ? p.bytes : null, unit,
        `ours ${allocNote(o)}; peer (cbor-x + mqtt-packet) ${allocNote(p)}`),
    );
  }
  const fo = xsFrameAlloc.ours ?? null;
  const fp = xsFrameAlloc.peer ?? null;
  rows.push(
    row(SECTION, `XS alloc, encode+decode frame only ${label(16)} vs cbor-x`, fo ? fo.bytes : null, fp ? fp.bytes : null, unit,
      `ours ${allocNote(fo)}; peer (cbor-x) ${allocNote(fp)}`),
  );
  return rows;
}
