/*
 * fuzz target `session`: the real Agent, live and Active, in the simulated world of
 * testkit/sim.ts, fed mutated control messages, motor frames and raw MQTT bytes.
 *
 * Theory of operation: setup runs a reference world (world seed and epoch derived from the run
 * seed) to Active and records what its brain sends (challenge, registered, heartbeat acks,
 * signed motor frames); with the same world seed every input's world reaches the same session
 * with the same key, so recorded motor frames carry valid MACs there. The corpora are those
 * recordings plus drain / deregistered / status-request / rejected messages, every control
 * message type, and MQTT packets (every type, and PUBLISHes of valid control messages and
 * motor frames on the agent's topics). An input is a script of 1..8 steps, serialized as
 *     step := op u8, runMs u16 BE, len u16 BE, payload[len]
 * (its hex is what a failure prints); ops: a control message from the brain (brainSays), a raw
 * motor payload (motorRaw), a motor frame signed for the live session with a chosen seq and
 * deadline (sendMotor), raw MQTT bytes straight into the agent's receive queue in random
 * chunks, a link event (cut, brain restart, drain, deregister, status request, broker crash,
 * a black hole for a while), or just time passing. Each input runs in a fresh world: start,
 * reach Active, play the steps (each followed by runMs of simulated time), then up to
 * TAIL_MS more. Failures: an exception (including the world's livelock guard and the fake
 * broker's "malformed packet from the agent"); a checkInvariants violation after any agent
 * step, or Active without the motor subscription on the current link; not back to Active (or
 * Failed for a permanent reason) within TAIL_MS; the device key in a log line.
 */
import { utf8Bytes } from "../../../src/codec/bytes";
import { encodePublish } from "../../../src/codec/mqtt/publish";
import { encodeDeregistered, encodeDrain, encodeRejected, encodeStatusRequest } from "../../../src/protocol/encode";
import { Phase } from "../../../src/session/automaton";
import { Prng } from "../../../testkit/prng";
import { SIM_KEY, SimWorld, checkInvariants, isPermanent, simConfig } from "../../../testkit/sim";
import { fail } from "../check";
import type { Failure, FuzzTarget, TargetInstance } from "../engine";
import { mutate, mutateOnce } from "../mutate";
import { controlMessages } from "./control";
import { mqttPackets } from "./mqtt";

export const Op = {
  Control: 0,
  MotorRaw: 1,
  MotorSigned: 2,
  MqttRaw: 3,
  Link: 4,
  Run: 5,
} as const;
const OP_COUNT = 6;

/** Simulated time after the last step in which the agent must be Active again. */
const TAIL_MS = 180_000;
/** Agent steps allowed per step's run (the world throws "livelock" past it). */
const STEP_CAP = 50_000;
const RUN_CHOICES_MS = [0, 1, 10, 50, 200, 1000, 3000];
const CONTROL_DOWN_TOPIC = "bs/1/sim1/dn/ctl";
const MOTOR_TOPIC = "bs/1/sim1/dn/mot";

export interface Step {
  op: number;
  runMs: number;
  payload: Uint8Array;
}

export function encodeSteps(steps: Step[]): Uint8Array {
  const n = steps.reduce((a, s) => a + 5 + s.payload.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const s of steps) {
    out[o] = s.op;
    out[o + 1] = s.runMs >>> 8;
    out[o + 2] = s.runMs & 0xff;
    out[o + 3] = s.payload.length >>> 8;
    out[o + 4] = s.payload.length & 0xff;
    out.set(s.payload, o + 5);
    o += 5 + s.payload.length;
  }
  return out;
}

/** Total parse: unknown ops wrap around, a truncated last step is dropped. */
export function decodeSteps(input: Uint8Array): Step[] {
  const steps: Step[] = [];
  let o = 0;
  while (o + 5 <= input.length) {
    const len = (input[o + 3] << 8) | input[o + 4];
    if (o + 5 + len > input.length) break;
    steps.push({ op: input[o] % OP_COUNT, runMs: (input[o + 1] << 8) | input[o + 2], payload: input.slice(o + 5, o + 5 + len) });
    o += 5 + len;
  }
  return steps;
}

interface SessionSetup {
  worldSeed: number;
  epochMs: number;
  control: Uint8Array[];
  motor: Uint8Array[];
  mqtt: Uint8Array[];
}

