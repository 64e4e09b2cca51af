/*
 * bench/cost (section "cost"): XS bytecodes per steady-state tick (agent, in-memory brain, HMAC
 * sign and verify) and per codec operation (against cbor-x, mqtt-packet and a hand-written
 * floor), counted by xsnap's compute meter, so the same on every run and every machine that
 * runs this XS build.
 *
 * The counter: xsnap's `compute` meter, which XS advances by one per bytecode executed (its
 * interpreter loop) plus a weighted amount inside some natives (Array, String and typed-array
 * built-ins count their element work; see XS's mxMeterSome). It is exact and deterministic:
 * garbage collection and the host's speed do not enter it.
 *
 * Two ways of reading it:
 *   - per call: the meter that xsnap reports after an evaluation of `for (n) f()`, minus the
 *     same loop around an empty function, divided by n; f is called WARM_CALLS times before, so
 *     lazy set-up is not counted. Each figure is taken at two n; a row whose two figures differ
 *     (a peer whose cost depends on its internal state) gets a note with both.
 *   - inside a tick: XS's `resetMeter(limit, index)` returns the meter and sets it, so
 *     `lap = () => resetMeter(0, 0)` reads the bytecodes since the last lap. The session loop
 *     (session-loop.ts `runLapped`) laps around the agent's tick and around the in-memory
 *     brain, and around an empty segment of the same shape whose count (the lap's own
 *     overhead) is subtracted from both.
 *
 * Rows:
 *   - the steady-state tick of session-loop.ts (100 Hz, one sensor frame out, one motor frame in
 *     with its MAC checked, heartbeats as they fall due: one a second), averaged over
 *     TICK_WINDOW ticks (a whole number of heartbeat periods), split into the agent alone, the
 *     in-memory brain alone, HMAC verify (the agent's part) and HMAC sign (the brain's part).
 *     The two HMAC rows are counted on their own on a motor frame of the loop's shape
 *     (cost-tick.xs.ts) and subtracted from the agent's and the brain's laps. Two consecutive
 *     windows are counted; the note gives both.
 *   - per codec operation on the reference frame (16 f32 + 8 i16; codec-ours.xs.ts), ours
 *     against cbor-x (frame only) or cbor-x + mqtt-packet (with the PUBLISH), and against the
 *     hand-written floor (codec-floor.xs.ts). The peers run in their own workers, bundled as
 *     in bench/codec.ts.
 * Unit "XS bytecodes/...": lower is better, ratio = peer / ours as everywhere in the bench.
 */
import { withXsWorker, type XsWorker } from "../testkit/xs-lab";
import { row, type BenchContext, type Row } from "./lib";
import { PEER_BUNDLE } from "./codec";

const SECTION = "cost";
const WARM_TICKS = 1_000;
/** 10 heartbeat periods at the loop's 100 Hz. */
const TICK_WINDOW = 1_000;
const CALLS = [64, 128] as const;
/** Calls before counting: lazy set-up, and caches that settle on their second or third call (copyEntry's views). */
const WARM_CALLS = 3;

interface PerCall {
  /** Bytecodes per call at the larger n. */
  value: number;
  /** Per-call figures at each n, for the stability note. */
  all: number[];
}

/** Bytecodes per call of the zero-argument function fnExpr evaluates to (see the header comment). */
async function perCall(w: XsWorker, fnExpr: string): Promise<PerCall> {
  await w.evaluate(`globalThis.__costF = (${fnExpr}); globalThis.__costE = () => {}; for (let i = 0; i < ${WARM_CALLS}; i++) __costF();`);
  const all: number[] = [];
  for (const n of CALLS) {
    const f = (await w.evaluate(`for (let i = 0; i < ${n}; i++) __costF();`)).meter.compute;
    const e = (await w.evaluate(`for (let i = 0; i < ${n}; i++) __costE();`)).meter.compute;
    all.push((f - e) / n);
  }
  return { value: all[all.length - 1], all };
}

