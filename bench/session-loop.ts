/*
 * session-loop: the steady state of a real Agent against an allocation-free in-memory
 * broker + brain, for the session benchmark (V8 and XS, same code).
 *
 * Theory of operation: the host's send/recv are two preallocated byte rings. The "brain" side
 * parses the agent's packets with our own MqttServerDecoder, answers heartbeats with a
 * heartbeat-ack, and answers every sensor frame with one motor frame signed with the session
 * key, all written with our zero-allocation encoders into preallocated buffers. One `step()`
 * advances the clock by the sensor period and calls agent.tick() once: the motor frame from
 * the previous step comes in, one sensor frame goes out, and heartbeats go and return as they
 * fall due. The handshake (hello, challenge, proof, registered) happens in `warm()` and may
 * allocate; the steps after it must not, and the benchmark measures exactly that.
 */
import { Agent, type AgentHost } from "../src/agent/agent";
import type { TypedArray } from "../src/agent/channels";
import { utf8Bytes } from "../src/codec/bytes";
import { SoftHmacSha256, type HmacSha256 } from "../src/codec/crypto/hmac";
import { ChannelKind, ChannelTable as WireTable, byteView } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { encodeMotorFrame } from "../src/codec/frames/motor";
import { SensorFrame } from "../src/codec/frames/sensor";
import { PacketType } from "../src/codec/mqtt/constants";
import { encodePuback, encodePublish } from "../src/codec/mqtt/publish";
import { MqttServerDecoder, encodeConnack, encodePingresp, encodeSuback } from "../testkit/mqtt-server-codec";
import { computeBrainProof, computeSessionKey } from "../src/protocol/auth";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import { encodeChallenge, encodeHeartbeatAck, encodeRegistered } from "../src/protocol/encode";
import { MsgType } from "../src/protocol/wire";
import { Phase } from "../src/session/automaton";

const KEY = utf8Bytes("bench-device-key-0123456789abcdef");
const SENSOR_HZ = 100;
const RING_BYTES = 1 << 16;

/** Options for a device with little RAM (bench/rp2040) and for comparing HMAC engines. */
export interface SessionLoopOptions {
  /** Bytes of each of the two rings (default 64 KiB; a few KiB suffice in steady state). */
  ringBytes?: number;
  /** Sensor frames per second, one per step (default 100). */
  sensorHz?: number;
  /** The agent's HMAC engine (default: its own choice, the TypeScript SoftHmacSha256). */
  createHmac?: () => HmacSha256;
  /** The brain's HMAC engine (default: SoftHmacSha256). */
  brainHmac?: () => HmacSha256;
  /**
   * A native byte copy for the in-memory socket (dst, dstOff, src, srcOff, len), as a device's
   * socket driver copies natively (bench/rp2040 passes a C memmove); default: JS loops.
   */
  copyBytes?: CopyBytes;
}

/** Copies src[srcOff..srcOff+len) to dst[dstOff..]. */
export type CopyBytes = (dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number) => void;

/**
 * One direction of the in-memory socket. Bytes are copied by a JS loop unless a native copy is
 * given: Uint8Array.prototype.set needs a view per range, and a cache of views (as the device's
 * transport keeps) still makes one for a range that first recurs inside a measured window. With
 * the JS loops the agent's lap includes copies that a device's socket runs natively.
 */
class Ring {
  readonly buf: Uint8Array;
  readonly size: number;
  start = 0;
  end = 0;
  private readonly copy: CopyBytes | undefined;
  constructor(size: number, copy?: CopyBytes) {
    this.size = size;
    this.buf = new Uint8Array(size);
    this.copy = copy;
  }
  /** Appends src[off..off+len); returns bytes taken (0 when full). */
  write(src: Uint8Array, off: number, len: number): number {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + len > this.size) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      if (this.end + len > this.size) return 0;
    }
    const b = this.buf;
    if (this.copy) this.copy(b, this.end, src, off, len);
    else for (let i = 0; i < len; i++) b[this.end + i] = src[off + i];
    this.end += len;
    return len;
  }
  /** Moves up to len bytes into dst[off..]; returns the count. */
  read(dst: Uint8Array, off: number, len: number): number {
    const n = Math.min(len, this.end - this.start);
    const b = this.buf;
    if (this.copy) this.copy(dst, off, b, this.start, n);
    else for (let i = 0; i < n; i++) dst[off + i] = b[this.start + i];
    this.start += n;
    return n;
  }
}