function config() {
  return simConfig({ session: { backoffMaxMs: 4_000, sensorRateHz: 20 } });
}

function newWorld(s: { worldSeed: number; epochMs: number }): SimWorld {
  return new SimWorld(config(), { seed: s.worldSeed, epochMs: s.epochMs });
}

function publishPacket(topic: string, payload: Uint8Array, qos: 0 | 1): Uint8Array {
  const t = utf8Bytes(topic);
  const dst = new Uint8Array(payload.length + t.length + 16);
  const n = encodePublish(dst, 0, t, t.length, payload, 0, payload.length, qos, qos ? 9 : 0, false, false);
  if (n < 0) throw new Error(`fuzz corpus: encodePublish failed (${n})`);
  return dst.slice(0, n);
}

function buildSetup(seed: number): SessionSetup {
  const worldSeed = (seed ^ 0x5e55) >>> 0 || 1;
  // Vary the epoch with the seed; every fourth seed starts 20 s before the u32 wrap.
  const epochMs = seed % 4 === 3 ? 0xffffffff - 20_000 : (Math.imul(seed, 2654435761) >>> 0) % 0xf0000000;
  const w = newWorld({ worldSeed, epochMs });
  const control: Uint8Array[] = [];
  const motor: Uint8Array[] = [];
  const brainSays = w.brainSays.bind(w);
  w.brainSays = (p: Uint8Array) => {
    control.push(p.slice());
    brainSays(p);
  };
  const motorRaw = w.motorRaw.bind(w);
  w.motorRaw = (p: Uint8Array) => {
    if (motor.length < 24) motor.push(p.slice());
    motorRaw(p);
  };
  w.agent.start(w.now);
  w.run(3_000, 200_000);
  if (w.phase !== Phase.Active || motor.length === 0) throw new Error(`fuzz setup: the reference world did not reach Active with motor frames (phase ${w.agent.phaseName})`);
  const scratch = new Uint8Array(512);
  const enc = (n: number) => {
    if (n < 0) throw new Error(`fuzz corpus: a control encoder failed (${n})`);
    return scratch.slice(0, n);
  };
  control.push(enc(encodeDrain(scratch, 0, 1, 500, 2_000)), enc(encodeDrain(scratch, 0, 2, 0xffffffff, 0xffffffff)));
  control.push(enc(encodeDeregistered(scratch, 0, 2)), enc(encodeStatusRequest(scratch, 0)));
  for (const r of [1, 2, 3, 6, 99]) control.push(enc(encodeRejected(scratch, 0, r, r === 6 ? "busy" : null, r === 3 ? 1_000 : -1)));
  control.push(...controlMessages(seed));
  const mqtt = [
    ...mqttPackets(seed),
    ...control.slice(0, 12).map((p, i) => publishPacket(CONTROL_DOWN_TOPIC, p, (i & 1) as 0 | 1)),
    ...motor.slice(0, 6).map((p, i) => publishPacket(MOTOR_TOPIC, p, (i & 1) as 0 | 1)),
  ];
  return { worldSeed, epochMs, control: dedupe(control), motor: dedupe(motor), mqtt };
}

