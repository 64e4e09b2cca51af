/*
 * agent: the glue that owns the buffers, the session machine, the codecs and the channel table.
 *
 * Theory of operation: the host owns the socket and the clock and calls in; the agent never
 * blocks and never schedules anything itself.
 *   - `tick(nowMs)`: read the socket (`host.recv`) straight into the MQTT decoder's buffer, turn
 *     each packet into session inputs, run the session's timers, carry out the actions it emits
 *     (encode a packet into the outbox, sample the sensors, drive the motors), then push the
 *     outbox through `host.send`. Call it at `nextDeadline()` and whenever the socket is readable.
 *   - `handleTransportOpened/Closed(nowMs)`: the host reports the socket's fate.
 * Memory is fixed at construction: the decoder's packet buffer, one outbox, preallocated typed
 * arrays for every channel, and reusable decode targets. Packets are encoded in place in the
 * outbox (the PUBLISH header is written in front of the payload afterwards), so nothing is
 * copied. The steady state (tick, sensor frame out, motor frame in, heartbeat) allocates
 * nothing; `npm run bench` proves it with the XS allocation meter. The outbox is bounded: a
 * sensor frame that does not fit is dropped and counted, a control message that does not fit
 * is an action failure (the session reconnects). A small scratch buffer builds the Last Will.
 */
import { SoftHmacSha256, type HmacSha256 } from "../codec/crypto/hmac";
import { encodeConnect, type ConnectOptions } from "../codec/mqtt/connect";
import { PacketType } from "../codec/mqtt/constants";
import { MqttDecoder } from "../codec/mqtt/decoder";
import { encodeDisconnect, encodePingreq } from "../codec/mqtt/ping";
import { encodePuback, encodePublishHeaderBefore, publishHeaderMaxBytes } from "../codec/mqtt/publish";
import { encodeSubscribe, type SubscribeFilter } from "../codec/mqtt/subscribe";
import { Err, errorName } from "../errors";
import { Act, Level, Note, actionNames, noteNames } from "../session/actions";
import { Ev, phaseNames } from "../session/automaton";
import { causeNames } from "../session/evidence";
import { MsgType } from "../protocol/wire";
import { COUNTER_COUNT, Counter } from "../session/counters";
import { Session } from "../session/session";
import { resolveAgentConfig, type AgentConfig, type AgentConfigInput } from "./config";
import { ChannelTable, type TypedArray } from "./channels";
import { ControlLink } from "./control-link";

export interface AgentHost {
  /** Start connecting; later call agent.handleTransportOpened or handleTransportClosed. */
  open(host: string, port: number): void;
  /** Close the transport. Idempotent: may be called when already closed or still opening. */
  close(): void;
  /** Bytes taken (0 = would block, < 0 = closed). */
  send(src: Uint8Array, off: number, len: number): number;
  /** Bytes read (0 = nothing now, < 0 = closed). */
  recv(dst: Uint8Array, off: number, len: number): number;
  /** Fill dst with random bytes (nonces, jitter). */
  random(dst: Uint8Array): void;
  /** A native HMAC-SHA256 factory (Moddable crypt); the pure-TS one is used otherwise. */
  createHmac?: () => HmacSha256;
  /** Fill agent.sensorArray(id) for every sensor channel. Called at the sensor rate while active. */
  sampleSensors(nowMs: number): void;
  /** A verified, fresh motor frame's values for one channel (a preallocated array; copy if kept). */
  applyMotor(channelId: number, values: TypedArray): void;
  /** Set every output to its configured safe value. */
  motorsSafe(): void;
  /** An event worth logging. code is a Note or Err code; message is ready to print. */
  log(level: number, code: number, message: string): void;
  requestNetworkRestart(): void;
  requestReboot(): void;
}

const MAX_RX_CHUNKS_PER_TICK = 64;
const PUBLISH_OVERHEAD_BYTES = 5 + 2 + 96 + 2; // fixed header, topic length, topic, packet id
const SUB_CONTROL_ID = 1;
const SUB_MOTOR_ID = 2;

export class Agent {
  readonly config: AgentConfig;
  readonly session: Session;
  readonly channels: ChannelTable;
  private readonly host: AgentHost;
  private readonly decoder: MqttDecoder;
  private readonly link: ControlLink;
  private readonly out: Uint8Array;
  private outStart = 0;
  private outEnd = 0;
  private readonly scratch: Uint8Array;
  private packetStart = 0;
  private readonly controlMaxBytes: number;
  private readonly sensorMaxBytes: number;
  private readonly random4 = new Uint8Array(4);
  private readonly connectOptions: ConnectOptions;
  private readonly controlFilters: SubscribeFilter[];
  private motorFilters: SubscribeFilter[] = [];
  private sensorSeq = 0;
  private brokerIndex = 0;
  private transportOpen = false;
  private nowMs = 0;