export class SessionLoop {
  readonly agent: Agent;
  nowMs = 0x40000000; // mid-range u32: every time field keeps its 5-byte CBOR form (the wrap itself is covered by the scenario suite)
  steps = 0;
  sensorFramesIn = 0;
  motorFramesOut = 0;
  motorApplied = 0;
  readonly sensorHz: number;
  private readonly up: Ring;
  private readonly down: Ring;
  private readonly decoder = new MqttServerDecoder(4096);
  private readonly out = new Uint8Array(4096);
  private readonly payload = new Uint8Array(2048);
  private readonly msg = new ControlMessage();
  private readonly hmac: HmacSha256;
  private readonly macHmac: HmacSha256;
  private readonly scratch32 = new Uint8Array(32);
  private readonly nonceA = new Uint8Array(16);
  private readonly nonceB = new Uint8Array(16).fill(7);
  private readonly proof = new Uint8Array(32);
  private readonly sessionKey = new Uint8Array(32);
  private readonly wire: WireTable;
  private readonly motorEntries: FrameEntries;
  private readonly motorValues = new Float32Array(2);
  private readonly sensorFrame = new SensorFrame(4, 2048);
  private readonly ctlDown = utf8Bytes("bs/1/bench1/dn/ctl");
  private readonly motorTopic = utf8Bytes("bs/1/bench1/dn/mot");
  private motorSeq = 0;
  private randomByte = 1;
  /** The agent's imu channel array, once the first sample asked for it. */
  private imu: TypedArray | null = null;

