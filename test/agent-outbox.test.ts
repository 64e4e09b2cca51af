/*
 * The agent's kept sensor packet (src/agent/agent.ts: publishSensorFrame, reserve, endPacket,
 * writeOut), end to end on V8: a real Agent against a small in-memory broker and brain (the
 * pattern of bench/session-loop.ts), under transports that take everything, 7 bytes a call, a
 * few bytes a tick, or nothing for a while. Every byte the agent sends is captured and parsed
 * with MqttServerDecoder; each sensor PUBLISH is decoded with decodeSensorFrame, each control
 * PUBLISH with decodeControl.
 * In every scenario (a table): the stream parses without error; every sensor frame has seq =
 * the previous + 1 (a gap only for frames the agent counted as dropped), carries exactly the
 * values the host's sampleSensors wrote for its tick and that tick's brain time; no frame is
 * lost or sent twice (received + dropped = samples); every heartbeat arrives whole, in order,
 * and before the sensor frame written in the same tick; while the transport keeps up, each
 * frame is the kept packet refreshed in place (it leaves from where the previous one did, but
 * after a change of the seq's or t's CBOR width). Scenarios cross the sensor seq's widths
 * (23 -> 24, 255 -> 256) and the brain time's (across 2^32 -> 0 and every width), submit frames
 * between ticks, and answer bursts of QoS 1 status requests larger than the outbox.
 */
import test from "ava";
import { Agent, type AgentHost, type SensorArrays } from "../src/agent/agent";
import type { ChannelConfig } from "../src/agent/config";
import { utf8Bytes } from "../src/codec/bytes";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { ChannelKind, ChannelTable, ElementType } from "../src/codec/frames/channels";
import { decodeSensorFrame, SensorFrame } from "../src/codec/frames/sensor";
import { PacketType } from "../src/codec/mqtt/constants";
import { encodePuback, encodePublish } from "../src/codec/mqtt/publish";
import { NEED_MORE } from "../src/errors";
import { computeBrainProof, computeSessionKey } from "../src/protocol/auth";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import { encodeChallenge, encodeHeartbeatAck, encodeRegistered, encodeStatusRequest } from "../src/protocol/encode";
import { MsgType } from "../src/protocol/wire";
import { Level } from "../src/session/actions";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { MqttServerDecoder, encodeConnack, encodePingresp, encodeSuback } from "../testkit/mqtt-server-codec";

const KEY = utf8Bytes("outbox-device-key-0123456789abcdef");
const AGENT_ID = "outbox1";
const SENSOR_TOPIC = `bs/1/${AGENT_ID}/up/sns`;
const CONTROL_UP_TOPIC = `bs/1/${AGENT_ID}/up/ctl`;
const SESSION_ID = 77;

/** Sensors: a float32 pair, a uint8 pair and a single uint8; one motor channel. */
const CHANNELS: ChannelConfig[] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 2 },
  { id: 1, name: "bumpers", kind: "sensor", type: "u8", count: 2 },
  { id: 2, name: "flag", kind: "sensor", type: "u8", count: 1 },
  { id: 10, name: "wheels", kind: "motor", type: "i16", count: 1, safe: [0] },
];
const WIRE = new ChannelTable([
  { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 2, rateHz: 0 },
  { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 2, rateHz: 0 },
  { id: 2, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 1, rateHz: 0 },
  { id: 10, kind: ChannelKind.Motor, elementType: ElementType.I16, count: 1, rateHz: 0 },
]);
const SENSOR_IDS = [0, 1, 2];

