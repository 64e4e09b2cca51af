/*
 * testkit/scripted-agent: a step-by-step agent for tests of the brain, built from the
 * firmware's own codecs (src/protocol, src/codec/frames, src/codec/crypto) over MQTT.js.
 *
 * Theory of operation: unlike the real agent (src/agent + a host), nothing here runs by
 * itself: a test calls `sendHello`, awaits `nextControl(MsgType.Challenge)`, and so on, or
 * uses `register()` for the whole handshake. Every inbound message is queued per kind
 * (control / motor) and taken in order by `next...` with a timeout, so tests never sleep on
 * guesses. Control messages are decoded with src/protocol/decode.ts into plain snapshots;
 * motor frames are decoded with src/codec/frames/motor.ts and their MAC verified with the
 * session key the agent derived itself (src/protocol/auth.ts). `kill()` drops the TCP
 * connection without DISCONNECT, so the broker publishes the Last Will (death, generation).
 * Test use only: it allocates freely.
 */
import mqtt, { type MqttClient } from "mqtt";
import { randomBytes } from "node:crypto";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { byteView, ChannelKind, ChannelTable, ElementType, type ChannelSpec } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { decodeMotorFrame, MotorFrame, verifyMotorMac } from "../src/codec/frames/motor";
import { encodeSensorFrame } from "../src/codec/frames/sensor";
import { viewEntry, type TypedArray } from "../src/codec/frames/view";
import { computeAgentProof, computeSessionKey, verifyBrainProof } from "../src/protocol/auth";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import { encodeDeath, encodeDeregister, encodeHeartbeat, encodeHello, encodeProof, encodeStatus } from "../src/protocol/encode";
import { clientIdFor, TopicKind, topicFor } from "../src/protocol/topics";
import { MsgType, NONCE_BYTES, PROOF_BYTES } from "../src/protocol/wire";
import type { ChannelLabel } from "../src/protocol/channel-labels";

/** The reference channel table: sensors 0 (16 x f32: [0] = distance m), 1 (8 x i16: [0] = yaw), motors 10 (2 x f32 wheels), 11 (2 x u8 head). */
export const DEMO_CHANNELS: readonly ChannelSpec[] = [
  { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 16, rateHz: 100 },
  { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.I16, count: 8, rateHz: 100 },
  { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 100 },
  { id: 11, kind: ChannelKind.Motor, elementType: ElementType.U8, count: 2, rateHz: 100 },
];

/** Names of DEMO_CHANNELS, sent in the hello's `cn`. */
export const DEMO_LABELS: readonly ChannelLabel[] = [{ name: "distance", unit: "m" }, { name: "imu" }, { name: "wheels" }, { name: "head" }];

export interface ScriptedAgentOptions {
  url: string;
  agentId: string;
  key: Uint8Array;
  generation?: number;
  channels?: readonly ChannelSpec[];
  /** Channel names for the hello (default DEMO_LABELS with the default channels, none otherwise); null sends none, as protocol 1.0 firmware. */
  labels?: readonly ChannelLabel[] | null;
  maxFrameBytes?: number;
  firmware?: string;
  /** Register a Last Will (death with `generation`); default true. */
  will?: boolean;
}

/** A decoded control message, as plain data. */
export interface ControlSnapshot {
  type: number;
  present: number;
  raw: Buffer;
  sessionId: number;
  generation: number;
  seq: number;
  agentTime: number;
  brainTime: number;
  reason: number;
  retryAfterMs: number;
  drainDeadlineMs: number;
  maxFrameBytes: number;
  maxSensorHz: number;
  heartbeatMs: number;
  motorDeadlineMs: number;
  sensorTopic: string;
  motorTopic: string;
  text: string;
  nonce: Buffer;
  agentNonce: Buffer;
  proof: Buffer;
}

/** A decoded motor frame. */
export interface MotorSnapshot {
  raw: Buffer;
  /** decodeMotorFrame's result: entry count (>= 1) or an Err code. */
  decoded: number;
  /** verifyMotorMac's result: 0 or an Err code. */
  mac: number;
  seq: number;
  deadline: number;
  values: Map<number, TypedArray>;
}

