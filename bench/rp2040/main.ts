/*
 * bench/rp2040/main: the RP2040 benchmark firmware (XS on the chip, `mcconfig -p pico`): the real
 * agent against the in-memory brain of bench/session-loop.ts, the frame codecs of
 * bench/codec-ours.xs.ts and both HMAC engines, measured in processor cycles (SysTick) and
 * printed on UART0 for tools/rp2040/run.ts, one "bench <name> <values>" line each, then
 * "bench done". Cycle figures are medians over REPS calls (per operation) or sums over a
 * window of ticks (per tick), minus the lap's own overhead.
 * Lines:
 *   bench clock <clk_sys Hz>
 *   bench rfc4231 <case> ok|FAIL                    the C HMAC through its XS binding, RFC 4231 §4
 *                                                  cases 1, 2, 3, 6 and 7
 *   bench heap <when> <slot bytes> <chunk bytes> <slot peak> <chunk peak> <slot max> <chunk max>
 *   bench op <name> <cycles>                       per call (hmac-*, frame and PUBLISH codecs;
 *                                                  hmac-<engine>-verify-25 is verifyMotorMac)
 *   bench micro <name> <cycles>                    per iteration of a tiny loop, minus an empty
 *                                                  loop's (empty: the loop's own cycles per iteration)
 *   bench tick <hmac> <Hz> <ticks> <agent cycles/tick> <brain cycles/tick> <window µs>
 *   bench tick-jscopy native 20 ...                 the same with the in-memory socket copying in JS
 *                                                  loops instead of natively (hosts/moddable/native/byte-copy,
 *                                                  as the firmware's transport and a socket's driver copy)
 *   bench growth <hmac>-<Hz>hz <slot bytes> <chunk bytes>   XS heap in use after the window minus
 *                                                  just before it (no collection in between)
 * The ticks run at 20 and 50 Hz of simulated time (one heartbeat a second), over one heartbeat
 * period after one and a half periods of warm-up, with the agent on the native C HMAC and on the
 * TypeScript one; the brain signs with the C engine (its cost is not the device's, and the
 * TypeScript one would only slow the emulation down).
 */
import { clockHz, collect, cyclesLap, cyclesStart, heap, micros, uartLine } from "./native/rp2040-bench";
import copyBytes from "../../hosts/moddable/native/byte-copy";
import { utf8Bytes } from "../../src/codec/bytes";
import { SoftHmacSha256, type HmacSha256 } from "../../src/codec/crypto/hmac";
import { computeMotorMac, MotorFrame, verifyMotorMac } from "../../src/codec/frames/motor";
import { NativeHmacSha256 } from "../../hosts/moddable/hmac-native";
import { SessionLoop } from "../session-loop";
import * as codec from "../codec-ours.xs";

const REPS = 15;
const RING_BYTES = 4096;
const stats = new Float64Array(6);
/** heap() takes a byte view (xsmcGetBuffer accepts typed arrays of one-byte elements only). */
const statsBytes = new Uint8Array(stats.buffer);
const runs = new Float64Array(REPS);

function heapLine(when: string): void {
  collect();
  heap(statsBytes);
  uartLine(`bench heap ${when} ${stats[0]} ${stats[1]} ${stats[2]} ${stats[3]} ${stats[4]} ${stats[5]}`);
}

/** Median cycles of one call of fn, minus the overhead of an empty lap. */
function cyclesOf(fn: () => void, overhead: number): number {
  for (let r = 0; r < REPS; r++) {
    cyclesLap();
    fn();
    runs[r] = cyclesLap() - overhead;
  }
  runs.sort();
  return runs[REPS >> 1];
}

function filled(n: number, v: number): Uint8Array {
  return new Uint8Array(n).fill(v);
}

