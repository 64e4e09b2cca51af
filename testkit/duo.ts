/*
 * testkit/duo: both ends of brainstem in one world on one simulated clock: the real device
 * Agent (src/agent) and the real brain session service (brain/service.ts), joined by an
 * in-memory MQTT 3.1.1 broker.
 *
 * Theory of operation: no sockets, no timers, no Node; the suite built on it runs on V8 and
 * on XS. Time is an integer `t` (ms since the world started). The agent's clock reads
 * (agentEpochMs + t) >>> 0 and the brain's reads brainEpochMs + t, so the two clocks differ by
 * a chosen offset, and either can start near the u32 wrap. The broker speaks real MQTT bytes
 * with the agent (the firmware's own codec on the broker side), delivers after `latencyMs`,
 * keeps the agent's subscriptions and its Last Will, and hands every PUBLISH on an up topic
 * to the brain service as (nowMs, topic, payload); what the service publishes goes to the
 * agent when it subscribes to that topic. The brain's scan runs every scanPeriodMs(hb), as
 * the Node host's timer does. Faults: cut the link (the Will goes out), black-hole it
 * (half-open), take the broker down, stall the brain's controller. `run(ms)` jumps from
 * deadline to deadline and fails on a livelock (step cap). Test use only.
 */
import { Agent, type AgentHost } from "../src/agent/agent";
import type { AgentConfigInput } from "../src/agent/config";
import type { TypedArray } from "../src/agent/channels";
import { readUtf8, utf8Bytes } from "../src/codec/bytes";
import { PacketType } from "../src/codec/mqtt/constants";
import { encodePuback, encodePublish } from "../src/codec/mqtt/publish";
import { Err } from "../src/errors";
import { Phase } from "../src/session/automaton";
import { reached } from "../src/session/clock";
import type { FrameController as Controller, FrameMotorCommand as MotorCommand, SensorContext } from "../brain/controller";
import type { BrainEvent, BrainEvents, LogLevel } from "../brain/events";
import { scanPeriodMs } from "../brain/liveness";
import { SessionService } from "../brain/service";
import type { BrainLimits } from "../brain/session/shared";
import { MqttServerDecoder, encodeConnack, encodePingresp, encodeSuback } from "./mqtt-server-codec";
import { ByteQueue } from "./byte-queue";
import { Prng } from "./prng";

export const DUO_KEY = utf8Bytes("brainstem-duo-device-key-0123456");
export const DUO_ID = "duo1";

