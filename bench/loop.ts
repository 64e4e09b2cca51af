/*
 * bench/loop: sensor -> brain -> motor round trip through Mosquitto on loopback.
 *
 * Theory of operation: one Mosquitto started on a free port, one reference brain with an
 * echo controller (the motor command's first value is the sensor frame's sample counter), and
 * one device streaming at RATE_HZ. The device writes a counter into a sensor channel when it
 * samples and timestamps it; when a motor frame carrying that counter is applied, the
 * difference is one loop latency. Three devices, one after another, same work:
 *   - ours, Node host: the firmware core with node:crypto HMAC;
 *   - ours, XS host: the firmware bundle on XS (each exchange also crosses the xsnap bridge);
 *   - baseline: MQTT.js at both ends, cbor-x frames, node:crypto HMAC on the motor frame: the
 *     same loop a team would write without brainstem.
 * Reports p50, p99 and p99.9 in µs; ratio = baseline / ours (> 1: ours is faster).
 */
import crypto from "node:crypto";
import mqtt from "mqtt";
import { Decoder, Encoder } from "cbor-x";
import { startBrain, type Controller, type SensorFrame } from "../brain/index";
import type { AgentConfigInput } from "../src/agent/config";
import { Phase } from "../src/session/automaton";
import { NodeAgent } from "../hosts/node/node-agent";
import { XsAgent } from "../hosts/xs/xs-agent";
import { startMosquitto } from "../testkit/brokers";
import { type BenchContext, type Row, row } from "./lib";