  constructor(input: AgentConfigInput, host: AgentHost) {
    const { config, problems } = resolveAgentConfig(input);
    if (config === null) throw new Error(`brainstem: invalid config:\n  ${problems.join("\n  ")}`);
    this.config = config;
    this.host = host;
    const random4 = this.random4;
    this.session = new Session(config.session, () => {
      host.random(random4);
      return (((random4[0] << 24) >>> 0) + (random4[1] << 16) + (random4[2] << 8) + random4[3]) / 4294967296;
    }, config.initialGeneration);
    this.channels = new ChannelTable(config.channels, config.maxFrameBytes);
    const maxPacket = config.maxFrameBytes + PUBLISH_OVERHEAD_BYTES;
    this.decoder = new MqttDecoder(maxPacket);
    this.out = new Uint8Array(4 * maxPacket + 1024);
    this.scratch = new Uint8Array(256);
    this.controlMaxBytes = 256 + 16 * config.channels.length + 4 * COUNTER_COUNT;
    this.sensorMaxBytes = this.channels.sensorFrameMaxBytes;
    const hmac = host.createHmac ?? (() => new SoftHmacSha256());
    this.link = new ControlLink(config, hmac(), hmac(), host);
    this.controlFilters = [{ filter: this.link.controlDownString, qos: 1 }];
    this.connectOptions = {
      clientId: this.link.clientIdString,
      cleanSession: true,
      keepAliveS: config.session.keepAliveS,
      will: { topic: this.link.controlUpString, payload: new Uint8Array(0), qos: 1, retain: false },
      username: config.brokerUsername ?? config.agentId,
      password: config.brokerPassword,
    };
  }

  // ---------------------------------------------------------------- host-facing API

  get phase(): number {
    return this.session.phase;
  }

  get phaseName(): string {
    return phaseNames[this.session.phase];
  }

  get counters(): Uint32Array {
    return this.session.counters;
  }

  get lastReason(): number {
    return this.session.lastReason;
  }

  /** The preallocated array the host fills for a sensor channel. Throws for an unknown id (setup bug). */
  sensorArray(channelId: number): TypedArray {
    return this.channels.sensorArray(channelId);
  }

  /** The array last applied to a motor channel (or its safe values). */
  motorArray(channelId: number): TypedArray {
    return this.channels.motorArray(channelId);
  }

  start(nowMs: number): number {
    return this.input(nowMs, Ev.Start, 0);
  }

  /** Deregisters (when registered) and stops. */
  stop(nowMs: number): number {
    return this.input(nowMs, Ev.Stop, 0);
  }

  /** Publishes one sensor frame now from the sensor arrays (event-driven sensors). */
  submitSensorFrame(nowMs: number): number {
    this.nowMs = nowMs >>> 0;
    const r = this.publishSensorFrame();
    this.flush();
    return r;
  }

  handleTransportOpened(nowMs: number): void {
    this.transportOpen = true;
    this.input(nowMs, Ev.TransportOpened, 0);
  }

  handleTransportClosed(nowMs: number, reason: number = Err.TRANSPORT_CLOSED): void {
    this.transportOpen = false;
    this.input(nowMs, Ev.TransportLost, reason);
  }

  /** Earliest u32 ms instant at which tick() must run. */
  nextDeadline(): number {
    return this.session.nextDeadline();
  }

  tick(nowMs: number): void {
    this.nowMs = nowMs >>> 0;
    if (this.transportOpen) this.pump();
    this.session.tick(this.nowMs);
    this.runActions();
    this.flush();
  }

  // ---------------------------------------------------------------- receive path