function stability(p: PerCall): string | undefined {
  const same = p.all.every((v) => v === p.all[0]);
  return same ? undefined : `varies with the call count: ${p.all.map((v, i) => `${v.toFixed(1)} at n=${CALLS[i]}`).join(", ")}`;
}

function note(...parts: (string | undefined)[]): string | undefined {
  const s = parts.filter((p): p is string => !!p).join("; ");
  return s || undefined;
}

interface TickSplit {
  agent: number;
  brain: number;
  sign: number;
  verify: number;
  macBytes: number;
  /** Agent + brain per tick in each window. */
  windows: number[];
}

async function tickSplit(w: XsWorker): Promise<TickSplit> {
  await w.evaluateBundle("bench/cost-tick.xs.ts", "costTick");
  const macBytes = await w.call<number>("costTick.hmacSetup");
  const sign = (await perCall(w, "costTick.sign")).value;
  const verify = (await perCall(w, "costTick.verify")).value;
  await w.evaluate(`globalThis.costLoop = costTick.createSessionLoop(); costLoop.warm(${WARM_TICKS});`);
  const windows: number[] = [];
  let agent = 0;
  let brain = 0;
  for (let k = 0; k < 2; k++) {
    const laps = await w.call<number[]>(
      `(n) => { const laps = new Float64Array(3); const lap = () => resetMeter(0, 0); costLoop.runLapped(n, lap, laps); return Array.from(laps); }`,
      TICK_WINDOW,
    );
    agent = (laps[0] - laps[2]) / TICK_WINDOW;
    brain = (laps[1] - laps[2]) / TICK_WINDOW;
    windows.push(agent + brain);
  }
  const s = await w.call<{ motorApplied: number; steps: number; phase: string }>(
    "() => ({ motorApplied: costLoop.motorApplied, steps: costLoop.steps, phase: costLoop.agent.phaseName })",
  );
  if (s.phase !== "active" || s.motorApplied < s.steps - 2) throw new Error(`cost: the session loop did not stay in steady state (${JSON.stringify(s)})`);
  return { agent, brain, sign, verify, macBytes, windows };
}

interface CodecCounts {
  encodeFrame?: PerCall;
  decodeFrame?: PerCall;
  decodeFrameNoCopy?: PerCall;
  encode?: PerCall;
  decode?: PerCall;
}