const SECTION = "loop";
const RATE_HZ = 200;

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
  { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
  { id: 2, name: "counter", kind: "sensor", type: "f32", count: 1 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

/** Echo controller: wheels = [sample counter, 0]. */
class EchoController implements Controller {
  private readonly wheels = new Float32Array(2);
  private readonly command = { motors: { wheels: this.wheels } };
  onSensorFrame(frame: SensorFrame) {
    this.wheels[0] = frame.get("counter")![0];
    return this.command;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Latencies {
  p50: number;
  p99: number;
  p999: number;
  n: number;
}

function summarize(samples: number[]): Latencies {
  const s = samples.slice().sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9), n: s.length };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`loop bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sample-time bookkeeping shared by the three devices. */
class Stamps {
  counter = 0;
  readonly sentAt = new Map<number, number>();
  readonly samples: number[] = [];
  constructor(private readonly warmup: number) {}
  sample(): number {
    const c = ++this.counter;
    this.sentAt.set(c, performance.now());
    return c;
  }
  arrived(c: number): void {
    const t = this.sentAt.get(c);
    if (t === undefined) return;
    this.sentAt.delete(c);
    if (c > this.warmup) this.samples.push((performance.now() - t) * 1000);
  }
}

async function measureNode(url: URL, key: Uint8Array, frames: number): Promise<Latencies> {
  const stamps = new Stamps(50);
  const a = new NodeAgent({
    config: { agentId: "lat-node", key, brokerHost: url.hostname, brokerPort: Number(url.port), channels, session: { sensorRateHz: RATE_HZ } },
    sampleSensors: (agent) => {
      agent.sensorArray(2)[0] = stamps.sample();
    },
    applyMotor: (_id, values) => stamps.arrived(values[0]),
  });
  a.start();
  await until(() => a.agent.phase === Phase.Active, 10_000, "node agent active");
  await until(() => stamps.samples.length >= frames, (frames / RATE_HZ) * 1000 + 20_000, "node samples");
  await a.stop();
  return summarize(stamps.samples);
}

async function measureXs(url: URL, key: Uint8Array, frames: number): Promise<Latencies> {
  // The XS device samples inside XS (simulated waveforms); the counter rides in its own
  // channel: the firmware's sensor hook writes the sample count there (see firmware-entry).
  const stamps = new Stamps(50);
  const xs = new XsAgent({
    config: { agentId: "lat-xs", key, brokerHost: url.hostname, brokerPort: Number(url.port), channels, session: { sensorRateHz: RATE_HZ } },
    onSample: (counter) => stamps.sentAt.set(counter, performance.now()),
    applyMotor: (_id, bytes) => stamps.arrived(new Float32Array(bytes.buffer, bytes.byteOffset, 1)[0]),
  });
  await xs.boot();
  await xs.start();
  await until(() => xs.phase === Phase.Active, 20_000, "xs agent active");
  await until(() => stamps.samples.length >= frames, (frames / RATE_HZ) * 1000 + 30_000, "xs samples");
  await xs.stop();
  return summarize(stamps.samples);
}

/** MQTT.js on both ends, cbor-x frames, node:crypto HMAC over the motor frame. */
async function measureBaseline(url: string, frames: number): Promise<Latencies> {
  const stamps = new Stamps(50);
  const enc = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });
  const dec = new Decoder({ useRecords: false, mapsAsObjects: true });
  const key = crypto.randomBytes(32);
  const brain = await mqtt.connectAsync(url, { clientId: "baseline-brain" });
  const device = await mqtt.connectAsync(url, { clientId: "baseline-device" });
  // The same socket setting our brain uses (Nagle off), so the comparison is of the code, not of TCP options.
  for (const c of [brain, device]) (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await brain.subscribeAsync("baseline/up/sns", { qos: 0 });
  await device.subscribeAsync("baseline/dn/mot", { qos: 0 });
  let motorSeq = 0;
  const wheels = new Float32Array(2);
  brain.on("message", (_t, payload) => {
    const frame = dec.decode(payload) as unknown[];
    wheels[0] = (frame[7] as Float32Array)[0];
    const body = enc.encode([++motorSeq, 0, 10, wheels]);
    const mac = crypto.createHmac("sha256", key).update(body).digest().subarray(0, 16);
    brain.publish("baseline/dn/mot", Buffer.concat([body, mac]), { qos: 0 });
  });
  device.on("message", (_t, payload) => {
    const body = payload.subarray(0, payload.length - 16);
    const mac = crypto.createHmac("sha256", key).update(body).digest().subarray(0, 16);
    if (!crypto.timingSafeEqual(mac, payload.subarray(payload.length - 16))) return;
    const frame = dec.decode(body) as unknown[];
    stamps.arrived((frame[3] as Float32Array)[0]);
  });
  const imu = new Float32Array(16);
  const bumpers = new Int16Array(8);
  const counter = new Float32Array(1);
  let seq = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 16; i++) imu[i] = Math.sin(seq + i);
    counter[0] = stamps.sample();
    device.publish("baseline/up/sns", enc.encode([++seq, 0, 0, imu, 1, bumpers, 2, counter]), { qos: 0 });
  }, 1000 / RATE_HZ);
  try {
    await until(() => stamps.samples.length >= frames, (frames / RATE_HZ) * 1000 + 20_000, "baseline samples");
  } finally {
    clearInterval(timer);
    await device.endAsync();
    await brain.endAsync();
  }
  return summarize(stamps.samples);
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const frames = ctx.quick ? 300 : 3_000;
  const broker = await startMosquitto();
  const url = new URL(broker.url);
  const keys = new Map([["lat-node", crypto.randomBytes(32)], ["lat-xs", crypto.randomBytes(32)]]);
  const brain = await startBrain({ broker: broker.url, keys, httpPort: 0, controller: new EchoController(), log: () => undefined, maxSensorHz: 1000 });
  let node: Latencies, xs: Latencies, base: Latencies;
  try {
    base = await measureBaseline(broker.url, frames);
    ctx.log(`baseline: ${base.n} samples`);
    node = await measureNode(url, keys.get("lat-node")!, frames);
    ctx.log(`ours (Node host): ${node.n} samples`);
    xs = await measureXs(url, keys.get("lat-xs")!, frames);
    ctx.log(`ours (XS host): ${xs.n} samples`);
  } finally {
    await brain.close();
    await broker.stop();
  }
  const unit = "µs";
  const rows: Row[] = [];
  for (const [p, key] of [["p50", "p50"], ["p99", "p99"], ["p99.9", "p999"]] as const) {
    rows.push(row(SECTION, `sensor->brain->motor ${p}, agent on Node host vs MQTT.js both ends`, node[key], base[key], unit, `${node.n} vs ${base.n} loops at ${RATE_HZ} Hz via Mosquitto`));
  }
  for (const [p, key] of [["p50", "p50"], ["p99", "p99"], ["p99.9", "p999"]] as const) {
    rows.push(row(SECTION, `sensor->brain->motor ${p}, firmware on XS host vs MQTT.js both ends`, xs[key], base[key], unit, "XS host: every exchange also crosses the xsnap bridge"));
  }
  return rows;
}
