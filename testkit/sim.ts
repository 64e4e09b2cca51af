/*
 * sim: a whole brainstem world in memory, on a simulated clock, for scenario and property tests.
 *
 * Theory of operation: no sockets, no timers, no Node. The world holds
 *   - the real Agent (src/), given a simulated `{ transport, io, platform }` (AgentHost);
 *   - a FakeBroker that speaks real MQTT 3.1.1 bytes (our codec) with the agent, delivers
 *     with a configurable latency, and can go down, cut the link, black-hole it or drop bytes;
 *   - a ScriptedBrain that does the real protocol (mutual auth, registration, heartbeat acks,
 *     motor frames signed with the session key) and obeys knobs (reject, wrong key, drop
 *     acks, missing endpoint, drain, deregister, replay a motor frame...).
 * Time is an integer `t` (ms since the world started); the agent sees (epochMs + t) >>> 0, so a
 * world can start just before the u32 wrap. `run(ms)` jumps from deadline to deadline (the
 * agent's nextDeadline and the world's own events) and fails on a livelock (step cap).
 * Everything here is engine-agnostic: the scenario suite runs on V8 and on XS.
 */
import { Agent, type AgentHost } from "../src/agent/agent";
import type { AgentConfigInput } from "../src/agent/config";
import type { TypedArray } from "../src/agent/channels";
import { utf8Bytes, readUtf8, bytesEqual } from "../src/codec/bytes";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { ChannelKind, ChannelTable as WireTable, byteView } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { encodeMotorFrame } from "../src/codec/frames/motor";
import { SensorFrame, decodeSensorFrame } from "../src/codec/frames/sensor";
import { PacketType } from "../src/codec/mqtt/constants";
import { encodePublish, encodePuback } from "../src/codec/mqtt/publish";
import { Err } from "../src/errors";
import { computeBrainProof, computeSessionKey, verifyAgentProof } from "../src/protocol/auth";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import {
  encodeChallenge, encodeDeregistered, encodeDrain, encodeHeartbeatAck, encodeRegistered, encodeRejected, encodeStatusRequest,
} from "../src/protocol/encode";
import { MsgType } from "../src/protocol/wire";
import { Phase } from "../src/session/automaton";
import { reached } from "../src/session/clock";
import { MqttServerDecoder, encodeConnack, encodePingresp, encodeSuback } from "./mqtt-server-codec";
import { ByteQueue } from "./byte-queue";
import { Prng } from "./prng";

export const SIM_KEY = utf8Bytes("brainstem-sim-device-key-0123456");