/** RFC 4231 §4.2, 4.3, 4.4, 4.7, 4.8 through the native module, as the agent calls it. */
function rfc4231(): void {
  const vectors: [string, Uint8Array, Uint8Array, string][] = [
    ["1", filled(20, 0x0b), utf8Bytes("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    ["2", utf8Bytes("Jefe"), utf8Bytes("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    ["3", filled(20, 0xaa), filled(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
    ["6", filled(131, 0xaa), utf8Bytes("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
    [
      "7",
      filled(131, 0xaa),
      utf8Bytes("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  const h = new NativeHmacSha256();
  const tag = new Uint8Array(32);
  for (const [name, key, data, want] of vectors) {
    h.setKey(key, 0, key.length);
    h.begin();
    h.update(data, 0, 7);
    h.update(data, 7, data.length - 7);
    h.finish(tag, 0);
    let hex = "";
    for (let i = 0; i < 32; i++) hex += (tag[i] < 16 ? "0" : "") + tag[i].toString(16);
    uartLine(`bench rfc4231 ${name} ${hex === want ? "ok" : "FAIL"}`);
  }
}

function hmacOps(overhead: number): void {
  const key = utf8Bytes("rp2040-session-key-0123456789abc");
  const msg = new Uint8Array(64);
  for (let i = 0; i < msg.length; i++) msg[i] = i * 7;
  const scratch = new Uint8Array(32);
  // a signed motor frame as verifyMotorMac sees it: 21 signed bytes, then the 16 MAC bytes
  const frame = new MotorFrame(4, 64);
  frame.signedLen = 21;
  frame.macOff = 21;
  const engines: [string, HmacSha256][] = [
    ["native", new NativeHmacSha256()],
    ["soft", new SoftHmacSha256()],
  ];
  for (const [name, h] of engines) {
    h.setKey(key, 0, key.length);
    // the motor-frame MAC of a tick: 4-byte session id + 21 frame bytes
    uartLine(`bench op hmac-${name}-25 ${cyclesOf(() => computeMotorMac(h, 77, msg, 0, 21, scratch), overhead)}`);
    computeMotorMac(h, 77, msg, 0, 21, scratch);
    msg.set(scratch.subarray(0, 16), 21);
    let verified = 0;
    uartLine(`bench op hmac-${name}-verify-25 ${cyclesOf(() => (verified += verifyMotorMac(msg, 0, frame, 77, h) === 0 ? 1 : 0), overhead)}`);
    if (verified !== REPS) throw new Error(`rp2040 bench: verifyMotorMac failed on the ${name} engine`);
    uartLine(`bench op hmac-${name}-setkey ${cyclesOf(() => h.setKey(key, 0, key.length), overhead)}`);
  }
}

function codecOps(overhead: number): void {
  codec.setup(16);
  codec.decode();
  if (!codec.decodedMatches()) throw new Error("rp2040 bench: codec round trip failed");
  uartLine(`bench op frame-encode ${cyclesOf(codec.encodeFrame, overhead)}`);
  uartLine(`bench op frame-decode ${cyclesOf(codec.decodeFrame, overhead)}`);
  uartLine(`bench op frame-decode-in-place ${cyclesOf(codec.decodeFrameNoCopy, overhead)}`);
  uartLine(`bench op publish-encode ${cyclesOf(codec.encode, overhead)}`);
  uartLine(`bench op publish-decode ${cyclesOf(codec.decode, overhead)}`);
}

const N = 200;
const f32 = new Float32Array(16);
const u8 = new Uint8Array(16);
const src16 = new Uint8Array(16).fill(3);
const i32 = new Int32Array(16);
const plain: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const dv = new DataView(new ArrayBuffer(16));
let sink = 0;

class Small {
  a = 1;
  b = 2;
  get(): number {
    return this.b;
  }
}

/** An object with 48 own properties, as the agent's biggest (a frame decoder, a control message): XS looks them up linearly. */
class Big {
  f0 = 0; f1 = 0; f2 = 0; f3 = 0; f4 = 0; f5 = 0; f6 = 0; f7 = 0; f8 = 0; f9 = 0;
  f10 = 0; f11 = 0; f12 = 0; f13 = 0; f14 = 0; f15 = 0; f16 = 0; f17 = 0; f18 = 0; f19 = 0;
  f20 = 0; f21 = 0; f22 = 0; f23 = 0; f24 = 0; f25 = 0; f26 = 0; f27 = 0; f28 = 0; f29 = 0;
  f30 = 0; f31 = 0; f32 = 0; f33 = 0; f34 = 0; f35 = 0; f36 = 0; f37 = 0; f38 = 0; f39 = 0;
  f40 = 0; f41 = 0; f42 = 0; f43 = 0; f44 = 0; f45 = 0; f46 = 0; last = 2;
  get(): number {
    return this.f0;
  }
}
const small = new Small();
const big = new Big();

/** Cycles per iteration of tiny loops (N iterations, minus an empty loop): what XS costs per kind of operation on the M0+. */
function microOps(overhead: number): void {
  const loops: [string, () => void][] = [
    ["empty", () => { for (let i = 0; i < N; i++); }],
    ["int-add", () => { let s = 0; for (let i = 0; i < N; i++) s = (s + i) | 0; sink = s; }],
    ["float-mul", () => { let x = 1.5; for (let i = 0; i < N; i++) x = x * 1.0001; sink = x; }],
    ["float-to-int", () => { let s = 0; const x = 2.75; for (let i = 0; i < N; i++) s = (s + Math.round(x)) | 0; sink = s; }],
    ["u8-store", () => { for (let i = 0; i < N; i++) u8[i & 15] = i; }],
    ["f32-store", () => { for (let i = 0; i < N; i++) f32[i & 15] = 0.5; }],
    ["f32-load", () => { let x = 0; for (let i = 0; i < N; i++) x = f32[i & 15]; sink = x; }],
    ["u8-set-16", () => { for (let i = 0; i < N; i++) u8.set(src16, 0); }],
    ["i32-increment", () => { for (let i = 0; i < N; i++) i32[3]++; }],
    ["array-store", () => { for (let i = 0; i < N; i++) plain[i & 15] = i; }],
    ["array-load", () => { let x = 0; for (let i = 0; i < N; i++) x = plain[i & 15]; sink = x; }],
    ["array-increment", () => { for (let i = 0; i < N; i++) plain[3]++; }],
    ["prop-increment", () => { for (let i = 0; i < N; i++) small.a++; }],
    ["dataview-u32-load", () => { let x = 0; for (let i = 0; i < N; i++) x = dv.getUint32(4); sink = x; }],
    ["dataview-f64-load", () => { let x = 0; for (let i = 0; i < N; i++) x = dv.getFloat64(4); sink = x; }],
    ["prop-small-last", () => { let s = 0; for (let i = 0; i < N; i++) s = small.b; sink = s; }],
    ["prop-big-first", () => { let s = 0; for (let i = 0; i < N; i++) s = big.f0; sink = s; }],
    ["prop-big-last", () => { let s = 0; for (let i = 0; i < N; i++) s = big.last; sink = s; }],
    ["method-small", () => { let s = 0; for (let i = 0; i < N; i++) s = small.get(); sink = s; }],
    ["method-big", () => { let s = 0; for (let i = 0; i < N; i++) s = big.get(); sink = s; }],
  ];
  let empty = 0;
  for (const [name, fn] of loops) {
    const c = cyclesOf(fn, overhead);
    if (name === "empty") empty = c;
    uartLine(`bench micro ${name} ${name === "empty" ? (c / N).toFixed(1) : ((c - empty) / N).toFixed(1)}`);
  }
}

function ticks(hmac: string, hz: number, jsCopy = false): void {
  const loop = new SessionLoop({
    ringBytes: RING_BYTES,
    sensorHz: hz,
    copyBytes: jsCopy ? undefined : copyBytes,
    createHmac: hmac === "native" ? () => new NativeHmacSha256() : undefined,
    brainHmac: () => new NativeHmacSha256(),
  });
  loop.warm(hz + (hz >> 1)); // one heartbeat and its ack before the window
  const n = hz; // one heartbeat period
  const laps = new Float64Array(3);
  heapLine(`before-${hmac}-${hz}hz`);
  const before = new Float64Array(6);
  const beforeBytes = new Uint8Array(before.buffer);
  heap(beforeBytes); // the last reading before the window: the lines above allocated their strings
  const t0 = micros();
  loop.runLapped(n, cyclesLap, laps);
  const us = micros() - t0;
  heap(statsBytes);
  const slotGrowth = stats[0] - before[0];
  const chunkGrowth = stats[1] - before[1];
  uartLine(`bench growth ${hmac}-${hz}hz${jsCopy ? "-jscopy" : ""} ${slotGrowth} ${chunkGrowth}`);
  if (loop.motorApplied < loop.steps - 2) throw new Error(`rp2040 bench: motor frames lost (${loop.motorApplied} of ${loop.steps})`);
  const agent = (laps[0] - laps[2]) / n;
  const brain = (laps[1] - laps[2]) / n;
  uartLine(`bench ${jsCopy ? "tick-jscopy" : "tick"} ${hmac} ${hz} ${n} ${Math.round(agent)} ${Math.round(brain)} ${us}`);
}

function main(): void {
  uartLine(`bench clock ${clockHz()}`);
  heapLine("boot");
  rfc4231();
  cyclesStart();
  cyclesLap();
  const overhead = cyclesOf(() => undefined, 0);
  uartLine(`bench op empty-lap ${overhead}`);
  hmacOps(overhead);
  codecOps(overhead);
  microOps(overhead);
  heapLine("after-ops");
  for (const hmac of ["native", "soft"]) for (const hz of [20, 50]) ticks(hmac, hz);
  ticks("native", 20, true);
  uartLine("bench done");
}

try {
  main();
} catch (e) {
  uartLine(`bench error ${String(e)}`);
}
