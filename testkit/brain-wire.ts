/*
 * testkit/brain-wire: drive a brain SessionService message by message, with no broker.
 *
 * Theory of operation: a WireRig holds a SessionService (brain/service.ts) whose host records
 * every publish, and builds the agent's messages with the firmware's own encoders
 * (src/protocol, src/codec/frames): hello, proof (right or wrong), heartbeat, status,
 * deregister, death, sensor frames. `proof()` answers the last challenge the brain sent, as
 * an agent holding `key` would. Time is whatever the test passes (`t`). Engine-agnostic, so a
 * suite built on it also runs on XS. Test use only: it allocates freely.
 */
import { ChannelKind, ChannelTable, ElementType, byteView, type ChannelSpec } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { encodeSensorFrame } from "../src/codec/frames/sensor";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { computeAgentProof } from "../src/protocol/auth";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import { encodeDeath, encodeDeregister, encodeHeartbeat, encodeHello, encodeProof, encodeStatus } from "../src/protocol/encode";
import { TopicKind, topicFor } from "../src/protocol/topics";
import { MsgType } from "../src/protocol/wire";
import { SessionService } from "../brain/service";
import type { FrameController as Controller, FrameMotorCommand as MotorCommand } from "../brain/controller";
import type { BrainEvent, BrainEvents, LogLevel } from "../brain/events";
import type { BrainLimits } from "../brain/session/shared";
import { Prng } from "./prng";

export const WIRE_CHANNELS: readonly ChannelSpec[] = [
  { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 4, rateHz: 20 },
  { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 20 },
];

export const WIRE_LIMITS: BrainLimits = { heartbeatMs: 500, motorDeadlineMs: 300, maxSensorHz: 50, maxFrameBytes: 4096 };

/** A controller that answers every sensor frame with wheels = [seq, -seq]. */
export class EchoController implements Controller {
  private readonly wheels = new Float32Array(2);
  private readonly cmd: MotorCommand = { channels: new Map([[10, this.wheels]]) };
  onSensorFrame(ctx: { seq: number }): MotorCommand {
    this.wheels[0] = ctx.seq;
    this.wheels[1] = -ctx.seq;
    return this.cmd;
  }
}

export interface Published {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
}

export class WireRig {
  readonly service: SessionService;
  readonly published: Published[] = [];
  readonly logs: [LogLevel, string][] = [];
  readonly events: { event: BrainEvent; data: unknown }[] = [];
  readonly table = new ChannelTable(WIRE_CHANNELS);
  readonly keys = new Map<string, Uint8Array>();
  private readonly scratch = new Uint8Array(1024);
  private readonly hmac = new SoftHmacSha256();
  private readonly msg = new ControlMessage();
  private readonly rng: Prng;

  constructor(keys: [string, Uint8Array][], seed = 1, limits: BrainLimits = WIRE_LIMITS) {
    for (const [id, k] of keys) this.keys.set(id, k);
    this.rng = new Prng(seed);
    const rng = this.rng;
    this.service = new SessionService({ keyOf: (id) => this.keys.get(id) }, limits, new EchoController(), {
      publish: (topic, payload, qos) => void this.published.push({ topic, payload, qos }),
      log: (level, m) => void this.logs.push([level, m]),
      emit: <E extends BrainEvent>(event: E, data: BrainEvents[E]) => void this.events.push({ event, data }),
      listening: () => true,
      random: (dst) => {
        rng.fill(dst);
      },
    });
  }

  private ctl(t: number, id: string, len: number): void {
    if (len < 0) throw new Error(`brain-wire: encoding failed (${len})`);
    this.service.onMessage(t, topicFor(id, TopicKind.UpCtl), this.scratch.slice(0, len));
  }

  hello(t: number, id: string, generation: number, opts: { version?: number; helloId?: string } = {}): void {
    const nonce = new Uint8Array(16).fill(generation & 0xff);
    let n = encodeHello(this.scratch, 0, "wire-1", opts.helloId ?? id, generation, nonce, 0, 1024, this.table);
    if (opts.version !== undefined) n = patchVersion(this.scratch, n, opts.version);
    this.ctl(t, id, n);
  }

  /** The last control message the brain sent to id, decoded (type, or -1 for none). */
  lastControl(id: string): ControlMessage | null {
    const topic = topicFor(id, TopicKind.DnCtl);
    for (let i = this.published.length - 1; i >= 0; i--) {
      const p = this.published[i];
      if (p.topic !== topic) continue;
      if (decodeControl(p.payload, 0, p.payload.length, this.msg) < 0) return null;
      return this.msg;
    }
    return null;
  }

  /** Answers the last challenge with the proof of `key` (the agent's key; wrong keys make a bad proof). */
  proof(t: number, id: string, key: Uint8Array): void {
    const m = this.lastControl(id);
    const proof = new Uint8Array(32);
    if (m !== null && m.type === MsgType.Challenge) computeAgentProof(this.hmac, key, m.buf, m.agentNonceOff, m.buf, m.nonceOff, proof, 0);
    this.ctl(t, id, encodeProof(this.scratch, 0, proof, 0));
  }

  heartbeat(t: number, id: string, seq = 1): void {
    this.ctl(t, id, encodeHeartbeat(this.scratch, 0, seq, 1000 + seq, 3));
  }

  status(t: number, id: string, generation: number): void {
    this.ctl(t, id, encodeStatus(this.scratch, 0, 5, generation, 4, -2, [1, 2, 3], 3, 0));
  }

  deregister(t: number, id: string, reason: number): void {
    this.ctl(t, id, encodeDeregister(this.scratch, 0, reason));
  }

  death(t: number, id: string, generation: number): void {
    this.ctl(t, id, encodeDeath(this.scratch, 0, generation));
  }

  /** A control payload of the given bytes (garbage, or a type agents never send). */
  raw(t: number, id: string, bytes: Uint8Array): void {
    this.service.onMessage(t, topicFor(id, TopicKind.UpCtl), bytes);
  }

  sensor(t: number, id: string, seq: number): void {
    const entries = new FrameEntries(this.table, ChannelKind.Sensor);
    entries.add(0, byteView(new Float32Array([seq, 1, 2, 3])));
    const n = encodeSensorFrame(this.scratch, 0, seq >>> 0, t >>> 0, entries);
    if (n < 0) throw new Error(`brain-wire: sensor frame encoding failed (${n})`);
    this.service.onMessage(t, topicFor(id, TopicKind.UpSns), this.scratch.slice(0, n));
  }

  /** The brain-side state name of id. */
  stateOf(t: number, id: string): string {
    const a = this.service.agents(t).find((x) => x.id === id);
    return a === undefined ? "none" : a.phase;
  }
}

/** Rewrites hello `v` (the value after the key "v": one CBOR small uint). */
function patchVersion(buf: Uint8Array, n: number, version: number): number {
  for (let i = 0; i + 2 < n; i++) if (buf[i] === 0x61 && buf[i + 1] === 0x76 && buf[i + 2] === 0x01) {
    buf[i + 2] = version;
    return n;
  }
  throw new Error("brain-wire: no v in hello");
}
