/*
 * fuzz/engine: the seeded fuzzing loop shared by every target.
 *
 * Theory of operation: a target is set up once per run (its corpus of valid inputs and its
 * decoder instances are built deterministically from the run seed). Input number `index` is a
 * pure function of (seed, target, index): a Prng seeded with mix(seed, target, index) picks and
 * mutates corpus entries (or the target's own generator builds the input), and the same Prng
 * then drives the target's run (random chunking and the like). So
 *     npm run fuzz -- --target NAME --seed S --replay INDEX
 * rebuilds exactly that input and reruns it, whatever ran before it: targets reset every
 * instance they reuse before each input. A run fails when the target throws, or returns a
 * Failure (a result outside the documented ones, an offset outside the input, a decoder that
 * no longer decodes a valid input afterwards, a broken session invariant). Failures are grouped
 * by signature: the failure class without the input-specific details.
 * Node-side tool code: allocates freely.
 */
import { Prng } from "../../testkit/prng";
import { mutate } from "./mutate";

/** A failed input: `sig` groups failures of one kind; `detail` is the specific message. */
export interface Failure {
  sig: string;
  detail: string;
}

export interface TargetInstance {
  /** Valid inputs the mutator starts from (at least one). */
  corpus: Uint8Array[];
  /** Builds input number i from its rng (default: mutate the corpus). */
  generate?(rng: Prng): Uint8Array;
  /** Runs one input; null when it behaved. May throw: the engine records the exception. */
  run(input: Uint8Array, rng: Prng): Failure | null;
}

export interface FuzzTarget {
  name: string;
  /** One line for --help. */
  description: string;
  /** Builds the corpus and the instances under test, deterministically from seed. */
  setup(seed: number): TargetInstance;
}

export interface FailureRecord {
  index: number;
  sig: string;
  detail: string;
  hex: string;
}

export interface TargetResult {
  target: string;
  seed: number;
  inputs: number;
  failures: number;
  /** Failure count per signature. */
  signatures: Record<string, number>;
  /**
   * Failures kept with their input, in index order: the first failure of every signature, and
   * others up to maxRecorded in all.
   */
  recorded: FailureRecord[];
  elapsedMs: number;
  corpusSize: number;
}

export interface RunOptions {
  seed: number;
  /** Stop after this many inputs (wins over deadlineMs when both are given). */
  inputs?: number;
  /** Stop at this Date.now() value. */
  deadlineMs?: number;
  /** Failures kept with their input beyond the first of each signature (the count covers all). Default 1000. */
  maxRecorded?: number;
}

/** 32-bit mix of the run seed, the target name and the input index (murmur3 finalizer). */
export function inputSeed(seed: number, target: string, index: number): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  h ^= Math.imul(index >>> 0, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

/** The input for (seed, index) and the rng state the run continues from. */
export function makeInput(target: FuzzTarget, inst: TargetInstance, seed: number, index: number): { input: Uint8Array; rng: Prng } {
  const rng = new Prng(inputSeed(seed, target.name, index));
  const input = inst.generate ? inst.generate(rng) : mutate(rng, inst.corpus);
  return { input, rng };
}

/** Turns an exception into a failure; the signature keeps the error class and where it was thrown. */
export function exceptionFailure(e: unknown): Failure {
  const err = e instanceof Error ? e : new Error(String(e));
  const frames = (err.stack ?? "").split("\n").slice(1).map((l) => l.trim());
  const where = frames.find((l) => /\/(src|test|tools)\//.test(l)) ?? frames[0] ?? "?";
  const at = (/\(([^)]+)\)/.exec(where)?.[1] ?? where.replace(/^at /, "")).replace(/^.*\/(src|test|tools)\//, "$1/");
  const msg = err.message.replace(/\d+/g, "N");
  return { sig: `exception ${err.name}: ${msg} at ${at}`, detail: err.stack ?? String(err) };
}

/** Runs one input (index) and returns its failure or null. */
export function runOne(target: FuzzTarget, inst: TargetInstance, seed: number, index: number): { input: Uint8Array; failure: Failure | null } {
  let input: Uint8Array = new Uint8Array(0);
  try {
    const made = makeInput(target, inst, seed, index);
    input = made.input;
    return { input, failure: inst.run(input, made.rng) };
  } catch (e) {
    return { input, failure: exceptionFailure(e) };
  }
}

/** Fuzzes one target until the input count or the deadline is reached. */
export function runTarget(target: FuzzTarget, options: RunOptions): TargetResult {
  const start = Date.now();
  const seed = options.seed >>> 0;
  const maxRecorded = options.maxRecorded ?? 1000;
  const inst = target.setup(seed);
  const result: TargetResult = {
    target: target.name, seed, inputs: 0, failures: 0, signatures: {}, recorded: [], elapsedMs: 0, corpusSize: inst.corpus.length,
  };
  const limit = options.inputs ?? Infinity;
  const deadline = options.inputs !== undefined ? Infinity : options.deadlineMs ?? Infinity;
  if (limit === Infinity && deadline === Infinity) throw new RangeError("fuzz: give an input count or a deadline");
  for (let index = 0; index < limit; index++) {
    if (Date.now() >= deadline) break;
    const { input, failure } = runOne(target, inst, seed, index);
    result.inputs++;
    if (failure) {
      result.failures++;
      const first = result.signatures[failure.sig] === undefined;
      result.signatures[failure.sig] = (result.signatures[failure.sig] ?? 0) + 1;
      if (first || result.recorded.length < maxRecorded) result.recorded.push({ index, sig: failure.sig, detail: failure.detail, hex: toHex(input) });
    }
  }
  result.elapsedMs = Date.now() - start;
  return result;
}

/** Rebuilds and reruns input `index` alone. */
export function replay(target: FuzzTarget, seed: number, index: number): { input: Uint8Array; hex: string; failure: Failure | null } {
  const inst = target.setup(seed >>> 0);
  const { input, failure } = runOne(target, inst, seed >>> 0, index);
  return { input, hex: toHex(input), failure };
}

/** The command that reruns one input. extraArgs: flags the target needs (e.g. --selftest). */
export function reproCommand(target: string, seed: number, index: number, extraArgs: string[] = []): string {
  return ["npm run fuzz --", ...extraArgs, "--target", target, "--seed", String(seed >>> 0), "--replay", String(index)].join(" ");
}
