/*
 * session-properties: seeded random event sequences against the simulated world.
 *
 * Each sequence builds a world and applies `STEPS` random inputs (link cuts, broker crashes,
 * black holes, brain restarts, drains, deregistrations, rejections, garbage and replayed
 * frames, latency changes, stalls, clock jumps, stop/start), each followed by a short run. The
 * invariants (sim.ts `checkInvariants`) are checked after every agent step:
 *   never active without both channels bound; motors safe whenever not active or past the
 *   deadline; no motor frame applied twice or out of order; failed only for permanent causes;
 * plus, here: backoff delays within their bounds, and no livelock (the world's step cap).
 * Engine-agnostic; the ava file splits the seeds across workers.
 */
import { PHASE_COUNT, Phase } from "../../src/session/automaton";
import { RejectReason } from "../../src/protocol/wire";
import { SimWorld, checkInvariants, simConfig } from "../../testkit/sim";
import { Prng } from "../../testkit/prng";

export const STEPS = 200;

export interface PropertyResult {
  sequences: number;
  steps: number;
  failures: string[];
  phasesSeen: number[];
}

/** Runs sequences for seeds [from, to). */
export function runProperties(from: number, to: number): PropertyResult {
  const result: PropertyResult = { sequences: 0, steps: 0, failures: [], phasesSeen: new Array(PHASE_COUNT).fill(0) };
  for (let seed = from; seed < to && result.failures.length < 10; seed++) {
    const failure = runSequence(seed, result);
    result.sequences++;
    if (failure) result.failures.push(`seed ${seed}: ${failure}`);
  }
  return result;
}

function runSequence(seed: number, result: PropertyResult): string | null {
  const rng = new Prng(seed * 7919 + 17);
  const w = new SimWorld(simConfig({ session: { backoffMaxMs: 4_000, sensorRateHz: 20 } }), { seed, epochMs: rng.u32() });
  const cfg = w.agent.config.session;
  let failure: string | null = null;
  w.onStep = () => {
    if (failure) return;
    checkInvariants(w, (msg) => (failure = msg));
    const s = w.agent.status();
    if (s.phase === Phase.Active && !w.motorSubscribedOnCurrentLink()) failure = "active without the motor channel bound";
    if (s.phase === Phase.BackingOff) {
      const left = (w.agent.nextDeadline() - w.now) | 0;
      if (left > Math.max(cfg.backoffMaxMs, w.script.retryAfterMs)) failure = `backoff delay ${left} ms over its bound`;
    }
    result.phasesSeen[s.phase]++;
  };
  w.agent.start(w.now);
  try {
    for (let step = 0; step < STEPS && !failure; step++) {
      applyRandomInput(w, rng);
      w.run(rng.int(0, 120), 20_000);
      result.steps++;
    }
  } catch (e) {
    failure = `threw ${(e as Error)?.message ?? e}`;
  }
  return failure;
}

function applyRandomInput(w: SimWorld, rng: Prng): void {
  const r = rng.int(0, 99);
  const s = w.script;
  if (r < 40) return; // just time passing
  if (r < 45) return w.cutLink();
  if (r < 47) return w.brokerCrash(rng.int(0, 3_000));
  if (r < 50) { w.blackHole = !w.blackHole; return; }
  if (r < 52) return w.brainRestart(rng.int(0, 2_000));
  if (r < 55) return w.drain(rng.int(1, 2), rng.int(0, 3_000), rng.int(0, 3_000));
  if (r < 57) return w.deregister();
  if (r < 59) { s.rejectReason = s.rejectReason ? 0 : rng.pick([RejectReason.AlreadyRegistered, RejectReason.Busy]); s.retryAfterMs = rng.int(0, 2_000); return; }
  if (r < 60) { if (rng.chance(0.05)) s.rejectReason = RejectReason.InvalidAuth; return; }
  if (r < 63) return w.brainSays(rng.bytes(rng.int(0, 40)));
  if (r < 66) return w.motorRaw(rng.bytes(rng.int(0, 60)));
  if (r < 69) { if (w.lastMotorFrame) w.motorRaw(w.lastMotorFrame); return; }
  if (r < 71) { w.sendMotor(rng.int(0, 5), w.brainNow() + rng.int(-500, 500)); return; }
  if (r < 74) { w.latencyMs = rng.int(1, 300); return; }
  if (r < 76) { w.stalled = !w.stalled; return; }
  if (r < 78) { w.withholdPuback = !w.withholdPuback; return; }
  if (r < 80) { s.ackHeartbeats = !s.ackHeartbeats; return; }
  if (r < 82) { s.badBrainProof = rng.chance(0.3); return; }
  if (r < 84) { w.epochMs = (w.epochMs + rng.int(-5_000, 5_000)) >>> 0; return; }
  if (r < 86) return w.requestStatus();
  if (r < 87) { w.agent.stop(w.now); return; }
  if (r < 89) { if (w.phase === Phase.Stopped) w.agent.start(w.now); return; }
  if (r < 91) { s.omitMotorTopic = rng.chance(0.3); return; }
  if (r < 93) { w.dropBytesProbability = rng.chance(0.5) ? 0 : 0.05; return; }
  w.run(rng.int(0, 5_000), 50_000); // a long quiet stretch
}