  /** Reads the socket straight into the decoder's buffer (no copy) and handles every whole packet. */
  private pump(): void {
    const host = this.host;
    const decoder = this.decoder;
    for (let chunk = 0; chunk < MAX_RX_CHUNKS_PER_TICK && this.transportOpen; chunk++) {
      const at = decoder.writeOffset();
      const n = host.recv(decoder.buf, at, decoder.buf.length - at);
      if (n === 0) return;
      if (n < 0) {
        this.handleTransportClosed(this.nowMs, Err.TRANSPORT_CLOSED);
        return;
      }
      decoder.commit(n);
      this.session.counters[Counter.BYTES_RECEIVED] += n;
      this.session.noteRx(this.nowMs);
      for (;;) {
        const type = decoder.next();
        if (type === 0) break;
        if (type < 0) {
          this.session.counters[Counter.DECODE_ERRORS]++;
          decoder.reset();
          this.input(this.nowMs, Ev.TransportLost, type); // MQTT framing is lost: reconnect
          return;
        }
        this.onPacket(type);
        this.runActions();
        if (!this.transportOpen) return;
      }
    }
  }

  private onPacket(type: number): void {
    const d = this.decoder;
    const now = this.nowMs;
    switch (type) {
      case PacketType.CONNACK:
        if (d.returnCode === 0) this.input(now, Ev.ConnAckOk, 0);
        else this.input(now, Ev.ConnAckRefused, Err.MQTT_CONNACK_REFUSED);
        return;
      case PacketType.SUBACK: {
        const failed = d.returnCodesLen < 1 || d.buf[d.returnCodesOff] === 0x80;
        if (failed) this.input(now, Ev.SubscribeFailed, Err.MQTT_SUBACK_FAILED);
        else if (d.packetId === SUB_CONTROL_ID) this.input(now, Ev.ControlSubscribed, 0);
        else if (d.packetId === SUB_MOTOR_ID) this.input(now, Ev.MotorSubscribed, 0);
        return;
      }
      case PacketType.PUBACK:
        this.link.acked(d.packetId);
        this.session.setPending(now, this.link.pendingCount);
        this.runActions();
        return;
      case PacketType.PINGRESP:
        return;
      case PacketType.PUBLISH:
        if (d.qos === 1) this.enqueue(encodePuback(this.out, this.reserve(4), d.packetId));
        if (this.link.isMotorTopic(d.buf, d.topicOff, d.topicLen)) this.onMotorFrame();
        else if (this.link.isControlTopic(d.buf, d.topicOff, d.topicLen)) this.onControl();
        else this.session.counters[Counter.UNEXPECTED_MESSAGES]++;
        return;
      default:
        this.session.counters[Counter.UNEXPECTED_MESSAGES]++;
    }
  }

  private onControl(): void {
    const d = this.decoder;
    const verdict = this.link.decide(this.nowMs, d.buf, d.payloadOff, d.payloadLen, this.session);
    if (verdict !== 0) this.input(this.nowMs, Ev.Malformed, verdict);
    else if (this.link.message.type === MsgType.STATUS_REQUEST) this.perform(Act.SendStatus, 0, 0, Level.debug);
    this.runActions();
  }

  private onMotorFrame(): void {
    const d = this.decoder;
    const session = this.session;
    const frame = this.channels.motorFrame;
    const r = this.channels.decodeMotor(d.buf, d.payloadOff, d.payloadLen);
    if (r < 0) return session.countDrop(r);
    if (!this.link.verifyMotorMac(d.buf, d.payloadOff, frame, session.sessionId)) return session.countDrop(Err.FRAME_BAD_MAC);
    if (session.onMotorFrame(this.nowMs, frame.seq, frame.deadline) !== 0) return;
    const n = frame.count;
    for (let i = 0; i < n; i++) {
      const id = this.channels.copyMotorEntry(i);
      this.host.applyMotor(id, this.channels.motorArray(id));
    }
  }

  // ---------------------------------------------------------------- actions and send path

  private input(nowMs: number, event: number, reason: number): number {
    this.nowMs = nowMs >>> 0;
    const r = this.session.handle(this.nowMs, event, reason);
    this.runActions();
    this.flush();
    return r;
  }

  private runActions(): void {
    const q = this.session.actions;
    for (let action = q.poll(); action !== Act.None; action = q.poll()) {
      const r = this.perform(action, q.a, q.b, q.level);
      if (r < 0) {
        this.log(Level.error, r, `action ${actionNames[action]} failed: ${errorName(r)}`);
        this.session.handle(this.nowMs, Ev.ActionFailed, r);
      }
    }
  }

