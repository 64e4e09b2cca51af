/*
 * brain/recording/replay: recorded sensor frames through a controller, and where its motor
 * output differs from the recording.
 *
 * Theory of operation: the recording's session messages give each session's channel table
 * (declared again with brain/channels.ts declareSpecs, names included); its sensor channel
 * messages are grouped back into frames by (agent, session, seq), in recorded order; its
 * motor channel messages are grouped by (agent, session, sensorSeq), the sensor frame each
 * answered. The controller runs behind the same adapter the brain uses
 * (controller-adapter.ts): onSessionStart before a session's first frame, onSensorFrame for
 * each frame with the recorded seq and clocks (so a controller that reads time sees the
 * recorded time), awaited one at a time, and onSessionEnd after its last. Nothing depends on
 * the wall clock, so a replay gives the same report every time. Values are compared after
 * conversion to the channel's element type (f32 rounding, integer rounding and clamping), so
 * a controller that computes the same thing compares equal.
 */
import { ChannelKind, ElementType, type ChannelSpec } from "../../src/codec/frames/channels";
import { declareSpecs, type DeclaredChannels, type TypedArray } from "../channels";
import type { Controller, SensorContext } from "../controller";
import { toFrameController } from "../controller-adapter";
import type { ChannelDesc } from "../live/telemetry";
import { isMotorMessage, isSensorMessage, isSessionMessage, type Recording } from "./reader";

const TAGS: Readonly<Record<string, number>> = {
  u8: ElementType.U8, i8: ElementType.I8, u16: ElementType.U16, i16: ElementType.I16, u32: ElementType.U32, i32: ElementType.I32, f32: ElementType.F32, f64: ElementType.F64,
};

export interface ReplayDifference {
  agentId: string;
  sessionId: number;
  /** The sensor frame's seq. */
  seq: number;
  /** Motor channel name. */
  channel: string;
  /** Values as recorded (null: the brain sent no value for this channel). */
  recorded: number[] | null;
  /** Values the controller gave now (null: none). */
  replayed: number[] | null;
}

export interface ReplayReport {
  sessions: number;
  /** Sensor frames replayed. */
  frames: number;
  /** Frames whose motor output matched the recording on every channel. */
  same: number;
  /** Frames with at least one differing channel. */
  differing: number;
  /** Every differing (frame, channel), in order, up to `maxListed`. */
  differences: ReplayDifference[];
  /** Differing (frame, channel) pairs in all. */
  differencesTotal: number;
}

interface Frame {
  agentId: string;
  sessionId: number;
  seq: number;
  brainTimeMs: number;
  agentTimeMs: number;
  values: Map<string, number[]>;
}

function declare(channels: ChannelDesc[]): DeclaredChannels | string {
  const specs: ChannelSpec[] = channels.map((c) => ({ id: c.id, kind: c.kind === "motor" ? ChannelKind.Motor : ChannelKind.Sensor, elementType: TAGS[c.type] ?? -1, count: c.count, rateHz: c.rateHz ?? 0 }));
  return declareSpecs(specs, channels.map((c) => ({ name: c.name, unit: c.unit })));
}