interface Scenario {
  name: string;
  /** Steps after the session is active; one tick each, tickMs apart (default: the sensor period). */
  steps: number;
  tickMs?: number;
  sensorHz: number;
  /** The agent's clock when it starts (u32 ms). */
  startMs: number;
  /** The brain's clock minus the agent's (the brain time the frames carry), mod 2^32. */
  brainAheadMs: number;
  /** The heartbeat interval the brain grants (ms). */
  heartbeatMs: number;
  /** Most bytes one send() takes. */
  perCall: number;
  /** Most bytes send() takes in one step (before the step's tick). */
  perStep: number;
  /** Steps [from, to) during which send() takes nothing. */
  blocked: readonly [number, number] | null;
  maxFrameBytes?: number;
  /** The host submits a frame (submitSensorFrame) after the tick of every `submitEvery`-th step. */
  submitEvery?: number;
  /** The brain asks for a status (QoS 1 status-request) every `every` steps, `burst` of them every `burstEvery` steps. */
  statusRequests?: { every: number; burstEvery: number; burst: number };
  /** Whether frames must be dropped (the outbox fills) or none may be. */
  drops: boolean;
  /** The CBOR widths (head bytes) of the brain times the frames carry, all of them. */
  timeWidths: number[];
  /**
   * Whether the outbox is always empty when a frame is due (the transport keeps up): then each
   * frame is the kept packet refreshed in place, and leaves from where the previous one did,
   * but after a change of the seq's or t's width.
   */
  refreshed: boolean;
}

const ALL = Number.POSITIVE_INFINITY;

const scenarios: Scenario[] = [
  { name: "steady ticks at 100 Hz, a heartbeat every second", steps: 350, sensorHz: 100, startMs: 0x40000000, brainAheadMs: 12345, heartbeatMs: 1000, perCall: ALL, perStep: ALL, blocked: null, drops: false, timeWidths: [5], refreshed: true },
  { name: "a transport that takes 7 bytes per send", steps: 350, sensorHz: 100, startMs: 5000, brainAheadMs: 0, heartbeatMs: 1000, perCall: 7, perStep: ALL, blocked: null, drops: false, timeWidths: [3], refreshed: true },
  { name: "the 7-byte transport with a heartbeat every 100 ms, and frames submitted between ticks", submitEvery: 3, steps: 300, sensorHz: 100, startMs: 5000, brainAheadMs: 777, heartbeatMs: 100, perCall: 7, perStep: ALL, blocked: null, drops: false, timeWidths: [3], refreshed: true },
  { name: "a transport that blocks for 8 ticks (over a heartbeat) then resumes", steps: 350, sensorHz: 100, startMs: 1000, brainAheadMs: 0x7fff0000, heartbeatMs: 1000, perCall: ALL, perStep: ALL, blocked: [95, 103], drops: false, timeWidths: [5], refreshed: false },
  { name: "a transport that blocks for 3 ticks mid-packet (13 bytes a call)", steps: 300, sensorHz: 100, startMs: 1000, brainAheadMs: 0, heartbeatMs: 1000, perCall: 13, perStep: 60, blocked: [150, 153], drops: false, timeWidths: [3], refreshed: false },
  { name: "a transport that takes 48 bytes a step (packets split across ticks)", steps: 350, sensorHz: 100, startMs: 2000, brainAheadMs: 0, heartbeatMs: 1000, perCall: ALL, perStep: 48, blocked: null, drops: false, timeWidths: [3], refreshed: false },
  { name: "blocked until the outbox is full (frames dropped and counted), then resumes", steps: 350, sensorHz: 100, startMs: 3000, brainAheadMs: 0, heartbeatMs: 1000, perCall: ALL, perStep: ALL, blocked: [115, 175], maxFrameBytes: 64, drops: true, timeWidths: [3], refreshed: false },
  { name: "brain time across 2^32 -> 0 and every CBOR width up to 65536", steps: 900, sensorHz: 100, startMs: 10_000, brainAheadMs: 2 ** 32 - 10_000 - 1500, heartbeatMs: 1000, perCall: ALL, perStep: ALL, blocked: null, drops: false, timeWidths: [1, 2, 3, 5], refreshed: true },
  { name: "ticks between frames with QoS 1 status requests, and bursts of them larger than the outbox", steps: 900, tickMs: 10, sensorHz: 30, startMs: 4000, brainAheadMs: 0, heartbeatMs: 250, perCall: ALL, perStep: ALL, blocked: null, maxFrameBytes: 64, statusRequests: { every: 7, burstEvery: 97, burst: 24 }, drops: false, timeWidths: [3], refreshed: false },
  { name: "seq across 23 -> 24 and 255 -> 256 at 1 kHz, brain time across 65535 -> 65536", steps: 700, sensorHz: 1000, startMs: 65_000, brainAheadMs: 0, heartbeatMs: 100, perCall: ALL, perStep: ALL, blocked: null, drops: false, timeWidths: [3, 5], refreshed: true },
];

