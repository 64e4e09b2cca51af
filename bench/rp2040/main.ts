/*
 * bench/rp2040/main: the RP2040 benchmark firmware (XS on the chip, `mcconfig -p pico`): the real
 * agent against the in-memory brain of bench/session-loop.ts, the frame codecs of
 * bench/codec-ours.xs.ts and both HMAC engines, measured in processor cycles (SysTick) and
 * printed on UART0 for tools/rp2040/run.ts, one "bench <name> <values>" line each, then
 * "bench done". Cycle figures are medians over REPS calls (per operation) or sums over a
 * window of ticks (per tick), minus the lap's own overhead.
 * Lines:
 *   bench clock <clk_sys Hz>
 *   bench heap <when> <slot bytes> <chunk bytes> <slot peak> <chunk peak> <slot max> <chunk max>
 *   bench op <name> <cycles>                       per call (hmac-*, frame and PUBLISH codecs)
 *   bench tick <hmac> <Hz> <ticks> <agent cycles/tick> <brain cycles/tick> <window µs>
 * The ticks run at 20 and 50 Hz of simulated time (one heartbeat a second), over one heartbeat
 * period after one and a half periods of warm-up, with the agent on the native C HMAC and on the
 * TypeScript one; the brain signs with the C engine (its cost is not the device's, and the
 * TypeScript one would only slow the emulation down).
 */
import { clockHz, collect, cyclesLap, cyclesStart, heap, micros, uartLine } from "./native/rp2040-bench";
import { utf8Bytes } from "../../src/codec/bytes";
import { SoftHmacSha256, type HmacSha256 } from "../../src/codec/crypto/hmac";
import { computeMotorMac } from "../../src/codec/frames/motor";
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

function hmacOps(overhead: number): void {
  const key = utf8Bytes("rp2040-session-key-0123456789abc");
  const msg = new Uint8Array(64);
  for (let i = 0; i < msg.length; i++) msg[i] = i * 7;
  const scratch = new Uint8Array(32);
  const engines: [string, HmacSha256][] = [
    ["native", new NativeHmacSha256()],
    ["soft", new SoftHmacSha256()],
  ];
  for (const [name, h] of engines) {
    h.setKey(key, 0, key.length);
    // the motor-frame MAC of a tick: 4-byte session id + 21 frame bytes
    uartLine(`bench op hmac-${name}-25 ${cyclesOf(() => computeMotorMac(h, 77, msg, 0, 21, scratch), overhead)}`);
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

function ticks(hmac: string, hz: number): void {
  const loop = new SessionLoop({
    ringBytes: RING_BYTES,
    sensorHz: hz,
    createHmac: hmac === "native" ? () => new NativeHmacSha256() : undefined,
    brainHmac: () => new NativeHmacSha256(),
  });
  loop.warm(hz + (hz >> 1)); // one heartbeat and its ack before the window
  const n = hz; // one heartbeat period
  const laps = new Float64Array(3);
  heapLine(`before-${hmac}-${hz}hz`);
  const t0 = micros();
  loop.runLapped(n, cyclesLap, laps);
  const us = micros() - t0;
  heap(statsBytes);
  uartLine(`bench heap after-${hmac}-${hz}hz-no-gc ${stats[0]} ${stats[1]} ${stats[2]} ${stats[3]} ${stats[4]} ${stats[5]}`);
  if (loop.motorApplied < loop.steps - 2) throw new Error(`rp2040 bench: motor frames lost (${loop.motorApplied} of ${loop.steps})`);
  const agent = (laps[0] - laps[2]) / n;
  const brain = (laps[1] - laps[2]) / n;
  uartLine(`bench tick ${hmac} ${hz} ${n} ${Math.round(agent)} ${Math.round(brain)} ${us}`);
}

function main(): void {
  uartLine(`bench clock ${clockHz()}`);
  heapLine("boot");
  cyclesStart();
  cyclesLap();
  const overhead = cyclesOf(() => undefined, 0);
  uartLine(`bench op empty-lap ${overhead}`);
  hmacOps(overhead);
  codecOps(overhead);
  heapLine("after-ops");
  for (const hmac of ["native", "soft"]) for (const hz of [20, 50]) ticks(hmac, hz);
  uartLine("bench done");
}

try {
  main();
} catch (e) {
  uartLine(`bench error ${String(e)}`);
}