  /** Carries out one action. Returns 0 or a negative Err code. */
  private perform(action: number, a: number, b: number, level: number): number {
    const host = this.host;
    const link = this.link;
    switch (action) {
      case Act.Open: {
        this.decoder.reset();
        this.outStart = this.outEnd = 0;
        link.resetSession();
        const brokers = this.config.brokers;
        if (a === 1) this.brokerIndex = (this.brokerIndex + 1) % brokers.length; // the last one was not reached
        const b = brokers[this.brokerIndex];
        host.open(b.host, b.port);
        return 0;
      }
      case Act.Close:
        this.transportOpen = false;
        host.close();
        return 0;
      case Act.SendConnect: {
        const will = this.connectOptions.will!;
        will.payload = link.deathMessage(this.scratch, a);
        return this.enqueue(encodeConnect(this.out, this.reserve(256 + will.payload.length), this.connectOptions));
      }
      case Act.SendSubscribeControl:
        return this.enqueue(encodeSubscribe(this.out, this.reserve(128), SUB_CONTROL_ID, this.controlFilters));
      case Act.SendSubscribeMotor:
        this.motorFilters = [{ filter: link.motorTopicString(), qos: 0 }];
        return this.enqueue(encodeSubscribe(this.out, this.reserve(128), SUB_MOTOR_ID, this.motorFilters));
      case Act.SendHello: {
        const p = this.beginControl();
        return p < 0 ? p : this.endControl(link.encodeHello(this.out, p, a, this.channels), 1);
      }
      case Act.SendProof: {
        const p = this.beginControl();
        return p < 0 ? p : this.endControl(link.encodeProof(this.out, p), 1);
      }
      case Act.SendHeartbeat: {
        const p = this.beginControl();
        return p < 0 ? p : this.endControl(link.encodeHeartbeat(this.out, p, a, this.nowMs, this.session.liveness.lastRttMs), 0);
      }
      case Act.SendDeregister: {
        const p = this.beginControl();
        return p < 0 ? p : this.endControl(link.encodeDeregister(this.out, p, a), 1);
      }
      case Act.SendStatus: {
        const p = this.beginControl();
        return p < 0 ? p : this.endControl(link.encodeStatus(this.out, p, this.session), 0);
      }
      case Act.SendDisconnect:
        this.enqueue(encodeDisconnect(this.out, this.reserve(2)));
        this.flush();
        return 0;
      case Act.SendPing:
        return this.enqueue(encodePingreq(this.out, this.reserve(2)));
      case Act.SampleSensors:
        host.sampleSensors(this.nowMs);
        this.publishSensorFrame();
        return 0;
      case Act.MotorsSafe:
        this.channels.resetMotorsToSafe();
        host.motorsSafe();
        return 0;
      case Act.Report:
        if (level >= this.config.logLevel) this.log(level, a, this.describe(a, b));
        return 0;
      case Act.RestartNetwork:
        host.requestNetworkRestart();
        return 0;
      case Act.Reboot:
        host.requestReboot();
        return 0;
    }
    return 0;
  }

  private publishSensorFrame(): number {
    const session = this.session;
    if (!session.sensorAllowed(this.nowMs)) return Err.WRONG_PHASE;
    const link = this.link;
    const p = this.beginPublish(link.sensorTopicLen, this.sensorMaxBytes);
    let r = p;
    if (p >= 0) {
      this.sensorSeq = (this.sensorSeq + 1) >>> 0;
      const end = this.channels.encodeSensor(this.out, p, this.sensorSeq, session.liveness.toBrainMs(this.nowMs));
      r = this.endPublish(p, end, link.sensorTopic, link.sensorTopicLen, 0, 0);
    }
    if (r < 0) {
      session.counters[Counter.SENSOR_FRAMES_DROPPED]++;
      if (r === Err.QUEUE_FULL) session.counters[Counter.OUTBOX_FULL]++;
      return r;
    }
    session.counters[Counter.SENSOR_FRAMES_SENT]++;
    return 0;
  }

  /**
   * Zero-copy PUBLISH, step 1: reserves room for the largest header plus maxPayload bytes and
   * returns where the payload goes; the caller encodes it straight into the outbox.
   */
  private beginPublish(topicLen: number, maxPayload: number): number {
    const head = publishHeaderMaxBytes(topicLen);
    const at = this.reserve(head + maxPayload);
    if (at < 0) return at;
    this.packetStart = at;
    return at + head;
  }