  constructor(opts: SessionLoopOptions = {}) {
    const hz = (this.sensorHz = opts.sensorHz ?? SENSOR_HZ);
    const brainHmac = opts.brainHmac ?? (() => new SoftHmacSha256());
    this.hmac = brainHmac();
    this.macHmac = brainHmac();
    this.up = new Ring(opts.ringBytes ?? RING_BYTES, opts.copyBytes);
    this.down = new Ring(opts.ringBytes ?? RING_BYTES, opts.copyBytes);
    this.wire = new WireTable([
      { id: 0, kind: ChannelKind.Sensor, elementType: 85, count: 16, rateHz: hz },
      { id: 1, kind: ChannelKind.Sensor, elementType: 77, count: 8, rateHz: hz },
      { id: 10, kind: ChannelKind.Motor, elementType: 85, count: 2, rateHz: hz },
    ]);
    this.motorEntries = new FrameEntries(this.wire, ChannelKind.Motor, 1);
    this.motorEntries.add(10, byteView(this.motorValues));
    const host: AgentHost = {
      transport: {
        open: () => undefined,
        close: () => undefined,
        send: (src, off, len) => this.up.write(src, off, len),
        recv: (dst, off, len) => this.down.read(dst, off, len),
      },
      io: {
        // a new reading on one element per step: what the user's driver costs is not the agent's
        // (16 float stores cost the RP2040 about 65,000 cycles, a tenth of the agent's tick)
        sampleSensors: (_nowMs, sensors) => {
          const imu = this.imu ?? (this.imu = sensors.sensorArray(0));
          imu[this.steps & 15] = this.steps * 0.25;
        },
        applyMotor: () => void this.motorApplied++,
        motorsSafe: () => undefined,
      },
      platform: {
        createHmac: opts.createHmac,
        random: (dst) => {
          for (let i = 0; i < dst.length; i++) dst[i] = this.randomByte = (this.randomByte * 73 + 41) & 0xff;
        },
        log: () => undefined,
        restartNetwork: () => undefined,
        reboot: () => undefined,
      },
    };
    this.agent = new Agent({
      agentId: "bench1", key: KEY, brokerHost: "loop", brokerPort: 1883,
      channels: [
        { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
        { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
        { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
      ],
      session: { sensorRateHz: hz, heartbeatIntervalMs: 1000, statusIntervalMs: 0 },
    }, host);
  }

  /** Connects, authenticates and registers, then runs `steps` steady steps. Allocation allowed here. */
  warm(steps: number): void {
    this.agent.start(this.nowMs);
    this.agent.handleTransportOpened(this.nowMs);
    for (let i = 0; i < 20 && this.agent.phase !== Phase.Active; i++) {
      this.brain();
      this.agent.tick(this.nowMs);
    }
    if (this.agent.phase !== Phase.Active) throw new Error(`session loop: not active after the handshake (${this.agent.phaseName})`);
    this.run(steps);
  }

  /** n steady steps: one sensor frame out, one motor frame in, heartbeats as due. */
  run(n: number): void {
    const periodMs = 1000 / this.sensorHz;
    for (let i = 0; i < n; i++) {
      this.nowMs = (this.nowMs + periodMs) >>> 0;
      this.agent.tick(this.nowMs);
      this.brain();
      this.steps++;
    }
  }

  /**
   * n steady steps like run(), for bench/cost.ts: lap() returns the XS compute meter counted
   * since its previous call. Adds the laps of the agent's tick to laps[0], of the brain to
   * laps[1] and of an empty segment of the same shape (the lap's own overhead) to laps[2].
   */
  runLapped(n: number, lap: () => number, laps: Float64Array): void {
    const periodMs = 1000 / this.sensorHz;
    for (let i = 0; i < n; i++) {
      this.nowMs = (this.nowMs + periodMs) >>> 0;
      lap();
      this.agent.tick(this.nowMs);
      laps[0] += lap();
      lap();
      this.brain();
      laps[1] += lap();
      lap();
      laps[2] += lap();
      this.steps++;
    }
  }

  private brain(): void {
    const d = this.decoder;
    const up = this.up;
    if (up.end > up.start) {
      d.push(up.buf, up.start, up.end - up.start);
      up.start = up.end;
    }
    for (let type = d.next(); type > 0; type = d.next()) {
      if (type === PacketType.Connect) this.toAgent(encodeConnack(this.out, 0, false, 0));
      else if (type === PacketType.Subscribe) this.toAgent(encodeSuback(this.out, 0, d.packetId, ONE_QOS0));
      else if (type === PacketType.Pingreq) this.toAgent(encodePingresp(this.out, 0));
      else if (type === PacketType.Publish) {
        if (d.qos === 1) this.toAgent(encodePuback(this.out, 0, d.packetId));
        if (d.topicLen === 18) this.onSensor(d); // "bs/1/bench1/up/sns" vs ".../up/ctl": same length; check the last byte
        else this.onControl(d);
      }
    }
    if (d.next() < 0) throw new Error("session loop: the agent sent a malformed packet");
  }

  private onSensor(d: MqttServerDecoder): void {
    if (d.buf[d.topicOff + 17] !== 0x73) return this.onControl(d); // 's' of "sns"
    if (this.sensorFrame.decode(d.buf, d.payloadOff, d.payloadLen, this.wire) < 0) throw new Error("session loop: bad sensor frame");
    this.sensorFramesIn++;
    this.motorValues[0] = this.motorValues[1] = this.sensorFrame.seq & 0xff;
    const brainNow = this.nowMs; // the brain's clock equals the agent's here
    const n = encodeMotorFrame(this.payload, 0, ++this.motorSeq, (brainNow + 200) >>> 0, this.motorEntries, 77, this.macHmac, this.scratch32);
    this.toAgent(encodePublish(this.out, 0, this.motorTopic, this.motorTopic.length, this.payload, 0, n, 0, 0, false, false));
    this.motorFramesOut++;
  }

  private onControl(d: MqttServerDecoder): void {
    const m = this.msg;
    const type = decodeControl(d.buf, d.payloadOff, d.payloadLen, m);
    let n = -1;
    if (type === MsgType.Heartbeat) n = encodeHeartbeatAck(this.payload, 0, m.seq, m.agentTime, this.nowMs);
    else if (type === MsgType.Hello) {
      for (let i = 0; i < 16; i++) this.nonceA[i] = m.buf[m.nonceOff + i];
      computeBrainProof(this.hmac, KEY, this.nonceA, 0, this.nonceB, 0, this.proof, 0);
      n = encodeChallenge(this.payload, 0, this.nonceB, 0, this.nonceA, 0, this.proof, 0);
    } else if (type === MsgType.Proof) {
      computeSessionKey(this.hmac, KEY, this.nonceA, 0, this.nonceB, 0, this.sessionKey, 0);
      this.macHmac.setKey(this.sessionKey, 0, 32);
      n = encodeRegistered(this.payload, 0, 77, this.agent.status().generation, "bs/1/bench1/up/sns", "bs/1/bench1/dn/mot", 2048, 1000, 1000, 300, this.nowMs);
    }
    if (n > 0) this.toAgent(encodePublish(this.out, 0, this.ctlDown, this.ctlDown.length, this.payload, 0, n, 0, 0, false, false));
  }

  private toAgent(n: number): void {
    if (n < 0 || this.down.write(this.out, 0, n) !== n) throw new Error("session loop: the down ring overflowed");
  }
}

const ONE_QOS0 = [0];

/** For XS: a global the benchmark drives through XsWorker.call / measureAlloc. */
export function createSessionLoop(opts: SessionLoopOptions = {}): SessionLoop {
  return new SessionLoop(opts);
}