function dedupe(list: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return list.filter((b) => {
    const k = Array.from(b).join(",");
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** A random step script. */
function generate(s: SessionSetup, rng: Prng): Uint8Array {
  const steps: Step[] = [];
  const n = rng.int(1, 8);
  for (let i = 0; i < n; i++) {
    const r = rng.int(0, 99);
    const op = r < 25 ? Op.Control : r < 45 ? Op.MotorRaw : r < 58 ? Op.MotorSigned : r < 80 ? Op.MqttRaw : r < 90 ? Op.Link : Op.Run;
    let payload: Uint8Array;
    switch (op) {
      case Op.Control:
        payload = mutate(rng, s.control);
        break;
      case Op.MotorRaw:
        payload = rng.chance(0.15) ? rng.pick(s.motor).slice() : mutate(rng, s.motor);
        break;
      case Op.MqttRaw:
        payload = rng.chance(0.3) ? mutateOnce(rng, rng.pick(s.mqtt), s.mqtt) : mutate(rng, s.mqtt);
        break;
      default:
        payload = rng.bytes(9);
    }
    steps.push({ op, runMs: rng.pick(RUN_CHOICES_MS) + (rng.chance(0.2) ? rng.int(0, 999) : 0), payload: payload.subarray(0, 0xffff) });
  }
  return encodeSteps(steps);
}

/** Raw bytes straight into the agent's receive queue (sim.ts keeps it private: no public door). */
function injectRaw(w: SimWorld, bytes: Uint8Array, rng: Prng): void {
  if (!w.linkUp) return;
  const queue = (w as unknown as { toAgent: Uint8Array[] }).toAgent;
  let o = 0;
  while (o < bytes.length) {
    const n = rng.int(1, Math.max(1, Math.min(64, bytes.length - o)));
    queue.push(bytes.slice(o, o + n));
    o += n;
  }
}

function linkEvent(w: SimWorld, p: Uint8Array): void {
  const b = (i: number) => p[i] ?? 0;
  const ms = ((b(1) << 8) | b(2)) & 0x7fff;
  switch (b(0) % 7) {
    case 0: return w.cutLink();
    case 1: return w.brainRestart(ms);
    case 2: return w.drain(1 + (b(3) & 1), u32be(p, 3) % 120_000, u32be(p, 5) % 120_000);
    case 3: return w.deregister(1 + (b(3) % 3));
    case 4: return w.requestStatus();
    case 5: return w.brokerCrash(ms);
    default:
      w.blackHole = true;
      w.at(ms, () => (w.blackHole = false));
  }
}

function runSession(s: SessionSetup, input: Uint8Array, rng: Prng): Failure | null {
  const w = newWorld(s);
  let failure: Failure | null = null;
  const record = (msg: string) => {
    if (!failure) failure = fail(`invariant: ${msg.replace(/\d+/g, "N")}`, `${msg} (phase ${w.agent.phaseName}, t=${w.t})`);
  };
  w.onStep = () => {
    if (failure) return;
    checkInvariants(w, record);
    if (w.phase === Phase.Active && !w.motorSubscribedOnCurrentLink()) record("active without the motor subscription on the current link");
  };
  w.agent.start(w.now);
  w.runUntil(() => w.phase === Phase.Active, 10_000);
  if (w.phase !== Phase.Active) return fail("the fresh world did not reach Active", `phase ${w.agent.phaseName}`);
  if (failure) return failure;
  for (const step of decodeSteps(input)) {
    const p = step.payload;
    switch (step.op) {
      case Op.Control:
        w.brainSays(p);
        break;
      case Op.MotorRaw:
        w.motorRaw(p);
        break;
      case Op.MotorSigned: {
        // The world records values[0] as the applied seq (sim.ts sends value = seq), as a float32:
        // keep seq below 2^24 so that record stays exact and checkInvariants can judge the order.
        const a = u32be(p, 1);
        const seq = (p[0] & 1) !== 0 ? a & 0xffffff : Math.max(0, w.motorSeq + (a & 0xff) - 8);
        const dl = (w.brainNow() + (u32be(p, 5) | 0)) >>> 0;
        w.sendMotor(seq, dl);
        break;
      }
      case Op.MqttRaw:
        injectRaw(w, p, rng);
        break;
      case Op.Link:
        linkEvent(w, p);
        break;
      default:
        break;
    }
    w.run(step.runMs, STEP_CAP);
    if (failure) return failure;
  }
  const back = w.runUntil(() => w.phase === Phase.Active || (w.phase === Phase.Failed && isPermanent(w.agent.status().lastReason)), TAIL_MS);
  if (failure) return failure;
  if (back < 0) return fail("agent did not resume", `phase ${w.agent.phaseName} after ${TAIL_MS} ms, last reason ${w.agent.status().lastReason}`);
  const keyText = "brainstem-sim-device-key";
  const keyHex = Array.from(SIM_KEY.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join("");
  for (const [, , , message] of w.logs) {
    if (message.includes(keyText) || message.toLowerCase().includes(keyHex)) return fail("the device key appears in a log line", message);
  }
  return null;
}

export const sessionTarget: FuzzTarget = {
  name: "session",
  description: "the Agent in the simulated world: mutated control/motor/MQTT input while Active, invariants after every step",
  setup(seed: number): TargetInstance {
    const s = buildSetup(seed);
    return {
      corpus: [encodeSteps([{ op: Op.Run, runMs: 100, payload: new Uint8Array(0) }])],
      generate: (rng) => generate(s, rng),
      run: (input, rng) => runSession(s, input, rng),
    };
  },
};