interface Waiter {
  resolve(b: Buffer): void;
}

class Inbox {
  private readonly items: Buffer[] = [];
  private readonly waiters: Waiter[] = [];
  push(b: Buffer): void {
    const w = this.waiters.shift();
    if (w !== undefined) w.resolve(b);
    else this.items.push(b);
  }
  take(timeoutMs: number, what: string): Promise<Buffer> {
    const b = this.items.shift();
    if (b !== undefined) return Promise.resolve(b);
    return new Promise<Buffer>((resolve, reject) => {
      const w: Waiter = {
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`scripted agent: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  get pending(): number {
    return this.items.length;
  }
}

function text(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.subarray(off, off + len)).toString("utf8");
}

/** Decodes one control message with src/protocol/decode.ts; throws on a decode error. */
export function readControl(payload: Uint8Array): ControlSnapshot {
  const m = new ControlMessage();
  const t = decodeControl(payload, 0, payload.length, m);
  if (t < 0) throw new Error(`control message does not decode: ${t}`);
  const b = m.buf;
  return {
    type: t,
    present: m.present,
    raw: Buffer.from(payload),
    sessionId: m.sessionId,
    generation: m.generation,
    seq: m.seq,
    agentTime: m.agentTime,
    brainTime: m.brainTime,
    reason: m.reason,
    retryAfterMs: m.retryAfterMs,
    drainDeadlineMs: m.drainDeadlineMs,
    maxFrameBytes: m.maxFrameBytes,
    maxSensorHz: m.maxSensorHz,
    heartbeatMs: m.heartbeatMs,
    motorDeadlineMs: m.motorDeadlineMs,
    sensorTopic: text(b, m.sensorTopicOff, m.sensorTopicLen),
    motorTopic: text(b, m.motorTopicOff, m.motorTopicLen),
    text: text(b, m.textOff, m.textLen),
    nonce: Buffer.from(b.subarray(m.nonceOff, m.nonceOff + NONCE_BYTES)),
    agentNonce: Buffer.from(b.subarray(m.agentNonceOff, m.agentNonceOff + NONCE_BYTES)),
    proof: Buffer.from(b.subarray(m.proofOff, m.proofOff + PROOF_BYTES)),
  };
}

export class ScriptedAgent {
  readonly agentId: string;
  readonly key: Uint8Array;
  readonly generation: number;
  readonly table: ChannelTable;
  readonly client: MqttClient;
  readonly upCtl: string;
  readonly dnCtl: string;
  /** From the last `registered`. */
  sessionId = 0;
  sensorTopic = "";
  motorTopic = "";
  /** False when the last challenge's brain proof did not verify with our key. */
  brainProven = false;
  private readonly control = new Inbox();
  private readonly motor = new Inbox();
  private readonly hmac = new SoftHmacSha256();
  private readonly macHmac = new SoftHmacSha256();
  private readonly agentNonce = new Uint8Array(NONCE_BYTES);
  private readonly brainNonce = new Uint8Array(NONCE_BYTES);
  private readonly scratch = new Uint8Array(8192);
  private readonly opts: ScriptedAgentOptions;
  private motorFrame: MotorFrame;

  private constructor(opts: ScriptedAgentOptions, client: MqttClient) {
    this.opts = opts;
    this.agentId = opts.agentId;
    this.key = opts.key;
    this.generation = opts.generation ?? 1;
    this.table = new ChannelTable(opts.channels ?? DEMO_CHANNELS);
    this.motorFrame = new MotorFrame(this.table.size, opts.maxFrameBytes ?? 4096);
    this.client = client;
    this.upCtl = topicFor(opts.agentId, TopicKind.UpCtl);
    this.dnCtl = topicFor(opts.agentId, TopicKind.DnCtl);
    client.on("message", (topic, payload) => {
      if (topic === this.dnCtl) this.control.push(payload);
      else if (topic === this.motorTopic) this.motor.push(payload);
    });
  }

  /** Connects as client id bs-<id> (with the Will) and subscribes to the downward control topic. */
  static async connect(opts: ScriptedAgentOptions): Promise<ScriptedAgent> {
    const generation = opts.generation ?? 1;
    const will = new Uint8Array(16);
    const wl = encodeDeath(will, 0, generation);
    const client = await mqtt.connectAsync(opts.url, {
      clientId: clientIdFor(opts.agentId),
      clean: true,
      protocolVersion: 4,
      username: opts.agentId,
      keepalive: 30,
      reconnectPeriod: 0,
      will: opts.will === false ? undefined : { topic: topicFor(opts.agentId, TopicKind.UpCtl), payload: Buffer.from(will.subarray(0, wl)), qos: 1, retain: false },
    });
    const agent = new ScriptedAgent(opts, client);
    await client.subscribeAsync(agent.dnCtl, { qos: 1 });
    return agent;
  }

  /** Publishes raw bytes on the agent's upward control topic. */
  async publishControl(bytes: Uint8Array, qos: 0 | 1 = 1): Promise<void> {
    await this.client.publishAsync(this.upCtl, Buffer.from(bytes), { qos });
  }

  private async sendScratch(len: number, qos: 0 | 1): Promise<void> {
    if (len < 0) throw new Error(`scripted agent: encoding failed (${len})`);
    await this.publishControl(this.scratch.subarray(0, len), qos);
  }

  /** hello with a fresh nonce. */
  async sendHello(overrides: { version?: number; agentId?: string } = {}): Promise<void> {
    this.agentNonce.set(randomBytes(NONCE_BYTES));
    const len = encodeHello(this.scratch, 0, this.opts.firmware ?? "scripted-1", overrides.agentId ?? this.agentId, this.generation, this.agentNonce, 0, this.opts.maxFrameBytes ?? 4096, this.table, this.opts.labels !== undefined ? this.opts.labels : this.opts.channels === undefined ? DEMO_LABELS : null);
    if (len < 0) throw new Error(`scripted agent: encodeHello failed (${len})`);
    if (overrides.version !== undefined) {
      // "v" is the second pair: map head, "t", 1, "v", <version> (RFC 8949 §3.1: a uint < 24 is one byte)
      if (this.scratch[4] !== 0x61 || this.scratch[5] !== 0x76 || overrides.version > 23) throw new Error("scripted agent: cannot patch the version");
      this.scratch[6] = overrides.version;
    }
    await this.sendScratch(len, 1);
  }

  /** Answers a challenge: checks the brain proof and our nonce echo, then sends our proof. */
  async answerChallenge(ch: ControlSnapshot): Promise<void> {
    if (!ch.agentNonce.equals(Buffer.from(this.agentNonce))) throw new Error("scripted agent: challenge does not echo our nonce");
    this.brainNonce.set(ch.nonce);
    const scratch32 = new Uint8Array(32);
    this.brainProven = verifyBrainProof(this.hmac, this.key, this.agentNonce, 0, this.brainNonce, 0, ch.proof, 0, scratch32) === 0;
    const proof = new Uint8Array(PROOF_BYTES);
    computeAgentProof(this.hmac, this.key, this.agentNonce, 0, this.brainNonce, 0, proof, 0);
    await this.sendScratch(encodeProof(this.scratch, 0, proof, 0), 1);
  }

  /** Derives the session key and subscribes to the motor topic of a `registered`. */
  async accept(reg: ControlSnapshot): Promise<void> {
    const sk = new Uint8Array(32);
    computeSessionKey(this.hmac, this.key, this.agentNonce, 0, this.brainNonce, 0, sk, 0);
    this.macHmac.setKey(sk, 0, sk.length);
    this.sessionId = reg.sessionId;
    this.sensorTopic = reg.sensorTopic;
    this.motorTopic = reg.motorTopic;
    this.motorFrame = new MotorFrame(this.table.size, reg.maxFrameBytes);
    await this.client.subscribeAsync(reg.motorTopic, { qos: 0 });
  }

  /** The whole handshake: hello, challenge, proof, registered, motor subscription. */
  async register(timeoutMs = 5000): Promise<ControlSnapshot> {
    await this.sendHello();
    const ch = await this.nextControl(timeoutMs, MsgType.Challenge);
    await this.answerChallenge(ch);
    if (!this.brainProven) throw new Error("scripted agent: the brain's proof does not verify");
    const reg = await this.nextControl(timeoutMs, MsgType.Registered);
    await this.accept(reg);
    return reg;
  }

  /** The next control message (optionally of one type: others are skipped). */
  async nextControl(timeoutMs = 3000, type?: number): Promise<ControlSnapshot> {
    for (;;) {
      const m = readControl(await this.control.take(timeoutMs, type === undefined ? "control message" : `control message of type ${type}`));
      if (type === undefined || m.type === type) return m;
    }
  }

  /** Control messages queued and not yet taken. */
  get pendingControl(): number {
    return this.control.pending;
  }

  async sendHeartbeat(seq: number, agentTimeMs: number, rttMs: number): Promise<void> {
    await this.sendScratch(encodeHeartbeat(this.scratch, 0, seq, agentTimeMs, rttMs), 0);
  }

  async sendStatus(phase: number, rttMs: number, offsetMs: number, counters: ArrayLike<number>, lastReason: number): Promise<void> {
    await this.sendScratch(encodeStatus(this.scratch, 0, phase, this.generation, rttMs, offsetMs, counters, counters.length, lastReason), 0);
  }

  async sendDeregister(reason: number): Promise<void> {
    await this.sendScratch(encodeDeregister(this.scratch, 0, reason), 1);
  }

  /** A death notice as if it were a Will (any generation). */
  async sendDeath(generation: number): Promise<void> {
    await this.sendScratch(encodeDeath(this.scratch, 0, generation), 1);
  }

  /** Encodes a sensor frame from (id, typed array) pairs with src/codec/frames/sensor.ts. */
  encodeSensor(seq: number, timeMs: number, values: [number, ArrayBufferView][]): Buffer {
    const entries = new FrameEntries(this.table, ChannelKind.Sensor);
    for (const [id, v] of values) {
      const e = entries.add(id, byteView(v));
      if (e < 0) throw new Error(`scripted agent: channel ${id} does not fit (${e})`);
    }
    const len = encodeSensorFrame(this.scratch, 0, seq >>> 0, timeMs >>> 0, entries);
    if (len < 0) throw new Error(`scripted agent: encodeSensorFrame failed (${len})`);
    return Buffer.from(this.scratch.subarray(0, len));
  }

  async sendSensor(seq: number, timeMs: number, values: [number, ArrayBufferView][]): Promise<void> {
    await this.client.publishAsync(this.sensorTopic, this.encodeSensor(seq, timeMs, values), { qos: 0 });
  }

  /** Publishes raw bytes on the sensor topic. */
  async sendSensorBytes(bytes: Uint8Array): Promise<void> {
    await this.client.publishAsync(this.sensorTopic, Buffer.from(bytes), { qos: 0 });
  }

  /** Decodes and verifies a motor frame for the current session. */
  readMotor(payload: Buffer): MotorSnapshot {
    // A plain Uint8Array copy: viewEntry's unaligned-copy path calls buf.slice(), which on a
    // Node Buffer is a view into the pooled ArrayBuffer, not a copy.
    const raw = new Uint8Array(payload);
    const out = this.motorFrame;
    const decoded = decodeMotorFrame(raw, 0, raw.length, this.table, out);
    const values = new Map<number, TypedArray>();
    let mac = decoded;
    if (decoded > 0) {
      for (let i = 0; i < out.count; i++) values.set(out.channelId[i], viewEntry(out, i)!.slice() as TypedArray);
      mac = verifyMotorMac(raw, 0, out, this.sessionId, this.macHmac);
    }
    return { raw: Buffer.from(raw), decoded, mac, seq: out.seq, deadline: out.deadline, values };
  }

  async nextMotor(timeoutMs = 3000): Promise<MotorSnapshot> {
    return this.readMotor(await this.motor.take(timeoutMs, "motor frame"));
  }

  get pendingMotor(): number {
    return this.motor.pending;
  }

  /** Drops the TCP connection without DISCONNECT: the broker publishes the Will. */
  kill(): void {
    this.client.stream.destroy();
    this.client.end(true);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
