/*
 * agent: one poll loop that owns the buffers, the session machine, the codecs and the channel table.
 *
 * Theory of operation (quinn's shape): the host owns the socket, the clock and the IO, and
 * gives them to the agent as an options bag `{ transport, io, platform }` (ECMA-419's style).
 *   - Inputs only enqueue: `start`, `stop`, `tick`, `handleTransportOpened/Closed` and
 *     `submitSensorFrame` each put one entry in a small ring; then, unless the loop is already
 *     running (a host callback called in), the one loop drains the ring: each input goes to the
 *     session (a tick first reads the socket straight into the MQTT decoder's buffer and turns
 *     each packet into session inputs), the session's actions are carried out (encode a packet
 *     into the outbox, hand the sensor arrays to `io.sampleSensors`, drive the motors), and the
 *     outbox goes out through `transport.send`. A send or receive error becomes one more
 *     queued event (TransportLost), so no call path re-enters the agent.
 *   - The host ticks the agent at `nextDeadline()` and whenever the socket is readable.
 * Memory is fixed at construction: the decoder's packet buffer, one outbox, preallocated typed
 * arrays for every channel, and reusable decode targets. Packets are encoded in place in the
 * outbox (the PUBLISH header is written in front of the payload afterwards), so nothing is
 * copied. The steady state (tick, sensor frame out, motor frame in, heartbeat) allocates
 * nothing; `npm run bench` proves it with the XS allocation meter. The outbox is bounded: a
 * sensor frame that does not fit is dropped and counted, a control message that does not fit
 * is an action failure (the session reconnects). A small scratch buffer builds the Last Will.
 * Hosts read the session through `status()` and `counters`, never its fields.
 */
import { SoftHmacSha256, type HmacSha256 } from "../codec/crypto/hmac";
import { verifyMotorMac } from "../codec/frames/motor";
import type { SensorFrameWriter } from "../codec/frames/sensor";
import { encodeConnect, type ConnectOptions } from "../codec/mqtt/connect";
import { PacketType } from "../codec/mqtt/constants";
import { MqttDecoder } from "../codec/mqtt/decoder";
import { encodeDisconnect, encodePingreq } from "../codec/mqtt/ping";
import { encodePuback, encodePublishHeaderBefore, encodeQos0HeaderBefore, publishHeaderMaxBytes } from "../codec/mqtt/publish";
import { encodeSubscribe, type SubscribeFilter } from "../codec/mqtt/subscribe";
import { Err, errorName } from "../errors";
import { Act, Level, Note, actionNames, noteNames } from "../session/actions";
import { Ev, phaseNames } from "../session/automaton";
import { causeNames, causeOf } from "../session/evidence";
import { COUNTER_COUNT, Counter } from "../session/counters";
import { CloseClass, Session } from "../session/session";
import type { SessionStatus } from "../session/session-state";
import { resolveAgentConfig, type AgentConfig, type AgentConfigInput } from "./config";
import { ChannelBank, type TypedArray } from "./channels";
import { CONTROL_TOPIC_SLOT, ControlLink, MOTOR_TOPIC_SLOT } from "./control-link";

/** The transport seam (two calls for bytes, two for the connection). */
export interface AgentTransport {
  /** Start connecting; later report agent.handleTransportOpened or handleTransportClosed. */
  open(host: string, port: number): void;
  /** Close the transport. Idempotent: may be called when already closed or still opening. */
  close(): void;
  /** Bytes taken (0 = would block, < 0 = closed). */
  send(src: Uint8Array, off: number, len: number): number;
  /**
   * Bytes read (0 = nothing now, < 0 = closed). Fewer than len only when nothing more is
   * readable now: the agent then stops reading until its next tick.
   */
  recv(dst: Uint8Array, off: number, len: number): number;
}

/** The preallocated sensor arrays, handed to the host with each SampleSensors action. */
export interface SensorArrays {
  /** The array of a sensor channel (throws for an unknown id: a setup bug). */
  sensorArray(channelId: number): TypedArray;
}

