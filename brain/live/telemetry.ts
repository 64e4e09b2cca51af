/*
 * brain/live/telemetry: the brain's events as named, JSON-ready records for the live views
 * and the recorder.
 *
 * Theory of operation: a Telemetry object listens to a running brain (Brain.on) and turns
 * what happens into Records, handed synchronously to every sink:
 *   session  an agent's channel table (names, units, kinds, types), once per session, before
 *            its first frame;
 *   sensor   one sensor frame: seq, both clocks, values by channel name;
 *   motor    one motor frame the brain sent: seq, deadline, the sensor seq it answers (the
 *            agent's latest frame when it was sent), values by channel name (decoded from the
 *            signed frame bytes with cbor-x);
 *   status   an agent's /status entry, whenever its phase, generation or session changes
 *            (checked on every lifecycle event and on a session's first frame), and every
 *            `statusEveryMs` anyway (counters, RTT, clock offset);
 *   event    a control event: registered, rejected, death, stale-death, deregistered, and
 *            operator commands (drain, deregister: Brain.drain / Brain.deregister call
 *            `operator()`, whoever asked: the page, the CLI's Ctrl-C, a program).
 * Values are copied into plain number arrays only when some sink wants frames (`wantsFrames`),
 * so a brain with no viewer and no recorder pays one Map lookup per frame. Sinks must not
 * block: they queue or drop (the recorder) or send to sockets (the views).
 */
import { Decoder } from "cbor-x";
import type { DeclaredChannels, SensorContext, TypedArray } from "../controller";
import type { BrainEvent, BrainEvents } from "../events";
import type { StatusReport } from "../service";
import type { AgentStatus, ChannelStatus } from "../status";

/** What the live views use of a running brain; brain/index.ts's Brain is one. */
export interface LiveBrain {
  agents(): AgentStatus[];
  status(): StatusReport;
  drain(agentId: string | "all", reason: 1 | 2, retryAfterMs: number, deadlineMs?: number): void;
  deregister(agentId: string): void;
  on<E extends BrainEvent>(event: E, fn: (data: BrainEvents[E]) => void): unknown;
  off<E extends BrainEvent>(event: E, fn: (data: BrainEvents[E]) => void): unknown;
}

/** A channel as the live views and the recording describe it: the same as /status. */
export type ChannelDesc = ChannelStatus;

export type Record =
  | { type: "session"; agentId: string; sessionId: number; channels: ChannelDesc[] }
  | { type: "sensor"; agentId: string; sessionId: number; seq: number; brainTimeMs: number; agentTimeMs: number; values: { [name: string]: number[] } }
  | { type: "motor"; agentId: string; sessionId: number; seq: number; deadline: number; sensorSeq: number; values: { [name: string]: number[] } }
  | { type: "status"; agentId: string; status: AgentStatus }
  | { type: "event"; agentId: string; event: string; detail: string };

export interface Sink {
  /** True when the sink wants sensor and motor records now (e.g. someone is watching). */
  wantsFrames(): boolean;
  push(rec: Record): void;
}

interface AgentTrack {
  sessionId: number;
  declared: DeclaredChannels | null;
  lastSensorSeq: number;
  /** phase|generation|session of the last status record. */
  statusKey: string;
}

export function describeChannels(d: DeclaredChannels): ChannelDesc[] {
  return d.list.map((c) => ({ name: c.name, unit: c.unit, id: c.id, kind: c.kind, type: c.type, count: c.count, rateHz: c.rateHz }));
}