/** What the host's sampleSensors wrote for one sample. */
interface Sample {
  nowMs: number;
  /** The brain time the frame must carry: the agent's clock plus its offset then. */
  brainMs: number;
  /** The sensor channels' bytes, in SENSOR_IDS order. */
  bytes: Uint8Array[];
}

interface Received {
  kind: "sensor" | "heartbeat";
  /** Position in the stream (PUBLISHes counted from 0). */
  at: number;
  seq: number;
  /** Sensor: the brain time t; heartbeat: the agent time ta. */
  time: number;
  /** Sensor: the sample index (the first float), or -1. */
  sample: number;
  /** Sensor: the entries' bytes in SENSOR_IDS order (null when the layout is not that). */
  bytes: Uint8Array[] | null;
  /** Where the packet starts in the stream. */
  streamAt: number;
}

/** The agent, its in-memory transport, and a brain on the far side of a broker. */
class Bench {
  readonly agent: Agent;
  nowMs: number;
  step = 0;
  /** What send() may still take this step. */
  private budget = ALL;
  private readonly up = new Uint8Array(1 << 21);
  private upEnd = 0;
  private upParsed = 0;
  private readonly down: Uint8Array[] = [];
  private readonly decoder = new MqttServerDecoder(8192);
  private readonly out = new Uint8Array(4096);
  private readonly payload = new Uint8Array(2048);
  private readonly msg = new ControlMessage();
  private readonly frame = new SensorFrame(WIRE.size, 4096);
  private readonly hmac = new SoftHmacSha256();
  private readonly nonceA = new Uint8Array(16);
  private readonly nonceB = new Uint8Array(16).fill(9);
  private readonly proof = new Uint8Array(32);
  private readonly sessionKey = new Uint8Array(32);
  private readonly ctlDown = utf8Bytes(`bs/1/${AGENT_ID}/dn/ctl`);
  private randomByte = 3;
  readonly samples: Sample[] = [];
  readonly received: Received[] = [];
  readonly problems: string[] = [];
  partialSends = 0;
  zeroSends = 0;
  packets = 0;
  /** Status requests the brain sent, PUBACKs and status messages that came back. */
  statusAsked = 0;
  pubacks = 0;
  statuses = 0;
  private downPacketId = 0;

  constructor(private readonly s: Scenario) {
    this.nowMs = s.startMs;
    const host: AgentHost = {
      transport: {
        open: () => undefined,
        close: () => undefined,
        send: (src, off, len) => this.send(src, off, len),
        recv: (dst, off, len) => this.recv(dst, off, len),
      },
      io: {
        sampleSensors: (nowMs, sensors) => this.sample(nowMs, sensors),
        applyMotor: () => undefined,
        motorsSafe: () => undefined,
      },
      platform: {
        random: (dst) => {
          for (let i = 0; i < dst.length; i++) dst[i] = this.randomByte = (this.randomByte * 73 + 41) & 0xff;
        },
        log: (level, _code, message) => {
          if (level >= Level.Warn) this.problems.push(`log: ${message}`);
        },
        restartNetwork: () => this.problems.push("restartNetwork"),
        reboot: () => this.problems.push("reboot"),
      },
    };
    this.agent = new Agent({
      agentId: AGENT_ID, key: KEY, brokerHost: "loop", brokerPort: 1883,
      maxFrameBytes: s.maxFrameBytes,
      channels: CHANNELS,
      session: { sensorRateHz: s.sensorHz, heartbeatIntervalMs: s.heartbeatMs, statusIntervalMs: 0 },
    }, host);
  }

  /** Per send call that took bytes: where they start in the stream, and in the agent's outbox. */
  readonly sendStreamAt: number[] = [];
  readonly sendOutboxAt: number[] = [];

  /** Writes sample k's values into the sensor arrays and records them (sampleSensors, or the host before submitSensorFrame). */
  private sample(nowMs: number, sensors: SensorArrays): void {
    const k = this.samples.length;
    const imu = sensors.sensorArray(0);
    imu[0] = k;
    imu[1] = -k * 0.25 - 0.5;
    const bumpers = sensors.sensorArray(1);
    bumpers[0] = (k * 7 + 1) & 0xff;
    bumpers[1] = (k >>> 8) & 0xff;
    sensors.sensorArray(2)[0] = (k * 13 + 5) & 0xff;
    const bytes = SENSOR_IDS.map((id) => {
      const a = sensors.sensorArray(id);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
    });
    const offset = this.agent.status().clockOffsetMs;
    this.samples.push({ nowMs, brainMs: (nowMs + offset) >>> 0, bytes });
  }