/** Counts the named operations of a codec-*.xs.ts module (each a zero-argument export). */
async function codecCounts(w: XsWorker, mod: string, ops: (keyof CodecCounts)[]): Promise<CodecCounts> {
  const c: CodecCounts = {};
  for (const op of ops) c[op] = await perCall(w, `${mod}.${op}`);
  return c;
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const opts = { stdout: "ignore" as const };
  let tick: TickSplit | null = null;
  let ours: CodecCounts | null = null;
  let floor: CodecCounts | null = null;
  let peer: CodecCounts | null = null;
  let cbor: CodecCounts | null = null;

  await withXsWorker(async (w) => {
    tick = await tickSplit(w);
    ctx.log(`tick: ${tick.windows.join(" / ")} bytecodes per tick in two windows`);
    await w.evaluateBundle("bench/codec-ours.xs.ts", "ours");
    await w.evaluateBundle("bench/codec-floor.xs.ts", "floor");
    await w.call("ours.setup", 16);
    await w.call("floor.setup");
    if ((await w.call<string>("ours.packetHex")) !== (await w.call<string>("floor.packetHex"))) throw new Error("cost: floor and ours write different packets");
    ours = await codecCounts(w, "ours", ["encodeFrame", "decodeFrame", "decodeFrameNoCopy", "encode", "decode"]);
    floor = await codecCounts(w, "floor", ["encodeFrame", "decodeFrame", "encode", "decode"]);
    for (const m of ["ours", "floor"]) if (!(await w.call<boolean>(`${m}.decodedMatches`))) throw new Error(`cost: ${m} decode mismatch`);
  }, { ...opts, name: "bench-cost-ours" });

  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/codec-peer.xs.ts", "peer", PEER_BUNDLE);
    await w.call("peer.setup", 16);
    peer = await codecCounts(w, "peer", ["encode", "decode"]);
    if (!(await w.call<boolean>("peer.decodedMatches"))) throw new Error("cost: peer decode mismatch");
  }, { ...opts, name: "bench-cost-peer" });

  await withXsWorker(async (w) => {
    await w.evaluateBundle("bench/codec-cbor.xs.ts", "cbor", PEER_BUNDLE);
    await w.call("cbor.setup", 16);
    cbor = await codecCounts(w, "cbor", ["encodeFrame", "decodeFrame", "decodeFrameNoCopy"]);
    if (!(await w.call<boolean>("cbor.decodedMatches"))) throw new Error("cost: cbor-x decode mismatch");
  }, { ...opts, name: "bench-cost-cbor" });

  const t = tick as unknown as TickSplit;
  const o = ours as unknown as CodecCounts;
  const fl = floor as unknown as CodecCounts;
  const p = peer as unknown as CodecCounts;
  const cb = cbor as unknown as CodecCounts;
  const rows: Row[] = [];
  const perTick = "XS bytecodes/tick";
  const perOp = "XS bytecodes/op";
  const win = `${TICK_WINDOW}-tick windows: ${t.windows.map((v) => v.toFixed(1)).join(" and ")} (agent + brain)`;
  rows.push(row(SECTION, "steady-state tick: agent + in-memory brain (100 Hz, heartbeat 1/s)", t.agent + t.brain, null, perTick, win));
  rows.push(row(SECTION, "steady-state tick: agent alone (tick minus HMAC verify)", t.agent - t.verify, null, perTick));
  rows.push(row(SECTION, "steady-state tick: HMAC-SHA256 verify (agent, motor frame MAC)", t.verify, null, perTick, `${t.macBytes}-byte message, TypeScript SHA-256`));
  rows.push(row(SECTION, "steady-state tick: in-memory brain alone (minus HMAC sign)", t.brain - t.sign, null, perTick));
  rows.push(row(SECTION, "steady-state tick: HMAC-SHA256 sign (brain, motor frame MAC)", t.sign, null, perTick, `${t.macBytes}-byte message, TypeScript SHA-256`));

  const f = "16 f32 + 8 i16";
  const op = (name: string, a: PerCall | undefined, b: PerCall | undefined, extra?: string) => {
    if (!a) throw new Error(`cost: ${name}: not counted`);
    rows.push(row(SECTION, name, a.value, b ? b.value : null, perOp, note(stability(a), b && stability(b) ? `peer ${stability(b)}` : undefined, extra)));
  };
  op(`encode frame only ${f} vs cbor-x`, o.encodeFrame, cb.encodeFrame);
  op(`decode frame only ${f} vs cbor-x`, o.decodeFrame, cb.decodeFrame);
  op(`decode frame only ${f}, in place, vs cbor-x`, o.decodeFrameNoCopy, cb.decodeFrameNoCopy);
  op(`encode frame ${f} + PUBLISH vs cbor-x + mqtt-packet`, o.encode, p.encode);
  op(`decode PUBLISH + frame ${f} vs cbor-x + mqtt-packet`, o.decode, p.decode);
  op(`encode frame ${f} + PUBLISH vs hand-written floor`, o.encode, fl.encode, "peer = codec-floor.xs.ts");
  op(`encode frame only ${f} vs hand-written floor`, o.encodeFrame, fl.encodeFrame, "peer = codec-floor.xs.ts");
  op(`decode frame only ${f} vs hand-written floor`, o.decodeFrame, fl.decodeFrame, "peer = codec-floor.xs.ts");
  op(`decode PUBLISH + frame ${f} vs hand-written floor`, o.decode, fl.decode, "peer = codec-floor.xs.ts");
  return rows;
}