  /**
   * Step 2: writes the header so it ends at the payload, then closes the gap left by a header
   * shorter than the reserve (copyWithin: native, no allocation). Returns 0 or an Err code.
   */
  private endPublish(payloadStart: number, payloadEnd: number, topic: Uint8Array, topicLen: number, qos: 0 | 1, packetId: number): number {
    if (payloadEnd < 0) return payloadEnd;
    const head = encodePublishHeaderBefore(this.out, payloadStart, payloadEnd - payloadStart, topic, topicLen, qos, packetId, false, false);
    if (head < 0) return head;
    if (head > this.packetStart) this.out.copyWithin(this.packetStart, head, payloadEnd);
    this.outEnd = this.packetStart + (payloadEnd - head);
    this.decoder.sent(this.out, this.packetStart); // the strict decoder's record of what was sent
    return 0;
  }

  private beginControl(): number {
    return this.beginPublish(this.link.controlUpBytes.length, this.controlMaxBytes);
  }

  private endControl(payloadEnd: number, qos: 0 | 1): number {
    const packetId = qos === 1 && payloadEnd >= 0 ? this.link.nextPacketId() : 0;
    if (packetId < 0) return packetId;
    const topic = this.link.controlUpBytes;
    const r = this.endPublish(this.packetStart + publishHeaderMaxBytes(topic.length), payloadEnd, topic, topic.length, qos, packetId);
    if (qos === 1 && r === 0) this.session.setPending(this.nowMs, this.link.pendingCount);
    return r;
  }

  /** Returns the outbox offset where `n` bytes may be written, compacting first; QUEUE_FULL if they don't fit. */
  private reserve(n: number): number {
    if (this.outEnd + n <= this.out.length) return this.outEnd;
    this.flush();
    if (this.outStart > 0) {
      this.out.copyWithin(0, this.outStart, this.outEnd);
      this.outEnd -= this.outStart;
      this.outStart = 0;
    }
    return this.outEnd + n <= this.out.length ? this.outEnd : Err.QUEUE_FULL;
  }

  /** Accepts the end offset of a packet written at outEnd (or an error from reserve/encode). */
  private enqueue(end: number): number {
    if (end < 0) {
      if (end === Err.QUEUE_FULL) this.session.counters[Counter.OUTBOX_FULL]++;
      return end;
    }
    this.decoder.sent(this.out, this.outEnd); // the strict decoder's record of what was sent
    this.outEnd = end;
    return 0;
  }

  private flush(): void {
    if (!this.transportOpen) return;
    while (this.outStart < this.outEnd) {
      const n = this.host.send(this.out, this.outStart, this.outEnd - this.outStart);
      if (n === 0) return;
      if (n < 0) {
        this.handleTransportClosed(this.nowMs, Err.TRANSPORT_CLOSED);
        return;
      }
      this.outStart += n;
      this.session.counters[Counter.BYTES_SENT] += n;
      this.session.noteTx(this.nowMs);
    }
    this.outStart = this.outEnd = 0;
  }

  /** "host:port" of the broker the agent tried last. */
  private brokerName(): string {
    const b = this.config.brokers[this.brokerIndex];
    return `${b.host}:${b.port}`;
  }

  private log(level: number, code: number, message: string): void {
    this.host.log(level, code, `[${this.config.agentId}] ${message}`);
  }

  private describe(note: number, detail: number): string {
    switch (note) {
      case Note.PhaseEntered:
        return `phase ${phaseNames[detail]} (generation ${this.session.generation})`;
      case Note.Backoff: {
        const s = this.session;
        return `reconnecting in ${detail} ms: ${this.brokerName()} ${causeNames[s.lastCause]}-level ${errorName(s.lastReason)}` +
          ` (backoff attempt ${s.attempt}, ${s.networkFailures} network-level failures in a row)`;
      }
      case Note.Escalated:
        return `escalating: restart-network after ${detail} network-level failures in a row (${this.brokerName()} ${errorName(this.session.lastReason)})`;
      case Note.RebootRequested:
        return `escalating: reboot after ${detail} network-level failures in a row, a network restart did not help (${this.brokerName()} ${errorName(this.session.lastReason)})`;
      case Note.FailedRetry:
        return `retrying after failed (${errorName(detail)}) ${this.brokerName()}`;
      case Note.ShortSession:
        return `${this.brokerName()} ended the session ${detail === 1 ? "soon" : `${detail} times in a row soon`} after it became active` +
          ` (another device with agent id ${this.config.agentId}? an eviction?): the backoff keeps growing`;
      case Note.Drain:
        return `drain requested (${detail === 1 ? "deploy" : "operator"})`;
      default:
        return `${noteNames[note]}: ${detail < 0 ? errorName(detail) : String(detail)}`;
    }
  }
}