/** The reference channel table: 16 float32 + 8 int16 sensors, two float32 wheel motors. */
export function simConfig(overrides: Partial<AgentConfigInput> = {}): AgentConfigInput {
  return {
    agentId: "sim1",
    key: SIM_KEY,
    brokerHost: "broker.sim",
    brokerPort: 1883,
    channels: [
      { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
      { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
      { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
    ],
    ...overrides,
    session: { sensorRateHz: 20, heartbeatIntervalMs: 500, linkSilenceMs: 4000, ...(overrides.session ?? {}) },
  };
}

interface Timed {
  at: number;
  seq: number;
  run: () => void;
}

/** The brain's knobs; scenarios flip them mid-run. */
export interface BrainScript {
  key: Uint8Array;
  rejectReason: number; // 0 = accept; else a RejectReason sent instead of challenge/registered
  rejectAtProof: boolean; // reject after the proof instead of at hello
  retryAfterMs: number;
  badBrainProof: boolean;
  replayOldChallenge: boolean;
  omitMotorTopic: boolean;
  ackHeartbeats: boolean;
  heartbeatMs: number;
  motorDeadlineMs: number;
  maxSensorHz: number;
  motorPerSensor: boolean;
  motorTtlMs: number;
  silent: boolean; // the brain answers nothing at all (crashed process, broker still up)
  brainClockOffsetMs: number;
}

export function defaultScript(): BrainScript {
  return {
    key: SIM_KEY, rejectReason: 0, rejectAtProof: false, retryAfterMs: 0, badBrainProof: false, replayOldChallenge: false,
    omitMotorTopic: false, ackHeartbeats: true, heartbeatMs: 500, motorDeadlineMs: 300, maxSensorHz: 50,
    motorPerSensor: true, motorTtlMs: 250, silent: false, brainClockOffsetMs: 123_456,
  };
}

export class SimWorld {
  t = 0;
  epochMs: number;
  readonly rng: Prng;
  readonly agent: Agent;
  readonly script: BrainScript = defaultScript();
  /** Log lines the agent emitted ([t, level, code, message]). */
  readonly logs: [number, number, number, string][] = [];
  // link state
  latencyMs = 2;
  /** False: the broker's process is down, its host refuses connects (PEER_REFUSED). */
  brokerUp = true;
  /** Non-zero: the network is down; every open fails after the latency with this code (Err.NET_*). */
  networkFault = 0;
  /** The network drops connects silently: an open never completes (the session times it out). */
  connectHangs = false;
  /** "host:port" entries whose host refuses connects (a broker list with dead entries). */
  refusedBrokers: string[] = [];
  blackHole = false; // accept bytes, deliver nothing either way (half-open)
  dropBytesProbability = 0;
  private linkId = 0; // the agent's end of the link; 0 = none
  private brokerLinkId = 0; // the broker's end; lags the agent's by the latency when the agent closes
  private linkCounter = 0;
  /** send() returns 0 (would block) while set: the outbox fills up. */
  stalled = false;
  /** The broker does not PUBACK while set. */
  withholdPuback = false;
  private readonly withheld: number[] = [];
  private readonly toAgent = new ByteQueue();
  private pendingOpen = false;
  private readonly queue: Timed[] = [];
  private queueSeq = 0;
  // observations
  motorsSafe = true;
  readonly applied: { t: number; session: number; seq: number }[] = [];
  networkRestarts = 0;
  reboots = 0;
  /** Every open the agent asked for: when, and which broker. */
  readonly opens: { t: number; broker: string }[] = [];
  sensorFramesAtBrain = 0;
  /** Agent-clock instants (ms) of every sensor sample the agent took. */
  readonly sampleTimes: number[] = [];
  /** Control messages the brain received, by type, with the agent phase at arrival. */
  readonly received: { t: number; type: number; phase: number; channels: number; counters: number }[] = [];
  readonly deaths: number[] = []; // generations of Will messages the broker published
  // broker + brain
  private readonly brokerDecoder = new MqttServerDecoder(4096);
  private readonly out = new Uint8Array(8192);
  private readonly scratch = new Uint8Array(4096);
  private willPayload: Uint8Array | null = null;
  private cleanDisconnect = false;
  private readonly msg = new ControlMessage();
  private readonly hmac = new SoftHmacSha256();
  private readonly macHmac = new SoftHmacSha256();
  private readonly scratch32 = new Uint8Array(32);
  private readonly agentNonce = new Uint8Array(16);
  private readonly brainNonce = new Uint8Array(16);
  private lastChallenge: Uint8Array | null = null;
  private readonly wire: WireTable;
  private readonly motorEntries: FrameEntries;
  private readonly motorValues = new Float32Array(2);
  private readonly sensorFrame = new SensorFrame(8, 4096);
  sessionId = 1000;
  brainSessionActive = false;
  motorSeq = 0;
  lastMotorFrame: Uint8Array | null = null;
  private sensorTopic = "";
  private motorTopic = "";

  constructor(config: AgentConfigInput = simConfig(), options: { seed?: number; epochMs?: number } = {}) {
    this.rng = new Prng(options.seed ?? 1);
    this.epochMs = options.epochMs ?? 1_000_000;
    this.agent = new Agent(config, this.makeHost());
    this.wire = new WireTable([{ id: 10, kind: ChannelKind.Motor, elementType: 85, count: 2, rateHz: 0 },
      { id: 0, kind: ChannelKind.Sensor, elementType: 85, count: 16, rateHz: 0 },
      { id: 1, kind: ChannelKind.Sensor, elementType: 77, count: 8, rateHz: 0 }]);
    this.motorEntries = new FrameEntries(this.wire, ChannelKind.Motor, 1);
    this.motorEntries.add(10, byteView(this.motorValues));
    this.macHmac.setKey(new Uint8Array(32), 0, 32); // no session yet: frames signed with a key nobody holds
  }

  get now(): number {
    return (this.epochMs + this.t) >>> 0;
  }

  private motorSubscribedLink = -1;

  /** True when the broker holds a motor-topic subscription on the agent's current link. */
  motorSubscribedOnCurrentLink(): boolean {
    return this.linkId !== 0 && this.motorSubscribedLink === this.linkId;
  }

  get linkUp(): boolean {
    return this.linkId !== 0;
  }

  /** Sends the PUBACKs the broker withheld while `withholdPuback` was set. */
  releasePubacks(): void {
    this.withholdPuback = false;
    for (const id of this.withheld.splice(0)) this.toAgentBytes(encodePuback(this.out, 0, id));
  }

  get phase(): number {
    return this.agent.phase;
  }

  /** Per-step hook (scenarios install the invariant checks here). */
  onStep: (() => void) | null = null;

  /**
   * Runs until t + ms (or until `until()` holds after a step), jumping between deadlines.
   * Throws on a livelock (more than maxSteps steps).
   */
  run(ms: number, maxSteps = 200_000, until?: () => boolean): void {
    const end = this.t + ms;
    let steps = 0;
    while (this.t < end) {
      if (until && until()) return;
      if (++steps > maxSteps) throw new Error(`livelock: more than ${maxSteps} steps in ${ms} ms (phase ${this.agent.phaseName})`);
      const agentDue = this.t + Math.max(0, (this.agent.nextDeadline() - this.now) | 0);
      const eventDue = this.queue.length > 0 ? this.queue[0].at : Infinity;
      this.t = Math.min(agentDue, eventDue, end);
      while (this.queue.length > 0 && this.queue[0].at <= this.t) this.queue.shift()!.run();
      this.agent.tick(this.now);
      if (this.onStep) this.onStep();
    }
  }

  /** Runs until pred() or ms elapse; returns the time it took, or -1. */
  runUntil(pred: () => boolean, ms: number): number {
    const start = this.t;
    this.run(ms, 1_000_000, pred);
    return pred() ? this.t - start : -1;
  }

  at(delayMs: number, run: () => void): void {
    this.queue.push({ at: this.t + delayMs, seq: this.queueSeq++, run });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  // ------------------------------------------------------------ faults

  /** Cuts the TCP link: both ends see it close (the broker publishes the Will). */
  cutLink(): void {
    if (this.linkId === 0) return;
    this.dropLink(true);
    this.agent.handleTransportClosed(this.now, Err.TransportClosed);
  }

  /** Broker process dies: link cut, no Will (the broker is gone), refuses connects until up. */
  brokerCrash(downMs: number): void {
    this.brokerUp = false;
    if (this.linkId !== 0) {
      this.dropLink(false);
      this.agent.handleTransportClosed(this.now, Err.TransportClosed);
    }
    this.at(downMs, () => (this.brokerUp = true));
  }

  /** The brain restarts: it forgets the session (a fresh process), the broker stays up. */
  brainRestart(downMs: number): void {
    this.brainSessionActive = false;
    this.script.silent = true;
    this.at(downMs, () => (this.script.silent = false));
  }

  /** Sends a control message from the brain now (drain, deregistered, status request, garbage). */
  brainSays(payload: Uint8Array): void {
    this.publishToAgent("bs/1/sim1/dn/ctl", payload, 0);
  }

  drain(reason: number, retryAfterMs: number, deadlineMs: number): void {
    const n = encodeDrain(this.scratch, 0, reason, retryAfterMs, deadlineMs);
    this.brainSays(this.scratch.slice(0, n));
  }

  deregister(reason = 2): void {
    this.brainSessionActive = false;
    const n = encodeDeregistered(this.scratch, 0, reason);
    this.brainSays(this.scratch.slice(0, n));
  }

  requestStatus(): void {
    const n = encodeStatusRequest(this.scratch, 0);
    this.brainSays(this.scratch.slice(0, n));
  }

  /** Sends raw bytes on the motor topic (garbage, a replayed frame...). */
  motorRaw(payload: Uint8Array): void {
    this.publishToAgent(this.motorTopic || "bs/1/sim1/dn/mot", payload, 0);
  }

  /** One motor frame signed for the current session (not sent). */
  motorFrame(seq: number, deadlineBrainMs: number, value = seq): Uint8Array {
    this.motorValues[0] = value;
    this.motorValues[1] = -value;
    const n = encodeMotorFrame(this.scratch, 0, seq >>> 0, deadlineBrainMs >>> 0, this.motorEntries, this.sessionId, this.macHmac, this.scratch32);
    return this.scratch.slice(0, n);
  }

  /** Sends one signed motor frame now with the given seq and brain-time deadline. */
  sendMotor(seq: number, deadlineBrainMs: number, value = seq): Uint8Array {
    const frame = this.motorFrame(seq, deadlineBrainMs, value);
    this.motorRaw(frame);
    return frame;
  }

  brainNow(): number {
    return (this.now + this.script.brainClockOffsetMs) >>> 0;
  }

  // ------------------------------------------------------------ host

  private makeHost(): AgentHost {
    return {
      transport: {
        open: (host: string, port: number) => {
          const broker = `${host}:${port}`;
          this.opens.push({ t: this.t, broker });
          this.pendingOpen = true;
          const id = ++this.linkCounter;
          this.at(this.latencyMs, () => {
            if (!this.pendingOpen) return;
            this.pendingOpen = false;
            if (this.connectHangs) return;
            if (this.networkFault !== 0) return this.agent.handleTransportClosed(this.now, this.networkFault);
            if (!this.brokerUp || this.refusedBrokers.includes(broker)) return this.agent.handleTransportClosed(this.now, Err.PeerRefused);
            this.linkId = id;
            this.brokerLinkId = id;
            this.toAgent.clear();
            this.withheld.length = 0;
            this.brokerDecoder.reset();
            this.willPayload = null;
            this.cleanDisconnect = false;
            this.agent.handleTransportOpened(this.now);
          });
        },
        close: () => {
          this.pendingOpen = false;
          const id = this.linkId;
          if (id === 0) return;
          this.linkId = 0; // the FIN travels behind the bytes already sent (a DISCONNECT, say)
          this.toAgent.clear();
          this.at(this.latencyMs, () => {
            if (this.brokerLinkId === id) this.dropLink(!this.cleanDisconnect);
          });
        },
        send: (src, off, len) => {
          if (this.linkId === 0) return -1;
          if (this.stalled) return 0;
          if (this.blackHole) return len;
          const bytes = src.slice(off, off + len);
          const id = this.linkId;
          this.at(this.latencyMs, () => {
            if (this.brokerLinkId === id) this.brokerReceive(bytes);
          });
          return len;
        },
        recv: (dst, off, len) => {
          if (this.linkId === 0) return this.pendingOpen ? 0 : -1;
          return this.toAgent.read(dst, off, len);
        },
      },
      io: {
        sampleSensors: (_nowMs, sensors) => {
          this.sampleTimes.push(this.now);
          const a = sensors.sensorArray(0);
          for (let i = 0; i < a.length; i++) a[i] = Math.sin(this.t / 100 + i);
        },
        applyMotor: (_id: number, values: TypedArray) => {
          this.motorsSafe = false;
          this.applied.push({ t: this.t, session: this.agent.status().sessionId, seq: values[0] });
        },
        motorsSafe: () => {
          this.motorsSafe = true;
        },
      },
      platform: {
        random: (dst) => {
          this.rng.fill(dst);
        },
        log: (level, code, message) => {
          this.logs.push([this.t, level, code, message]);
        },
        restartNetwork: () => {
          this.networkRestarts++;
        },
        reboot: () => {
          this.reboots++;
        },
      },
    };
  }

  private dropLink(publishWill: boolean): void {
    if (publishWill && this.willPayload && this.brokerUp) {
      const n = decodeControl(this.willPayload, 0, this.willPayload.length, this.msg);
      if (n === MsgType.Death) this.deaths.push(this.msg.generation);
    }
    this.linkId = 0;
    this.brokerLinkId = 0;
    this.toAgent.clear();
    this.brainSessionActive = false;
  }

  private toAgentBytes(n: number): void {
    if (n < 0) throw new Error(`sim encode failed: ${n}`);
    if (this.blackHole || this.brokerLinkId === 0) return;
    let bytes = this.out.slice(0, n);
    if (this.dropBytesProbability > 0 && this.rng.chance(this.dropBytesProbability)) bytes = bytes.subarray(0, this.rng.int(0, n - 1));
    const id = this.linkId;
    this.at(this.latencyMs, () => {
      if (this.linkId === id) this.toAgent.push(bytes);
    });
  }

  private publishToAgent(topic: string, payload: Uint8Array, qos: 0 | 1): void {
    const t = utf8Bytes(topic);
    this.toAgentBytes(encodePublish(this.out, 0, t, t.length, payload, 0, payload.length, qos, qos ? 7 : 0, false, false));
  }

  // ------------------------------------------------------------ broker

  private brokerReceive(bytes: Uint8Array): void {
    const d = this.brokerDecoder;
    let off = 0;
    while (off < bytes.length) {
      off += d.push(bytes, off, bytes.length - off);
      for (;;) {
        const type = d.next();
        if (type === 0) break;
        if (type < 0) throw new Error(`broker: agent sent a malformed packet (${type})`);
        this.brokerPacket(type, d);
        if (this.brokerLinkId === 0) return;
      }
    }
  }

  private brokerPacket(type: number, d: MqttServerDecoder): void {
    switch (type) {
      case PacketType.Connect:
        this.willPayload = d.hasWill ? d.buf.slice(d.willPayloadOff, d.willPayloadOff + d.willPayloadLen) : null;
        return this.toAgentBytes(encodeConnack(this.out, 0, false, 0));
      case PacketType.Subscribe:
        d.filterAt(d.payloadOff);
        if (readUtf8(d.buf, d.filterOff, d.filterOff + d.filterLen).endsWith("/dn/mot")) this.motorSubscribedLink = this.brokerLinkId;
        return this.toAgentBytes(encodeSuback(this.out, 0, d.packetId, [d.filterQos]));
      case PacketType.Pingreq:
        return this.toAgentBytes(encodePingresp(this.out, 0));
      case PacketType.Disconnect:
        this.cleanDisconnect = true;
        return;
      case PacketType.Publish: {
        if (d.qos === 1 && this.withholdPuback) this.withheld.push(d.packetId);
        else if (d.qos === 1) this.toAgentBytes(encodePuback(this.out, 0, d.packetId));
        const topic = readUtf8(d.buf, d.topicOff, d.topicOff + d.topicLen);
        const payload = d.buf.slice(d.payloadOff, d.payloadOff + d.payloadLen);
        if (!this.script.silent) this.at(0, () => this.brain(topic, payload));
        return;
      }
    }
  }

  // ------------------------------------------------------------ brain

  private brain(topic: string, payload: Uint8Array): void {
    const s = this.script;
    if (topic === this.sensorTopic && this.sensorTopic !== "") {
      if (decodeSensorFrame(payload, 0, payload.length, this.wire, this.sensorFrame) > 0) {
        this.sensorFramesAtBrain++;
        if (s.motorPerSensor && this.brainSessionActive) {
          this.motorSeq++;
          this.lastMotorFrame = this.sendMotor(this.motorSeq, this.brainNow() + s.motorTtlMs);
        }
      }
      return;
    }
    if (!topic.endsWith("/up/ctl")) return;
    const type = decodeControl(payload, 0, payload.length, this.msg);
    const m = this.msg;
    this.received.push({ t: this.t, type, phase: this.agent.phase, channels: m.channelCount, counters: type === MsgType.Status ? m.counterCount : 0 });
    const out = this.scratch;
    let n = -1;
    switch (type) {
      case MsgType.Hello: {
        if (s.rejectReason !== 0 && !s.rejectAtProof) {
          n = encodeRejected(out, 0, s.rejectReason, "scripted rejection", s.retryAfterMs);
          break;
        }
        this.agentNonce.set(payload.subarray(m.nonceOff, m.nonceOff + 16));
        if (s.replayOldChallenge && this.lastChallenge) {
          this.brainSays(this.lastChallenge);
          return;
        }
        for (let i = 0; i < 16; i++) this.brainNonce[i] = this.rng.u32() & 0xff;
        const proof = new Uint8Array(32);
        computeBrainProof(this.hmac, s.badBrainProof ? utf8Bytes("not-the-right-key-0123456789abcd") : s.key, this.agentNonce, 0, this.brainNonce, 0, proof, 0);
        n = encodeChallenge(out, 0, this.brainNonce, 0, this.agentNonce, 0, proof, 0);
        this.lastChallenge = out.slice(0, n);
        this.generation = m.generation;
        break;
      }
      case MsgType.Proof: {
        const ok = verifyAgentProof(this.hmac, s.key, this.agentNonce, 0, this.brainNonce, 0, payload, m.proofOff, this.scratch32) === 0;
        if (!ok || (s.rejectReason !== 0 && s.rejectAtProof)) {
          n = encodeRejected(out, 0, ok ? s.rejectReason : 1, ok ? "scripted rejection" : "bad proof", s.retryAfterMs);
          break;
        }
        const key = new Uint8Array(32);
        computeSessionKey(this.hmac, s.key, this.agentNonce, 0, this.brainNonce, 0, key, 0);
        this.macHmac.setKey(key, 0, 32);
        this.sessionId++;
        this.motorSeq = 0;
        this.sensorTopic = "bs/1/sim1/up/sns";
        this.motorTopic = "bs/1/sim1/dn/mot";
        this.brainSessionActive = true;
        n = encodeRegistered(out, 0, this.sessionId, this.generation, this.sensorTopic, s.omitMotorTopic ? "" : this.motorTopic,
          1024, s.maxSensorHz, s.heartbeatMs, s.motorDeadlineMs, this.brainNow());
        if (s.omitMotorTopic) n = this.omitMotorTopicFrom(n);
        break;
      }
      case MsgType.Heartbeat:
        if (!s.ackHeartbeats) return;
        n = encodeHeartbeatAck(out, 0, m.seq, m.agentTime, this.brainNow());
        break;
      case MsgType.Deregister:
        this.brainSessionActive = false;
        n = encodeDeregistered(out, 0, 1);
        break;
      default:
        return;
    }
    this.brainSays(out.slice(0, n));
  }

  private generation = 0;

  /** Re-encodes the last registered message without "mt" (a brain bug the agent must survive). */
  private omitMotorTopicFrom(_n: number): number {
    return encodeRegisteredWithout(this.scratch, this.sessionId, this.generation, this.sensorTopic, this.brainNow());
  }
}

function encodeRegisteredWithout(dst: Uint8Array, sessionId: number, generation: number, sensorTopic: string, brainTime: number): number {
  // A registered map with every field but "mt" (docs/protocol.md "registered").
  const tmp = new Uint8Array(512);
  const n = encodeRegistered(tmp, 0, sessionId, generation, sensorTopic, "x", 1024, 50, 500, 300, brainTime);
  // Locate and drop the "mt" key and its one-character value; fix the map head (count - 1).
  const key = utf8Bytes("bmt");
  key[0] = 0x62;
  for (let i = 0; i + 5 <= n; i++) {
    if (bytesEqual(tmp, i, key, 0, 3) && tmp[i + 3] === 0x61 && tmp[i + 4] === 0x78) {
      dst.set(tmp.subarray(0, i), 0);
      dst.set(tmp.subarray(i + 5, n), i);
      dst[0] = tmp[0] - 1;
      return n - 5;
    }
  }
  throw new Error("sim: could not strip mt");
}

/** Invariants every scenario and property run checks after each step. */
export function checkInvariants(w: SimWorld, fail: (msg: string) => void): void {
  const a0 = w.agent;
  const s = a0.status();
  if (s.phase !== Phase.Active && !w.motorsSafe) fail(`motors not safe in phase ${a0.phaseName} at t=${w.t}`);
  if (!w.motorsSafe && !a0.motorsHeld) fail(`motors driven with no frame holding at t=${w.t}`);
  if (!w.motorsSafe && a0.motorsHeld && reached(w.now, a0.motorExpiresAtMs)) fail(`motors past their deadline at t=${w.t}`);
  if (s.phase === Phase.Failed && !isPermanent(s.lastReason)) fail(`failed for a transient reason ${s.lastReason}`);
  const a = w.applied;
  if (a.length >= 2) {
    const x = a[a.length - 2], y = a[a.length - 1];
    if (x.session === y.session && y.seq <= x.seq) fail(`motor frame applied out of order or twice: ${x.seq} then ${y.seq}`);
  }
}

export function isPermanent(reason: number): boolean {
  return reason === Err.RejectedInvalidAuth || reason === Err.RejectedUnknownAgent ||
    reason === Err.RejectedInvalidRequest || reason === Err.RejectedVersion;
}