/** The device: 16 float32 + 8 int16 sensors, two float32 wheel motors. */
export function duoConfig(overrides: Partial<AgentConfigInput> = {}): AgentConfigInput {
  return {
    agentId: DUO_ID,
    key: DUO_KEY,
    brokerHost: "broker.duo",
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

export const DUO_LIMITS: BrainLimits = { heartbeatMs: 500, motorDeadlineMs: 300, maxSensorHz: 50, maxFrameBytes: 4096 };

/** wheels = [sensor seq, -sensor seq]; `stalled` makes it answer nothing (a stuck policy). */
export class DuoController implements Controller {
  stalled = false;
  private readonly wheels = new Float32Array(2);
  private readonly cmd: MotorCommand = { channels: new Map([[10, this.wheels]]) };
  onSensorFrame(ctx: SensorContext): MotorCommand | null {
    if (this.stalled) return null;
    this.wheels[0] = ctx.seq;
    this.wheels[1] = -ctx.seq;
    return this.cmd;
  }
}

interface Timed {
  at: number;
  seq: number;
  run: () => void;
}

export interface DuoOptions {
  seed?: number;
  agentEpochMs?: number;
  brainEpochMs?: number;
  /** Keys the brain holds (default: the device's id with DUO_KEY). */
  brainKeys?: [string, Uint8Array][];
  limits?: BrainLimits;
}

export class DuoWorld {
  t = 0;
  readonly agentEpochMs: number;
  readonly brainEpochMs: number;
  readonly rng: Prng;
  readonly agent: Agent;
  readonly controller = new DuoController();
  readonly service: SessionService;
  readonly keys = new Map<string, Uint8Array>();
  readonly limits: BrainLimits;
  /** [t, level, message] of the brain's log; [t, level, code, message] of the agent's. */
  readonly brainLogs: [number, LogLevel, string][] = [];
  readonly agentLogs: [number, number, number, string][] = [];
  readonly brainEvents: { t: number; event: BrainEvent; data: unknown }[] = [];
  latencyMs = 2;
  brokerUp = true;
  blackHole = false;
  // observations
  motorsSafe = true;
  /** Every motor value the agent applied: t, the agent's session id, wheels[0] (= sensor seq). */
  readonly applied: { t: number; session: number; value: number }[] = [];
  /** Brain-side deadlines of motor frames sent, by the brain's session id and seq. */
  readonly motorSent: { t: number; sessionId: number; seq: number; deadline: number }[] = [];
  networkRestarts = 0;
  reboots = 0;
  /** Invariant violations seen after any step. */
  readonly violations: string[] = [];
  // broker
  private linkId = 0;
  private linkCounter = 0;
  private pendingOpen = false;
  private readonly toAgent = new ByteQueue();
  private readonly subscriptions = new Set<string>();
  private willTopic = "";
  private willPayload: Uint8Array | null = null;
  private cleanDisconnect = false;
  private packetId = 0;
  private readonly brokerDecoder = new MqttServerDecoder(8192);
  private readonly out = new Uint8Array(8192);
  private readonly queue: Timed[] = [];
  private queueSeq = 0;
  private readonly scanMs: number;
  private nextScanAt: number;

  constructor(config: AgentConfigInput = duoConfig(), options: DuoOptions = {}) {
    this.rng = new Prng(options.seed ?? 1);
    this.agentEpochMs = options.agentEpochMs ?? 1_000_000;
    this.brainEpochMs = options.brainEpochMs ?? 5_000_000;
    this.limits = options.limits ?? DUO_LIMITS;
    for (const [id, k] of options.brainKeys ?? [[DUO_ID, DUO_KEY]]) this.keys.set(id, k);
    const rng = this.rng;
    this.service = new SessionService({ keyOf: (id) => this.keys.get(id) }, this.limits, this.controller, {
      publish: (topic, payload) => this.brainPublish(topic, payload),
      log: (level, m) => void this.brainLogs.push([this.t, level, m]),
      emit: <E extends BrainEvent>(event: E, data: BrainEvents[E]) => this.onBrainEvent(event, data),
      listening: (event) => event === "motor",
      random: (dst) => {
        rng.fill(dst);
      },
    });
    this.service.start(this.brainNow);
    this.agent = new Agent(config, this.makeHost());
    this.scanMs = scanPeriodMs(this.limits.heartbeatMs);
    this.nextScanAt = this.scanMs;
  }

  get agentNow(): number {
    return (this.agentEpochMs + this.t) >>> 0;
  }

  get brainNow(): number {
    return this.brainEpochMs + this.t;
  }

  get phase(): number {
    return this.agent.phase;
  }

  /** The brain's view of the device (its /status entry). */
  brainView() {
    return this.service.agents(this.brainNow).find((a) => a.id === this.agent.config.agentId);
  }

  brainState(): string {
    return this.brainView()?.phase ?? "none";
  }

  /** Replaces the brain's keys, as a keys file reload does. */
  setBrainKeys(keys: [string, Uint8Array][]): void {
    const oldIds = [...this.keys.keys()];
    const next = new Map(keys);
    this.service.setKeys(this.brainNow, { keyOf: (id) => next.get(id), ids: () => [...next.keys()] }, oldIds);
    this.keys.clear();
    for (const [id, k] of next) this.keys.set(id, k);
  }

  at(delayMs: number, run: () => void): void {
    const ev = { at: this.t + delayMs, seq: this.queueSeq++, run };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].at > ev.at || (this.queue[i - 1].at === ev.at && this.queue[i - 1].seq > ev.seq))) i--;
    this.queue.splice(i, 0, ev);
  }

  /** Runs until t + ms (or until `until()` holds after a step), jumping between deadlines. */
  run(ms: number, maxSteps = 500_000, until?: () => boolean): void {
    const end = this.t + ms;
    let steps = 0;
    while (this.t < end) {
      if (until && until()) return;
      if (++steps > maxSteps) throw new Error(`livelock: more than ${maxSteps} steps in ${ms} ms (agent ${this.agent.phaseName}, brain ${this.brainState()})`);
      const agentDue = this.t + Math.max(0, (this.agent.nextDeadline() - this.agentNow) | 0);
      const eventDue = this.queue.length > 0 ? this.queue[0].at : Infinity;
      this.t = Math.min(agentDue, eventDue, this.nextScanAt, end);
      while (this.queue.length > 0 && this.queue[0].at <= this.t) this.queue.shift()!.run();
      if (this.t >= this.nextScanAt) {
        this.service.scan(this.brainNow);
        this.nextScanAt = this.t + this.scanMs;
      }
      this.agent.tick(this.agentNow);
      this.checkInvariants();
    }
  }

  /** Runs until pred() or ms elapse; returns the time it took, or -1. */
  runUntil(pred: () => boolean, ms: number): number {
    const start = this.t;
    this.run(ms, 2_000_000, pred);
    return pred() ? this.t - start : -1;
  }

  // ------------------------------------------------------------ faults

  /** Cuts the TCP link: both ends see it close; the broker publishes the Will. */
  cutLink(): void {
    if (this.linkId === 0) return;
    this.dropLink(true);
    this.agent.handleTransportClosed(this.agentNow, Err.TransportClosed);
  }

  /** The broker stops answering both ways (a half-open link) until `heal()`. */
  blackHoleLink(): void {
    this.blackHole = true;
  }

  heal(): void {
    this.blackHole = false;
  }

  // ------------------------------------------------------------ invariants

  private checkInvariants(): void {
    const s = this.agent;
    const fail = (m: string) => {
      if (this.violations.length < 20) this.violations.push(`t=${this.t}: ${m}`);
    };
    if (s.phase !== Phase.Active && !this.motorsSafe) fail(`motors not safe in phase ${this.agent.phaseName}`);
    if (!this.motorsSafe && s.motorsHeld && reached(this.agentNow, s.motorExpiresAtMs)) fail("motors driven past their deadline");
    const a = this.applied;
    if (a.length >= 2) {
      const x = a[a.length - 2];
      const y = a[a.length - 1];
      if (x.session === y.session && y.value <= x.value) fail(`motor frame applied out of order or twice: ${x.value} then ${y.value}`);
    }
  }

  // ------------------------------------------------------------ brain side

  private onBrainEvent<E extends BrainEvent>(event: E, data: BrainEvents[E]): void {
    if (event === "motor") {
      const m = data as BrainEvents["motor"];
      this.motorSent.push({ t: this.t, sessionId: m.sessionId, seq: m.seq, deadline: m.deadline });
      return;
    }
    this.brainEvents.push({ t: this.t, event, data });
  }

  private brainPublish(topic: string, payload: Uint8Array): void {
    // brain -> broker -> agent (when subscribed), one latency each way
    this.at(this.latencyMs, () => {
      if (!this.brokerUp || !this.subscriptions.has(topic)) return;
      const t = utf8Bytes(topic);
      const qos = topic.endsWith("/dn/ctl") ? 1 : 0;
      const id = qos === 1 ? (this.packetId = (this.packetId % 65535) + 1) : 0;
      this.toAgentBytes(encodePublish(this.out, 0, t, t.length, payload, 0, payload.length, qos, id, false, false));
    });
  }

  private toBrain(topic: string, payload: Uint8Array): void {
    this.at(this.latencyMs, () => this.service.onMessage(this.brainNow, topic, payload));
  }

  // ------------------------------------------------------------ device host

  private makeHost(): AgentHost {
    return {
      transport: {
        open: () => {
          this.pendingOpen = true;
          const id = ++this.linkCounter;
          this.at(this.latencyMs, () => {
            if (!this.pendingOpen) return;
            this.pendingOpen = false;
            if (!this.brokerUp) return this.agent.handleTransportClosed(this.agentNow, Err.PeerRefused);
            this.linkId = id;
            this.toAgent.clear();
            this.subscriptions.clear();
            this.brokerDecoder.reset();
            this.willPayload = null;
            this.cleanDisconnect = false;
            this.agent.handleTransportOpened(this.agentNow);
          });
        },
        close: () => {
          this.pendingOpen = false;
          const id = this.linkId;
          if (id === 0) return;
          this.at(this.latencyMs, () => {
            if (this.linkId === id) this.dropLink(!this.cleanDisconnect);
          });
          this.linkId = -id; // closing: the broker still reads what was sent before the FIN
          this.toAgent.clear();
        },
        send: (src, off, len) => {
          if (this.linkId <= 0) return -1;
          if (this.blackHole) return len;
          const bytes = src.slice(off, off + len);
          const id = this.linkId;
          this.at(this.latencyMs, () => {
            if (this.linkId === id || this.linkId === -id) this.brokerReceive(bytes);
          });
          return len;
        },
        recv: (dst, off, len) => {
          if (this.linkId <= 0) return this.pendingOpen ? 0 : -1;
          return this.toAgent.read(dst, off, len);
        },
      },
      io: {
        sampleSensors: (_nowMs, sensors) => {
          const a = sensors.sensorArray(0);
          for (let i = 0; i < a.length; i++) a[i] = Math.sin(this.t / 100 + i);
        },
        applyMotor: (_id: number, values: TypedArray) => {
          this.motorsSafe = false;
          this.applied.push({ t: this.t, session: this.agent.status().sessionId, value: values[0] });
        },
        motorsSafe: () => {
          this.motorsSafe = true;
        },
      },
      platform: {
        random: (dst) => {
          this.rng.fill(dst);
        },
        log: (level, code, message) => void this.agentLogs.push([this.t, level, code, message]),
        restartNetwork: () => void this.networkRestarts++,
        reboot: () => void this.reboots++,
      },
    };
  }

  private dropLink(publishWill: boolean): void {
    if (publishWill && this.willPayload !== null && this.brokerUp) this.toBrain(this.willTopic, this.willPayload);
    this.willPayload = null;
    this.linkId = 0;
    this.toAgent.clear();
    this.subscriptions.clear();
  }

  private toAgentBytes(n: number): void {
    if (n < 0) throw new Error(`duo: broker encode failed (${n})`);
    if (this.blackHole || this.linkId <= 0) return;
    const bytes = this.out.slice(0, n);
    const id = this.linkId;
    this.at(this.latencyMs, () => {
      if (this.linkId === id) this.toAgent.push(bytes);
    });
  }

  private brokerReceive(bytes: Uint8Array): void {
    const d = this.brokerDecoder;
    let off = 0;
    while (off < bytes.length) {
      off += d.push(bytes, off, bytes.length - off);
      for (;;) {
        const type = d.next();
        if (type === 0) break;
        if (type < 0) throw new Error(`duo broker: the agent sent a malformed packet (${type})`);
        this.brokerPacket(type, d);
        if (this.linkId === 0) return;
      }
    }
  }

  private brokerPacket(type: number, d: MqttServerDecoder): void {
    switch (type) {
      case PacketType.Connect:
        if (d.hasWill) {
          this.willTopic = readUtf8(d.buf, d.willTopicOff, d.willTopicOff + d.willTopicLen);
          this.willPayload = d.buf.slice(d.willPayloadOff, d.willPayloadOff + d.willPayloadLen);
        }
        return this.toAgentBytes(encodeConnack(this.out, 0, false, 0));
      case PacketType.Subscribe:
        d.filterAt(d.payloadOff);
        this.subscriptions.add(readUtf8(d.buf, d.filterOff, d.filterOff + d.filterLen));
        return this.toAgentBytes(encodeSuback(this.out, 0, d.packetId, [d.filterQos]));
      case PacketType.Pingreq:
        return this.toAgentBytes(encodePingresp(this.out, 0));
      case PacketType.Disconnect:
        this.cleanDisconnect = true;
        return;
      case PacketType.Publish: {
        if (d.qos === 1) this.toAgentBytes(encodePuback(this.out, 0, d.packetId));
        const topic = readUtf8(d.buf, d.topicOff, d.topicOff + d.topicLen);
        this.toBrain(topic, d.buf.slice(d.payloadOff, d.payloadOff + d.payloadLen));
        return;
      }
    }
  }
}