  private send(src: Uint8Array, off: number, len: number): number {
    const n = Math.min(len, this.s.perCall, this.budget);
    if (n > 0) {
      this.sendStreamAt.push(this.upEnd);
      this.sendOutboxAt.push(off);
    }
    if (n === 0) this.zeroSends++;
    else if (n < len) this.partialSends++;
    this.up.set(src.subarray(off, off + n), this.upEnd);
    this.upEnd += n;
    this.budget -= n;
    return n;
  }

  private recv(dst: Uint8Array, off: number, len: number): number {
    let n = 0;
    while (n < len && this.down.length > 0) {
      const chunk = this.down[0];
      const k = Math.min(chunk.length, len - n);
      dst.set(chunk.subarray(0, k), off + n);
      n += k;
      if (k === chunk.length) this.down.shift();
      else this.down[0] = chunk.subarray(k);
    }
    return n;
  }

  get brainNowMs(): number {
    return (this.nowMs + this.s.brainAheadMs) >>> 0;
  }

  /** Starts the agent and runs the handshake (CONNECT ... registered) until it is active. */
  handshake(): boolean {
    this.agent.start(this.nowMs);
    this.agent.handleTransportOpened(this.nowMs);
    for (let i = 0; i < 20 && this.agent.phase !== Phase.Active; i++) {
      this.brain();
      this.agent.tick(this.nowMs);
    }
    this.brain();
    return this.agent.phase === Phase.Active;
  }

  /**
   * One step: the brain may ask for statuses, the clock moves a tick, the transport gets this
   * step's budget, the agent ticks, the brain answers.
   */
  runStep(): void {
    const s = this.s;
    const r = s.statusRequests;
    if (r !== undefined && this.step > 0) {
      const n = (this.step % r.every === 0 ? 1 : 0) + (this.step % r.burstEvery === 0 ? r.burst : 0);
      for (let i = 0; i < n; i++) this.askStatus();
    }
    this.nowMs = (this.nowMs + (s.tickMs ?? 1000 / s.sensorHz)) >>> 0;
    this.budget = s.blocked !== null && this.step >= s.blocked[0] && this.step < s.blocked[1] ? 0 : s.perStep;
    this.agent.tick(this.nowMs);
    if (s.submitEvery !== undefined && this.step % s.submitEvery === 0) {
      // an event-driven frame between ticks: the host fills the arrays, then submits
      this.sample(this.nowMs, this.agent);
      const r = this.agent.submitSensorFrame(this.nowMs);
      if (r !== 0) this.problems.push(`submitSensorFrame: ${r}`);
    }
    this.brain();
    this.step++;
  }

  /** The transport takes everything from now on; one more tick flushes the outbox. */
  finish(): void {
    this.s.perCall = ALL;
    this.s.perStep = ALL;
    this.s.blocked = null;
    this.s.statusRequests = undefined;
    this.s.submitEvery = undefined;
    this.runStep();
  }

  /** A status-request at QoS 1 on the control downlink. */
  private askStatus(): void {
    const n = encodeStatusRequest(this.payload, 0);
    this.downPacketId = this.downPacketId === 0xffff ? 1 : this.downPacketId + 1;
    this.toAgent(encodePublish(this.out, 0, this.ctlDown, this.ctlDown.length, this.payload, 0, n, 1, this.downPacketId, false, false));
    this.statusAsked++;
  }