/** The robot's body. */
export interface AgentIo {
  /** Fill `sensors.sensorArray(id)` for every sensor channel. Called at the sensor rate while active. */
  sampleSensors(nowMs: number, sensors: SensorArrays): void;
  /** A verified, fresh motor frame's values for one channel (a preallocated array; copy if kept). */
  applyMotor(channelId: number, values: TypedArray): void;
  /** Set every output to its configured safe value. */
  motorsSafe(): void;
}

/** What the board or the operating system provides. */
export interface AgentPlatform {
  /** Fill dst with random bytes (nonces, jitter). */
  random(dst: Uint8Array): void;
  /** A native HMAC-SHA256 factory (Moddable crypt); the pure-TS one is used otherwise. */
  createHmac?: () => HmacSha256;
  /** An event worth logging. code is a Note or Err code; message is ready to print. */
  log(level: number, code: number, message: string): void;
  /** Escalation: restart the network (Wi-Fi). Carry it out after the current call returns. */
  restartNetwork(): void;
  /** Escalation: reboot the device. Carry it out after the current call returns. */
  reboot(): void;
}

export interface AgentHost {
  transport: AgentTransport;
  io: AgentIo;
  platform: AgentPlatform;
}

const MAX_RX_CHUNKS_PER_TICK = 64;
const PUBLISH_OVERHEAD_BYTES = 5 + 2 + 96 + 2; // fixed header, topic length, topic, packet id
const SUB_CONTROL_ID = 1;
const SUB_MOTOR_ID = 2;
const INPUT_SLOTS = 16;

/** What the host asked for (entries of the input ring). */
const Input = { Start: 0, Stop: 1, Tick: 2, Opened: 3, Closed: 4, SubmitSensor: 5 } as const;

export class Agent {
  // Fields in order of use per tick: XS finds an own property by walking the object's list.
  private running = false;
  private inputCount = 0;
  private nowMs = 0;
  private readonly session: Session;
  private readonly transport: AgentTransport;
  private readonly decoder: MqttDecoder;
  /** The session's live counts (session.counts, read once: an XS getter costs a call). */
  private readonly counterArray: number[];
  readonly channels: ChannelBank;
  private readonly link: ControlLink;
  private readonly io: AgentIo;
  /**
   * The kept sensor packet (see publishSensorFrame): the last sensor PUBLISH is
   * out[sensorPacketAt .. sensorPacketEnd) (sensorPacketAt -1: none kept), it was written to
   * the topic field sensorPacketTopic, and its frame starts at sensorFrameAt.
   */
  private sensorPacketAt = -1;
  private sensorPacketTopic: Uint8Array | null = null;
  private outEnd = 0;
  private outStart = 0;
  private sensorSeq = 0;
  private readonly sensorFrames: SensorFrameWriter;
  private readonly out: Uint8Array;
  private sensorFrameAt = -1;
  private sensorPacketEnd = 0;
  // the input ring (used only while the loop runs or after a host callback threw)
  private readonly inputs = new Int32Array(INPUT_SLOTS * 2);
  private inputHead = 0;
  /** The argument of the input takeInput() returned last. */
  private takenArg = 0;
  /** out.length, as a number (on XS a typed array's length is a getter call). */
  private readonly outBytes: number;
  private packetStart = 0;
  private readonly sensorMaxBytes: number;
  readonly config: AgentConfig;
  private readonly platform: AgentPlatform;
  private readonly scratch: Uint8Array;
  private readonly controlMaxBytes: number;
  private readonly random4 = new Uint8Array(4);
  private readonly connectOptions: ConnectOptions;
  private readonly controlFilters: SubscribeFilter[];
  private motorFilters: SubscribeFilter[] = [];
  private brokerIndex = 0;