/** Values converted to what a channel of this type carries. */
function asChannel(ctor: { new (n: number): TypedArray }, values: ArrayLike<number>): number[] {
  const a = new ctor(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return Array.from(a);
}

function same(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return false;
  return true;
}

/** Replays every recorded sensor frame through `controller`. Throws for a recording without sessions. */
export async function replay(rec: Recording, controller: Controller, maxListed = 20): Promise<ReplayReport> {
  const tables = new Map<string, DeclaredChannels>();
  const frames = new Map<string, Frame>();
  const motors = new Map<string, Map<string, number[]>>();
  for (const m of rec.messages) {
    const b = m.body as { agentId: string; sessionId: number; [k: string]: unknown };
    if (isSessionMessage(m)) {
      const d = declare(b.channels as ChannelDesc[]);
      if (typeof d === "string") throw new Error(`recording: session ${b.agentId}/${b.sessionId}: ${d}`);
      tables.set(`${b.agentId}/${b.sessionId}`, d);
    } else if (isSensorMessage(m)) {
      const key = `${b.agentId}/${b.sessionId}/${b.seq}`;
      let f = frames.get(key);
      if (f === undefined) {
        f = { agentId: b.agentId, sessionId: b.sessionId, seq: b.seq as number, brainTimeMs: b.brainTimeMs as number, agentTimeMs: b.agentTimeMs as number, values: new Map() };
        frames.set(key, f);
      }
      f.values.set(b.channel as string, b.values as number[]);
    } else if (isMotorMessage(m)) {
      const key = `${b.agentId}/${b.sessionId}/${b.sensorSeq}`;
      let out = motors.get(key);
      if (out === undefined) motors.set(key, (out = new Map()));
      if (!out.has(b.channel as string)) out.set(b.channel as string, b.values as number[]);
    }
  }
  if (tables.size === 0) throw new Error("recording has no session messages (/brainstem/sessions): nothing to replay");

  const fc = toFrameController(controller);
  const report: ReplayReport = { sessions: 0, frames: 0, same: 0, differing: 0, differences: [], differencesTotal: 0 };
  const ordered = [...frames.values()];
  const lastOf = new Map<string, Frame>();
  for (const f of ordered) lastOf.set(`${f.agentId}/${f.sessionId}`, f);
  const started = new Set<string>();
  for (const f of ordered) {
    const sk = `${f.agentId}/${f.sessionId}`;
    const declared = tables.get(sk);
    if (declared === undefined) continue; // frames of a session whose table was not recorded
    if (!started.has(sk)) {
      started.add(sk);
      report.sessions++;
      fc.onSessionStart?.({ agentId: f.agentId, sessionId: f.sessionId, generation: 0, declared });
    }
    const channels = new Map<number, TypedArray>();
    for (const [name, values] of f.values) {
      const ch = declared.byName.get(name);
      if (ch !== undefined && ch.kind === "sensor") {
        const a = new ch.ctor(ch.count);
        for (let i = 0; i < a.length; i++) a[i] = values[i];
        channels.set(ch.id, a);
      }
    }
    const ctx: SensorContext = { agentId: f.agentId, sessionId: f.sessionId, seq: f.seq, brainTimeMs: f.brainTimeMs, agentTimeMs: f.agentTimeMs, channels, declared };
    const cmd = await fc.onSensorFrame(ctx);
    const replayed = new Map<string, number[]>();
    if (cmd !== null && cmd !== undefined) {
      const src = cmd.channels instanceof Map ? cmd.channels : new Map(Object.entries(cmd.channels).map(([k, v]) => [Number(k), v]));
      for (const [id, v] of src) {
        const ch = declared.byId.get(id);
        if (ch !== undefined) replayed.set(ch.name, asChannel(ch.ctor, v));
      }
    }
    const recorded = motors.get(`${sk}/${f.seq}`) ?? new Map<string, number[]>();
    let differs = false;
    for (const ch of declared.motors) {
      const r = recorded.get(ch.name) ?? null;
      const p = replayed.get(ch.name) ?? null;
      if (same(r === null ? null : asChannel(ch.ctor, r), p)) continue;
      differs = true;
      report.differencesTotal++;
      if (report.differences.length < maxListed) report.differences.push({ agentId: f.agentId, sessionId: f.sessionId, seq: f.seq, channel: ch.name, recorded: r, replayed: p });
    }
    report.frames++;
    if (differs) report.differing++;
    else report.same++;
    if (lastOf.get(sk) === f) fc.onSessionEnd?.(f.agentId, f.sessionId);
  }
  return report;
}

/** The report as text: one line of totals, then each listed difference. */
export function formatReport(r: ReplayReport): string {
  const lines = [`replayed ${r.frames} sensor frames of ${r.sessions} session(s): ${r.same} same, ${r.differing} differ`];
  const fmt = (v: number[] | null) => (v === null ? "(none)" : `[${v.map((x) => +x.toPrecision(6)).join(", ")}]`);
  for (const d of r.differences) lines.push(`  ${d.agentId} session 0x${d.sessionId.toString(16).padStart(8, "0")} seq ${d.seq} ${d.channel}: recorded ${fmt(d.recorded)}, replayed ${fmt(d.replayed)}`);
  if (r.differencesTotal > r.differences.length) lines.push(`  ... and ${r.differencesTotal - r.differences.length} more`);
  return lines.join("\n");
}