  /** Parses what the agent sent since the last call and answers it. */
  private brain(): void {
    const d = this.decoder;
    while (this.upParsed < this.upEnd) {
      const n = d.push(this.up, this.upParsed, this.upEnd - this.upParsed);
      if (n < 0) {
        this.problems.push(`push: ${n}`);
        return;
      }
      this.upParsed += n;
      for (let type = d.next(); type !== NEED_MORE; type = d.next()) {
        if (type < 0) {
          this.problems.push(`the stream does not parse: ${type} after ${this.packets} packets`);
          this.upParsed = this.upEnd;
          return;
        }
        this.packets++;
        if (type === PacketType.Connect) this.toAgent(encodeConnack(this.out, 0, false, 0));
        else if (type === PacketType.Subscribe) this.toAgent(encodeSuback(this.out, 0, d.packetId, [0]));
        else if (type === PacketType.Pingreq) this.toAgent(encodePingresp(this.out, 0));
        else if (type === PacketType.Puback) this.pubacks++;
        else if (type === PacketType.Publish) this.onPublish(d);
      }
    }
  }

  private onPublish(d: MqttServerDecoder): void {
    if (d.qos === 1) this.toAgent(encodePuback(this.out, 0, d.packetId));
    const topic = new TextDecoder().decode(d.buf.subarray(d.topicOff, d.topicOff + d.topicLen));
    const at = this.received.length;
    if (topic === SENSOR_TOPIC) {
      const f = this.frame;
      const n = decodeSensorFrame(d.buf, d.payloadOff, d.payloadLen, WIRE, f);
      if (n < 0) {
        this.problems.push(`sensor frame ${at} does not decode: ${n}`);
        return;
      }
      let bytes: Uint8Array[] | null = null;
      if (n === SENSOR_IDS.length && SENSOR_IDS.every((id, e) => f.channelId[e] === id)) {
        bytes = SENSOR_IDS.map((_, e) => d.buf.slice(f.payloadOff[e], f.payloadOff[e] + f.byteLen[e]));
      }
      const sample = bytes === null ? -1 : new Float32Array(bytes[0].slice().buffer)[0];
      this.received.push({ kind: "sensor", at, seq: f.seq, time: f.time, sample, bytes, streamAt: this.packetStreamAt(d) });
      return;
    }
    if (topic !== CONTROL_UP_TOPIC) {
      this.problems.push(`a PUBLISH on ${topic}`);
      return;
    }
    const m = this.msg;
    const type = decodeControl(d.buf, d.payloadOff, d.payloadLen, m);
    let n = -1;
    if (type === MsgType.Heartbeat) {
      this.received.push({ kind: "heartbeat", at, seq: m.seq, time: m.agentTime, sample: -1, bytes: null, streamAt: this.packetStreamAt(d) });
      n = encodeHeartbeatAck(this.payload, 0, m.seq, m.agentTime, this.brainNowMs);
    } else if (type === MsgType.Status) {
      this.statuses++;
    } else if (type === MsgType.Hello) {
      for (let i = 0; i < 16; i++) this.nonceA[i] = m.buf[m.nonceOff + i];
      computeBrainProof(this.hmac, KEY, this.nonceA, 0, this.nonceB, 0, this.proof, 0);
      n = encodeChallenge(this.payload, 0, this.nonceB, 0, this.nonceA, 0, this.proof, 0);
    } else if (type === MsgType.Proof) {
      computeSessionKey(this.hmac, KEY, this.nonceA, 0, this.nonceB, 0, this.sessionKey, 0);
      n = encodeRegistered(this.payload, 0, SESSION_ID, this.agent.status().generation, SENSOR_TOPIC, `bs/1/${AGENT_ID}/dn/mot`, 2048, 1000, this.s.heartbeatMs, 300, this.brainNowMs);
    } else {
      this.problems.push(`a control message of type ${type} on the uplink`);
    }
    if (n > 0) this.toAgent(encodePublish(this.out, 0, this.ctlDown, this.ctlDown.length, this.payload, 0, n, 0, 0, false, false));
  }

  /**
   * The stream position of the packet d returned last: the bytes not parsed yet (filled -
   * readOff) and the packet itself end the stream read so far (next() may have moved the
   * packet to the front, or emptied the reader after it).
   */
  private packetStreamAt(d: MqttServerDecoder): number {
    return this.upParsed - (d.filled - d.readOff) - (d.packetEnd - d.packetOff);
  }