  constructor(input: AgentConfigInput, host: AgentHost) {
    const { config, problems } = resolveAgentConfig(input);
    if (config === null) throw new Error(`brainstem: invalid config:\n  ${problems.join("\n  ")}`);
    this.config = config;
    this.transport = host.transport;
    this.io = host.io;
    const platform = (this.platform = host.platform);
    const random4 = this.random4;
    this.session = new Session(config.session, () => {
      platform.random(random4);
      return (((random4[0] << 24) >>> 0) + (random4[1] << 16) + (random4[2] << 8) + random4[3]) / 4294967296;
    }, config.initialGeneration);
    this.counterArray = this.session.counts;
    this.channels = new ChannelBank(config.channels, config.maxFrameBytes);
    const maxPacket = config.maxFrameBytes + PUBLISH_OVERHEAD_BYTES;
    this.decoder = new MqttDecoder(maxPacket);
    this.out = new Uint8Array(4 * maxPacket + 1024);
    this.outBytes = this.out.length;
    this.scratch = new Uint8Array(256);
    this.controlMaxBytes = 256 + 16 * config.channels.length + 4 * COUNTER_COUNT;
    this.sensorMaxBytes = this.channels.sensorFrameMaxBytes;
    this.sensorFrames = this.channels.sensorFrames;
    const hmac = platform.createHmac ?? (() => new SoftHmacSha256());
    this.link = new ControlLink(config, hmac(), hmac(), platform);
    this.link.watchTopics(this.decoder);
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

  /** A snapshot of the session (phase, generation, session id, RTT, clock offset, reasons, backoff). Filled in place. */
  status(): SessionStatus {
    return this.session.status();
  }

  /** True while a motor command holds the outputs (until `motorExpiresAtMs`). */
  get motorsHeld(): boolean {
    return this.session.motorsHeld;
  }

  get motorExpiresAtMs(): number {
    return this.session.motorExpiresAtMs;
  }

  /** The preallocated array the host fills for a sensor channel. Throws for an unknown id (setup bug). */
  sensorArray(channelId: number): TypedArray {
    return this.channels.sensorArray(channelId);
  }

  /** The array last applied to a motor channel (or its safe values). */
  motorArray(channelId: number): TypedArray {
    return this.channels.motorArray(channelId);
  }

  /** Starts connecting. Returns 0, or Err.UndefinedTransition when already started. */
  start(nowMs: number): number {
    return this.queueInput(nowMs, Input.Start, 0);
  }

  /** Deregisters (when registered) and stops. */
  stop(nowMs: number): number {
    return this.queueInput(nowMs, Input.Stop, 0);
  }

  /** Publishes one sensor frame now from the sensor arrays (event-driven sensors). */
  submitSensorFrame(nowMs: number): number {
    return this.queueInput(nowMs, Input.SubmitSensor, 0);
  }

  handleTransportOpened(nowMs: number): void {
    this.queueInput(nowMs, Input.Opened, 0);
  }

  handleTransportClosed(nowMs: number, reason: number = Err.TransportClosed): void {
    this.queueInput(nowMs, Input.Closed, reason);
  }

  /** Earliest u32 ms instant at which tick() must run. */
  nextDeadline(): number {
    return this.session.nextDeadline();
  }

  /** Reads the socket, runs the timers, carries out what is due. Call at nextDeadline() and when readable. */
  tick(nowMs: number): void {
    if (this.running || this.inputCount !== 0) {
      this.queueInput(nowMs, Input.Tick, 0);
      return;
    }
    this.nowMs = nowMs >>> 0; // queueInput's path at rest, inline: an XS call costs more
    this.poll(Input.Tick, 0);
  }

  // ---------------------------------------------------------------- the poll loop

  /**
   * Runs the loop on one input, or queues it when the loop is running already (a host callback
   * made from inside it): the loop picks it up. At rest the queue is empty, so the input goes
   * straight in. Returns the input's result (0 when queued).
   */
  private queueInput(nowMs: number, kind: number, arg: number): number {
    this.nowMs = nowMs >>> 0;
    if (this.running) {
      this.pushInput(kind, arg);
      return 0;
    }
    if (this.inputCount === 0) return this.poll(kind, arg);
    // inputs left queued when a host callback threw out of the loop go first, in order
    this.pushInput(kind, arg);
    const first = this.takeInput();
    return this.poll(first, this.takenArg);
  }

  /** Removes the oldest queued input: returns its kind, and leaves its argument in takenArg. */
  private takeInput(): number {
    const at = this.inputHead * 2;
    this.takenArg = this.inputs[at + 1];
    this.inputHead = (this.inputHead + 1) % INPUT_SLOTS;
    this.inputCount--;
    return this.inputs[at];
  }

  private pushInput(kind: number, arg: number): void {
    if (this.inputCount === INPUT_SLOTS) {
      // Only a host stuck in a loop of callbacks gets here; the oldest tick is redundant.
      if (this.inputs[this.inputHead * 2] !== Input.Tick) throw new Error("agent: input ring overflow"); // programmer bug
      this.inputHead = (this.inputHead + 1) % INPUT_SLOTS;
      this.inputCount--;
    }
    const at = ((this.inputHead + this.inputCount) % INPUT_SLOTS) * 2;
    this.inputs[at] = kind;
    this.inputs[at + 1] = arg;
    this.inputCount++;
  }

  /**
   * The one loop: applies the first input, drains the inputs queued meanwhile, carries out the
   * actions, flushes the outbox. Returns the first input's result.
   */
  private poll(kind: number, arg: number): number {
    this.running = true;
    let result = 0;
    try {
      if (kind === Input.Tick) {
        // the steady state's input: applyTick(), inline (no switch, no call)
        const session = this.session;
        if (session.linkOpen) this.pump();
        session.tick(this.nowMs);
      } else result = this.apply(kind, arg);
      this.runActions();
      for (;;) {
        while (this.inputCount > 0) {
          const queued = this.takeInput();
          this.apply(queued, this.takenArg);
          this.runActions();
        }
        if (this.session.linkOpen) this.writeOut(); // flush(), inline
        if (this.inputCount === 0) break;
      }
    } finally {
      this.running = false;
    }
    return result;
  }

  private apply(kind: number, arg: number): number {
    const session = this.session;
    const now = this.nowMs;
    switch (kind) {
      // a tick queued behind another input (poll takes the first one inline)
      case Input.Tick:
        this.applyTick();
        return 0;
      case Input.Start:
        return session.handle(now, Ev.Start);
      case Input.Stop:
        return session.handle(now, Ev.Stop);
      case Input.Opened:
        return session.handle(now, Ev.TransportOpened);
      case Input.Closed:
        return session.handle(now, Ev.TransportLost, arg);
      case Input.SubmitSensor:
        return session.sensorAllowed(now) ? this.publishSensorFrame() : Err.WrongPhase;
    }
    return 0;
  }

  /** Input.Tick: reads the socket while a link is open, then runs the session's timers. */
  private applyTick(): void {
    const session = this.session;
    if (session.linkOpen) this.pump();
    session.tick(this.nowMs);
  }

  // ---------------------------------------------------------------- receive path

  /** Reads the socket straight into the decoder's buffer (no copy) and handles every whole packet. */
  private pump(): void {
    const transport = this.transport;
    const decoder = this.decoder;
    const session = this.session;
    for (let chunk = 0; chunk < MAX_RX_CHUNKS_PER_TICK && session.linkOpen; chunk++) {
      const at = decoder.filled === 0 ? 0 : decoder.writeOffset(); // empty (next() left it so): nothing to move
      const room = decoder.capacity - at;
      const n = transport.recv(decoder.buf, at, room);
      if (n === 0) return;
      if (n < 0) {
        this.pushInput(Input.Closed, Err.TransportClosed); // a queued event, handled by the loop
        return;
      }
      decoder.commit(n);
      this.counterArray[Counter.BytesReceived] += n;
      session.noteRx(this.nowMs);
      for (;;) {
        const type = decoder.next();
        if (type === 0) break;
        if (type < 0) {
          this.counterArray[Counter.DecodeErrors]++;
          decoder.reset();
          this.pushInput(Input.Closed, type); // MQTT framing is lost: reconnect
          return;
        }
        // the steady state's packet, a QoS 0 motor frame, skips onPacket's dispatch
        if (type === PacketType.Publish && decoder.topicSlot === MOTOR_TOPIC_SLOT && decoder.qos === 0) this.onMotorFrame();
        else this.onPacket(type);
        if (session.actions.length !== 0) this.runActions();
        if (!session.linkOpen) return;
        if (decoder.readOff === decoder.filled) break; // every byte read is parsed: next() would say NEED_MORE
      }
      if (n < room) return; // the socket had no more: asking again would return 0
    }
  }

  private onPacket(type: number): void {
    const d = this.decoder;
    const now = this.nowMs;
    switch (type) {
      // the steady state's packet first: XS tests a switch's cases one by one
      case PacketType.Publish:
        if (d.qos === 1) this.enqueue(encodePuback(this.out, this.reserve(4), d.packetId));
        if (d.topicSlot === MOTOR_TOPIC_SLOT) this.onMotorFrame();
        else if (d.topicSlot === CONTROL_TOPIC_SLOT) this.onControl();
        else this.session.unexpected();
        return;
      case PacketType.Connack:
        if (d.returnCode === 0) this.session.handle(now, Ev.ConnAckOk);
        else this.session.handle(now, Ev.ConnAckRefused, Err.MqttConnackRefused);
        return;
      case PacketType.Suback: {
        const failed = d.returnCodesLen < 1 || d.buf[d.returnCodesOff] === 0x80;
        if (failed) this.session.handle(now, Ev.SubscribeFailed, Err.MqttSubackFailed);
        else if (d.packetId === SUB_CONTROL_ID) this.session.handle(now, Ev.ControlSubscribed);
        else if (d.packetId === SUB_MOTOR_ID) this.session.handle(now, Ev.MotorSubscribed);
        return;
      }
      case PacketType.Puback:
        if (this.link.acked(d.packetId)) this.session.handle(now, Ev.PendingDone);
        return;
      case PacketType.Pingresp:
        return;
      default:
        this.session.unexpected();
    }
  }

  private onControl(): void {
    const d = this.decoder;
    const verdict = this.link.decide(this.nowMs, d.buf, d.payloadOff, d.payloadLen, this.session);
    if (verdict !== 0) this.session.malformed(verdict);
  }

  private onMotorFrame(): void {
    const d = this.decoder;
    const buf = d.buf;
    const off = d.payloadOff;
    const session = this.session;
    const channels = this.channels;
    const frame = channels.motorFrame;
    const r = frame.decode(buf, off, d.payloadLen, channels.wire);
    if (r < 0) return session.countDrop(r);
    const mac = verifyMotorMac(buf, off, frame, session.sessionId, this.link.macHmac);
    if (mac !== 0) return session.countDrop(mac);
    if (session.onMotorFrame(this.nowMs, frame.seq, frame.second) !== 0) return; // second: the deadline, without MotorFrame.deadline's getter call
    channels.applyMotorFrame(this.io);
  }

  // ---------------------------------------------------------------- actions and send path

  /** Carries out every queued action; an action that fails becomes the ActionFailed event. */
  private runActions(): void {
    const q = this.session.actions;
    while (q.length !== 0) {
      const action = q.poll();
      if (action === Act.SampleSensors) {
        this.sampleAndPublish(); // the steady state's action, without perform's call and arguments
        continue;
      }
      const r = this.perform(action, q.a, q.b, q.level);
      if (r < 0) {
        this.log(Level.Error, r, `action ${actionNames[action]} failed: ${errorName(r)}`);
        this.session.actionFailed(this.nowMs, r);
      }
    }
  }

  /** Carries out one action. Returns 0 or a negative Err code. */
  private perform(action: number, a: number, b: number, level: number): number {
    const link = this.link;
    switch (action) {
      // the steady state's action first: XS tests a switch's cases one by one
      case Act.SampleSensors:
        this.sampleAndPublish();
        return 0;
      case Act.Open: {
        this.decoder.reset();
        this.outStart = this.outEnd = 0;
        link.resetSession();
        link.watchTopics(this.decoder);
        const brokers = this.config.brokers;
        if (a === 1) this.brokerIndex = (this.brokerIndex + 1) % brokers.length; // the last one was not reached
        const broker = brokers[this.brokerIndex];
        this.transport.open(broker.host, broker.port);
        return 0;
      }
      case Act.Close:
        this.transport.close();
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
        // The session has left its linked phase already; the DISCONNECT goes out before the Close.
        this.enqueue(encodeDisconnect(this.out, this.reserve(2)));
        this.writeOut();
        return 0;
      case Act.SendPing:
        return this.enqueue(encodePingreq(this.out, this.reserve(2)));
      case Act.MotorsSafe:
        this.channels.resetMotorsToSafe();
        this.io.motorsSafe();
        return 0;
      case Act.Report:
        if (level >= this.config.logLevel) this.log(level, a, this.describe(a, b));
        return 0;
      case Act.RestartNetwork:
        this.platform.restartNetwork();
        return 0;
      case Act.Reboot:
        this.platform.reboot();
        return 0;
      case Act.AdoptChallenge:
        link.adoptChallenge();
        return 0;
      case Act.AdoptRegistration: {
        const r = link.adoptRegistration();
        return r !== 0 ? r : link.watchTopics(this.decoder);
      }
    }
    return 0;
  }

  /** Act.SampleSensors: the host samples the sensors into their arrays, then the frame goes out. */
  private sampleAndPublish(): void {
    this.io.sampleSensors(this.nowMs, this.channels);
    // queued by the session at this instant, so its clock is here: sensorsOpen is
    // sensorAllowed's answer without the call (which still counts a drop)
    const session = this.session;
    if (session.sensorsOpen || session.sensorAllowed(this.nowMs)) this.publishSensorFrame();
  }

  /**
   * Puts the next sensor frame in the outbox as a QoS 0 PUBLISH (the caller checked that the
   * phase allows it).
   * The kept sensor packet: a sensor packet written into an empty outbox stays where it is
   * after it was sent, and the packets written after it while the outbox is empty go after it
   * (reserve), so nothing writes over it until the outbox must be compacted. When the outbox
   * is empty, or holds only packets written since (they are sent first: a heartbeat then
   * leaves before the frame, as it did before it), the next frame is refreshed in place
   * (SensorFrameWriter.refresh: seq, t and the channels' bytes; the PUBLISH header stays) and
   * the outbox is the packet again. Otherwise the packet is written whole.
   */
  private publishSensorFrame(): number {
    const session = this.session;
    const topicField = this.link.sensorTopicField;
    const seq = (this.sensorSeq + 1) >>> 0;
    const brainMs = (this.nowMs + session.liveness.offsetMs) >>> 0; // liveness.toBrainMs, inline
    if (this.sensorPacketAt >= 0 && topicField === this.sensorPacketTopic) {
      // packets written after the kept one go first (a heartbeat's RTT is not to include the frame)
      if (this.outEnd !== 0 && this.outStart === this.sensorPacketEnd) this.flush();
      const end = this.outEnd === 0 ? this.sensorFrames.refresh(this.out, this.sensorFrameAt, seq, brainMs) : Err.QueueFull;
      if (end >= 0) {
        this.sensorSeq = seq;
        this.outStart = this.sensorPacketAt;
        this.outEnd = end;
        this.counterArray[Counter.SensorFramesSent]++;
        return 0;
      }
    }
    this.sensorPacketAt = -1; // a new packet: the old one is no longer kept
    const p = this.beginPublish(topicField.length - 2, this.sensorMaxBytes);
    let r = p;
    if (p >= 0) {
      this.sensorSeq = seq;
      const end = this.sensorFrames.write(this.out, p, seq, brainMs);
      const alone = this.outStart === this.packetStart; // nothing else in the outbox: the packet stays where it is written
      r = end < 0 ? end : this.endPacket(encodeQos0HeaderBefore(this.out, p, end - p, topicField), end, false);
      if (r === 0 && alone) {
        this.sensorPacketAt = this.outStart;
        this.sensorPacketEnd = end;
        this.sensorFrameAt = p;
        this.sensorPacketTopic = topicField;
      }
    }
    if (r < 0) {
      this.counterArray[Counter.SensorFramesDropped]++;
      if (r === Err.QueueFull) this.counterArray[Counter.OutboxFull]++;
      return r;
    }
    this.counterArray[Counter.SensorFramesSent]++;
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
   * Step 2: the caller wrote the header to end at the payload; it starts at head (or head is
   * an Err code). The packet joins the outbox, moved down over the gap a header shorter than
   * the reserve leaves when bytes come before it (copyWithin: native, no allocation). record:
   * tell the strict decoder what was sent (decoder.sent); a QoS 0 PUBLISH leaves it nothing to
   * expect, so its senders pass false and save the calls.
   */
  private endPacket(head: number, payloadEnd: number, record: boolean): number {
    if (head < 0) return head;
    if (this.outStart === this.packetStart && this.sensorPacketAt < 0) {
      // the packet is all the outbox holds: it simply starts at its header
      this.outStart = head;
      this.outEnd = payloadEnd;
    } else {
      // after other packets, or right after the kept sensor packet: moved down to close the gap
      if (head > this.packetStart) this.out.copyWithin(this.packetStart, head, payloadEnd);
      this.outEnd = this.packetStart + (payloadEnd - head);
      head = this.packetStart;
    }
    if (record) this.decoder.sent(this.out, head); // the strict decoder's record of what was sent
    return 0;
  }

  private beginControl(): number {
    return this.beginPublish(this.link.controlUpBytes.length, this.controlMaxBytes);
  }

  private endControl(payloadEnd: number, qos: 0 | 1): number {
    if (payloadEnd < 0) return payloadEnd;
    const link = this.link;
    const topic = link.controlUpBytes;
    const payloadStart = this.packetStart + publishHeaderMaxBytes(topic.length);
    if (qos === 0) return this.endPacket(encodeQos0HeaderBefore(this.out, payloadStart, payloadEnd - payloadStart, link.controlUpField), payloadEnd, false);
    const packetId = link.nextPacketId();
    if (packetId < 0) return packetId;
    return this.endPacket(encodePublishHeaderBefore(this.out, payloadStart, payloadEnd - payloadStart, topic, topic.length, 1, packetId, false, false), payloadEnd, true);
  }

  /** Returns the outbox offset where `n` bytes may be written, compacting first; QUEUE_FULL if they don't fit. */
  private reserve(n: number): number {
    if (this.sensorPacketAt >= 0) {
      if (this.outEnd === 0) this.outStart = this.outEnd = this.sensorPacketEnd; // empty: write after the kept sensor packet
      if (this.outEnd + n <= this.outBytes) return this.outEnd;
      this.sensorPacketAt = -1; // compacting writes over it
    } else if (this.outEnd + n <= this.outBytes) return this.outEnd;
    this.flush();
    if (this.outStart > 0) {
      this.out.copyWithin(0, this.outStart, this.outEnd);
      this.outEnd -= this.outStart;
      this.outStart = 0;
    }
    return this.outEnd + n <= this.outBytes ? this.outEnd : Err.QueueFull;
  }

  /** Accepts the end offset of a packet written at outEnd (or an error from reserve/encode). */
  private enqueue(end: number): number {
    if (end < 0) {
      if (end === Err.QueueFull) this.counterArray[Counter.OutboxFull]++;
      return end;
    }
    this.decoder.sent(this.out, this.outEnd); // the strict decoder's record of what was sent
    this.outEnd = end;
    return 0;
  }

  /** Pushes the outbox through the transport while a link is open. */
  private flush(): void {
    if (this.session.linkOpen) this.writeOut();
  }

  /** Writes the outbox until it is empty or the transport would block; an error becomes a queued event. */
  private writeOut(): void {
    while (this.outStart < this.outEnd) {
      const n = this.transport.send(this.out, this.outStart, this.outEnd - this.outStart);
      if (n === 0) return;
      if (n < 0) {
        this.pushInput(Input.Closed, Err.TransportClosed); // handled by the loop, never re-entered
        return;
      }
      this.outStart += n;
      this.counterArray[Counter.BytesSent] += n;
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
    this.platform.log(level, code, `[${this.config.agentId}] ${message}`);
  }

  private describe(note: number, detail: number): string {
    switch (note) {
      case Note.PhaseEntered:
        return `phase ${phaseNames[detail]} (generation ${this.session.generation})`;
      case Note.Backoff: {
        const s = this.session;
        const closed = s.status().closeClass;
        if (closed === CloseClass.DrainDeploy || closed === CloseClass.DrainOperator) {
          return `reconnecting in ${detail} ms: ${this.brokerName()} drained (${closed === CloseClass.DrainDeploy ? "deploy" : "operator"}), as the brain's retry-after hint asks`;
        }
        if (closed === CloseClass.Graceful) return `reconnecting in ${detail} ms: ${this.brokerName()} ended the session (deregistered)`;
        // The class printed is the one of the reason printed (out of failed, lastCause is older).
        return `reconnecting in ${detail} ms: ${this.brokerName()} ${causeNames[causeOf(s.lastReason)]}-level ${errorName(s.lastReason)}` +
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