function toNumbers(a: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

export class Telemetry {
  private readonly sinks: Sink[] = [];
  private readonly agents = new Map<string, AgentTrack>();
  private readonly motorDecoder = new Decoder({ mapsAsObjects: true, useRecords: false });
  private readonly timer: NodeJS.Timeout;
  private readonly off: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly brain: LiveBrain,
    statusEveryMs = 1000,
  ) {
    const on = <E extends BrainEvent>(event: E, fn: (data: BrainEvents[E]) => void) => {
      brain.on(event, fn);
      this.off.push(() => brain.off(event, fn));
    };
    on("sensor", (ctx) => this.onSensor(ctx));
    on("motor", (m) => this.onMotor(m));
    on("registered", (e) => {
      this.event(e.agentId, "registered", `session 0x${e.sessionId.toString(16).padStart(8, "0")}, generation ${e.generation}, ${e.channels} channels, firmware ${e.firmware || "?"}`);
      this.scanSoon();
    });
    on("rejected", (e) => this.event(e.agentId, "rejected", `${e.reasonName}: ${e.message}`));
    on("death", (e) => {
      this.event(e.agentId, "death", `${e.cause} (generation ${e.generation})`);
      this.scanSoon();
    });
    on("stale-death", (e) => this.event(e.agentId, "stale-death", `generation ${e.generation} ignored (current ${e.currentGeneration})`));
    on("deregistered", (e) => {
      this.event(e.agentId, "deregistered", e.reason);
      this.scanSoon();
    });
    this.timer = setInterval(() => this.scanStatus(true), statusEveryMs);
    this.timer.unref();
  }

  addSink(s: Sink): void {
    this.sinks.push(s);
  }

  /** An operator command (from the page or the CLI), recorded as an event. */
  operator(agentId: string, command: string, detail: string): void {
    this.event(agentId, command, detail);
    setTimeout(() => {
      if (!this.closed) this.scanStatus(false);
    }, 50).unref();
  }

  /** The channel tables of the current sessions (for a viewer that connects late). */
  sessions(): Record[] {
    const out: Record[] = [];
    for (const [agentId, t] of this.agents) if (t.declared !== null) out.push({ type: "session", agentId, sessionId: t.sessionId, channels: describeChannels(t.declared) });
    return out;
  }

  /** Stops listening, after a last status scan (so the final phases are recorded). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scanStatus(false);
    clearInterval(this.timer);
    for (const f of this.off) f();
    this.off.length = 0;
  }

  /** A status scan once the brain has finished handling the current event. */
  private scanSoon(): void {
    setImmediate(() => {
      if (!this.closed) this.scanStatus(false);
    });
  }

  private push(rec: Record, frames: boolean): void {
    for (const s of this.sinks) {
      if (frames && !s.wantsFrames()) continue;
      try {
        s.push(rec);
      } catch {
        // a sink that throws loses this record; the brain goes on
      }
    }
  }

  private anyWantsFrames(): boolean {
    for (const s of this.sinks) if (s.wantsFrames()) return true;
    return false;
  }

  private track(agentId: string, sessionId: number, declared: DeclaredChannels | null): AgentTrack {
    let t = this.agents.get(agentId);
    if (t === undefined) {
      t = { sessionId, declared: null, lastSensorSeq: 0, statusKey: "" };
      this.agents.set(agentId, t);
    }
    if ((t.sessionId !== sessionId || t.declared === null) && declared !== null) {
      t.sessionId = sessionId;
      t.declared = declared;
      this.push({ type: "session", agentId, sessionId, channels: describeChannels(declared) }, false);
      this.scanSoon(); // the first frame made the agent active
    }
    return t;
  }

  private onSensor(ctx: SensorContext): void {
    const t = this.track(ctx.agentId, ctx.sessionId, ctx.declared);
    t.lastSensorSeq = ctx.seq;
    if (!this.anyWantsFrames()) return;
    const values: { [name: string]: number[] } = {};
    for (const [id, v] of ctx.channels) {
      const ch = ctx.declared.byId.get(id);
      if (ch !== undefined) values[ch.name] = toNumbers(v);
    }
    this.push({ type: "sensor", agentId: ctx.agentId, sessionId: ctx.sessionId, seq: ctx.seq, brainTimeMs: ctx.brainTimeMs, agentTimeMs: ctx.agentTimeMs, values }, true);
  }

  private onMotor(m: { agentId: string; sessionId: number; seq: number; deadline: number; frame: Buffer }): void {
    const t = this.agents.get(m.agentId);
    if (t === undefined || t.declared === null || t.sessionId !== m.sessionId || !this.anyWantsFrames()) return;
    let items: unknown;
    try {
      items = this.motorDecoder.decode(m.frame);
    } catch {
      return; // the brain encoded it: cannot happen short of a bug; nothing to show
    }
    if (!Array.isArray(items)) return;
    const values: { [name: string]: number[] } = {};
    for (let i = 2; i + 1 < items.length; i += 2) {
      const ch = t.declared.byId.get(items[i] as number);
      const v = items[i + 1] as TypedArray;
      if (ch !== undefined && v !== null && typeof v === "object" && typeof v.length === "number") values[ch.name] = toNumbers(v);
    }
    this.push({ type: "motor", agentId: m.agentId, sessionId: m.sessionId, seq: m.seq, deadline: m.deadline, sensorSeq: t.lastSensorSeq, values }, true);
  }

  private event(agentId: string, event: string, detail: string): void {
    this.push({ type: "event", agentId, event, detail }, false);
  }

  /** Emits a status record for agents whose phase/generation/session changed (or all, periodic). */
  private scanStatus(periodic: boolean): void {
    let agents: AgentStatus[];
    try {
      agents = this.brain.agents();
    } catch {
      return; // closed
    }
    for (const a of agents) {
      let t = this.agents.get(a.id);
      if (t === undefined) {
        t = { sessionId: a.sessionId ?? 0, declared: null, lastSensorSeq: 0, statusKey: "" };
        this.agents.set(a.id, t);
      }
      const key = `${a.phase}|${a.generation}|${a.sessionId}`;
      if (!periodic && key === t.statusKey) continue;
      t.statusKey = key;
      this.push({ type: "status", agentId: a.id, status: a }, false);
    }
  }
}