  /** Where in the agent's outbox the byte at stream position p was sent from. */
  outboxAt(p: number): number {
    let lo = 0;
    let hi = this.sendStreamAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sendStreamAt[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return this.sendOutboxAt[lo] + (p - this.sendStreamAt[lo]);
  }

  private toAgent(n: number): void {
    if (n < 0) this.problems.push(`an answer did not encode: ${n}`);
    else this.down.push(this.out.slice(0, n));
  }

  /** The decoder holds no partial packet. */
  get streamComplete(): boolean {
    return this.decoder.readOff === this.decoder.filled && this.upParsed === this.upEnd;
  }
}

function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false;
    for (let k = 0; k < a[i].length; k++) if (a[i][k] !== b[i][k]) return false;
  }
  return true;
}

/** u32 head bytes (shortest CBOR form) of v: which width a value has. */
function width(v: number): number {
  return v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
}

for (const scenario of scenarios) {
  test(`kept sensor packet: ${scenario.name}`, (t) => {
    const s = { ...scenario };
    const bench = new Bench(s);
    t.true(bench.handshake(), `active after the handshake (phase ${bench.agent.phaseName})`);
    let inactiveSteps = 0;
    for (let i = 0; i < s.steps; i++) {
      bench.runStep();
      if (bench.agent.phase !== Phase.Active) inactiveSteps++;
    }
    bench.finish();
    const counters = bench.agent.counters;
    t.deepEqual(bench.problems, [], "no parse error, no unexpected message, no warning");
    t.is(inactiveSteps, 0, "the session stays active in every step");
    t.is(counters[Counter.LinkLosses], 0, "no link loss");
    t.true(bench.streamComplete, "the stream ends at a packet boundary, all of it parsed");

    // ---- sensor frames ----
    const frames = bench.received.filter((r) => r.kind === "sensor");
    const dropped = counters[Counter.SensorFramesDropped];
    t.is(frames.length, counters[Counter.SensorFramesSent], "every frame counted as sent arrives");
    t.is(frames.length + dropped, bench.samples.length, "every sample is a frame received or a frame counted as dropped");
    if (s.drops) t.true(dropped > 0, `frames are dropped while the outbox is full (${dropped})`);
    else t.is(dropped, 0, "no frame is dropped");
    const periodMs = Math.round(1000 / s.sensorHz);
    const tickMs = s.tickMs ?? 1000 / s.sensorHz;
    t.true(bench.samples.length >= Math.floor((s.steps * tickMs) / periodMs), `a sample every sensor period (${bench.samples.length} in ${s.steps} ticks of ${tickMs} ms)`);
    let badSeq = 0;
    let gaps = 0;
    let badSample = 0;
    let badValues = 0;
    let badTime = 0;
    let prevSample = -1;
    const firstBad: string[] = [];
    const note = (what: string): void => {
      if (firstBad.length < 5) firstBad.push(what);
    };
    frames.forEach((f, i) => {
      const prevSeq = i === 0 ? 0 : frames[i - 1].seq;
      if (f.seq !== prevSeq + 1) {
        if (f.seq > prevSeq + 1) gaps += f.seq - prevSeq - 1;
        else {
          badSeq++;
          note(`frame ${i}: seq ${f.seq} after ${prevSeq}`);
        }
      }
      const sample = bench.samples[f.sample];
      if (f.bytes === null || sample === undefined || f.sample <= prevSample) {
        badSample++;
        note(`frame ${i} (seq ${f.seq}): sample ${f.sample} after ${prevSample}`);
        return;
      }
      prevSample = f.sample;
      if (!sameBytes(f.bytes, sample.bytes)) {
        badValues++;
        note(`frame ${i} (seq ${f.seq}): values of sample ${f.sample}`);
      }
      if (f.time !== sample.brainMs) {
        badTime++;
        note(`frame ${i} (seq ${f.seq}): t ${f.time}, want ${sample.brainMs}`);
      }
    });
    t.is(badSeq, 0, `seq never repeats or goes back (${firstBad.join("; ")})`);
    t.true(gaps <= dropped, `seq skips only frames counted as dropped (skipped ${gaps}, dropped ${dropped})`);
    t.is(badSample, 0, `each frame is a later sample than the one before (${firstBad.join("; ")})`);
    t.is(badValues, 0, `each frame carries the values sampleSensors wrote for its tick (${firstBad.join("; ")})`);
    t.is(badTime, 0, `each frame carries its tick's brain time (${firstBad.join("; ")})`);
    t.is(frames.length > 0 ? frames[0].seq : -1, 1, "the first frame has seq 1");
    t.true(frames.some((f) => f.seq === 24) && frames.some((f) => f.seq === 256), "seq crosses 23 -> 24 and 255 -> 256");
    const widths = [...new Set(frames.map((f) => width(f.time)))].sort();
    t.deepEqual(widths, s.timeWidths, "the brain times take the CBOR widths the clocks give");

    // ---- the kept packet: refreshed in place while the transport keeps up ----
    let moves = 0;
    let widthChanges = 0;
    for (let i = 1; i < frames.length; i++) {
      if (bench.outboxAt(frames[i].streamAt) !== bench.outboxAt(frames[i - 1].streamAt)) moves++;
      if (width(frames[i].seq) !== width(frames[i - 1].seq) || width(frames[i].time) !== width(frames[i - 1].time)) widthChanges++;
    }
    if (s.refreshed) t.true(moves <= widthChanges, `frames leave from the kept packet's place but after a width change (${moves} moves, ${widthChanges} width changes)`);
    else t.true(moves > 0, `frames are written whole elsewhere while the outbox holds others (${moves} moves)`);

    // ---- heartbeats ----
    const beats = bench.received.filter((r) => r.kind === "heartbeat");
    t.is(beats.length, counters[Counter.HeartbeatsSent], "every heartbeat counted as sent arrives whole");
    t.true(beats.length >= Math.floor((s.steps * tickMs) / s.heartbeatMs), `heartbeats keep coming (${beats.length})`);
    t.true(beats.every((b, i) => b.seq === i + 1), "heartbeats arrive in order, none lost or repeated");
    t.is(counters[Counter.HeartbeatMisses], 0, "no heartbeat is missed");
    // a heartbeat and a sample in the same tick (the same agent time): the heartbeat goes first
    let sampledBeats = 0;
    let sameTick = 0;
    let late = 0;
    for (const b of beats) {
      const k = bench.samples.findIndex((x) => x.nowMs === b.time);
      if (k < 0) continue;
      sampledBeats++;
      const f = frames.find((x) => x.sample === k);
      if (f === undefined) continue; // dropped: counted above
      sameTick++;
      if (!(b.at < f.at)) late++;
    }
    t.true(sameTick >= sampledBeats - dropped, `the frames of heartbeat ticks arrive (${sameTick} of ${sampledBeats})`);
    if (tickMs === periodMs) t.true(sampledBeats >= beats.length - 1, `heartbeats fall in sample ticks (${sampledBeats} of ${beats.length})`);
    else t.true(sampledBeats > 0 && sampledBeats < beats.length, `heartbeats fall in sample ticks and between them (${sampledBeats} of ${beats.length})`);
    t.is(late, 0, `each heartbeat arrives before the sensor frame written in its tick (${sameTick} pairs)`);

    // ---- status requests (QoS 1 in, a PUBACK and a status out) ----
    t.is(bench.pubacks, bench.statusAsked, `a PUBACK for every status request (${bench.statusAsked})`);
    t.is(bench.statuses, bench.statusAsked, "a status for every status request");
    if (scenario.statusRequests !== undefined) t.true(bench.statusAsked > 50, `status requests were made (${bench.statusAsked})`);
    else t.is(bench.statusAsked, 0, "no status requests");

    t.log(`${frames.length} frames (${dropped} dropped), ${beats.length} heartbeats (${sameTick} beside a frame), ${bench.statusAsked} status requests; ` +
      `sends: ${bench.partialSends} partial, ${bench.zeroSends} empty; ${moves} moves, ${widthChanges} width changes`);

    // ---- the scenario exercised what it names (the scenario as given: finish() lifted its limits) ----
    if (scenario.perCall < ALL || scenario.perStep < ALL) t.true(bench.partialSends > 0, `sends took part of the outbox (${bench.partialSends})`);
    else t.is(bench.partialSends, 0, "every send took all it was given");
    if (scenario.blocked !== null || scenario.perStep < ALL) t.true(bench.zeroSends > 0, `sends took nothing for a while (${bench.zeroSends})`);
    else t.is(bench.zeroSends, 0, "no send took nothing");
  });
}
