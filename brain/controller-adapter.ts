/*
 * brain/controller-adapter: runs a by-name Controller behind the service's by-id seam.
 *
 * Theory of operation: per agent session the adapter keeps one AgentSession (what the
 * controller's hooks receive), one SensorFrame whose get(name) looks the name up in the
 * declared table and reads the service's reused id -> values map (no copy), and one motor
 * output map by channel id with a preallocated typed array per motor channel. A command's
 * values are used as they are when they already are a typed array of the channel's type and
 * count, and otherwise copied into that channel's array (integers rounded and clamped to the
 * element type's range, so 1.7 on an i16 channel is 2 and 40000 is 32767). A command that
 * names an unknown or sensor channel, or has the wrong count, throws an Error whose message
 * says what the agent has; the service counts it as a motor problem and logs the first few.
 * Hooks that throw are logged by the service and do not end the session. When the controller
 * lists the channels it `needs`, an agent's session that lacks one is reported through
 * `note`, once per agent id.
 */
import type { DeclaredChannel, DeclaredChannels, TypedArray } from "./channels";
import type { AgentSession, Controller, FrameController, FrameMotorCommand, MotorResult, SensorContext, SensorFrame, SessionInfo } from "./controller";

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  i8: [-128, 127], u8: [0, 255], i16: [-32768, 32767], u16: [0, 65535], i32: [-2147483648, 2147483647], u32: [0, 4294967295],
};

class Frame implements SensorFrame {
  agentId = "";
  sessionId = 0;
  seq = 0;
  brainTimeMs = 0;
  agentTimeMs = 0;
  ctx: SensorContext | null = null;
  constructor(private readonly declared: DeclaredChannels) {}
  get(name: string): TypedArray | undefined {
    const ch = this.declared.byName.get(name);
    if (ch === undefined || ch.kind !== "sensor" || this.ctx === null) return undefined;
    return this.ctx.channels.get(ch.id);
  }
}

interface AgentState {
  session: AgentSession;
  frame: Frame;
  /** One array per motor channel id, for values that need converting. */
  buffers: Map<number, TypedArray>;
  out: Map<number, TypedArray>;
  command: FrameMotorCommand;
}

function isThenable(v: unknown): v is PromiseLike<MotorResult> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

/** Copies values into dst, rounding and clamping for integer element types. */
function fill(ch: DeclaredChannel, dst: TypedArray, values: ArrayLike<number>): void {
  const range = INT_RANGE[ch.type];
  for (let i = 0; i < dst.length; i++) {
    const v = Number(values[i]);
    if (range === undefined) dst[i] = v;
    else dst[i] = Number.isNaN(v) ? 0 : Math.min(range[1], Math.max(range[0], Math.round(v)));
  }
}

function motorNames(d: DeclaredChannels): string {
  return d.motors.length === 0 ? "none" : d.motors.map((m) => `${m.name} (${m.type} x${m.count})`).join(", ");
}

/** What an agent lacks of what the controller needs, in words; null when nothing. */
export function missingChannels(controller: Controller, d: DeclaredChannels): string | null {
  const lacks = (kind: "sensor" | "motor", names: readonly string[] | undefined) =>
    (names ?? []).filter((n) => d.byName.get(n)?.kind !== kind).map((n) => `${kind} "${n}"`);
  const missing = [...lacks("sensor", controller.needs?.sensors), ...lacks("motor", controller.needs?.motors)];
  if (missing.length === 0) return null;
  const list = (chs: readonly DeclaredChannel[]) => (chs.length === 0 ? "none" : chs.map((c) => c.name).join(", "));
  return `lacks the ${missing.join(" and ")} this controller needs (it has sensors ${list(d.sensors)}; motors ${list(d.motors)})`;
}

/** Wraps a by-name Controller as the service's by-id FrameController; `note` hears once per agent what it lacks. */
export function toFrameController(controller: Controller, note: (message: string) => void = () => undefined): FrameController {
  const agents = new Map<string, AgentState>();
  const noted = new Set<string>();

  const open = (info: SessionInfo): AgentState => {
    const buffers = new Map<number, TypedArray>();
    for (const m of info.declared.motors) buffers.set(m.id, new m.ctor(m.count));
    const out = new Map<number, TypedArray>();
    const state: AgentState = {
      session: { agentId: info.agentId, sessionId: info.sessionId, generation: info.generation, channels: info.declared },
      frame: new Frame(info.declared),
      buffers,
      out,
      command: { channels: out },
    };
    agents.set(info.agentId, state);
    if (!noted.has(info.agentId)) {
      const missing = missingChannels(controller, info.declared);
      if (missing !== null) {
        noted.add(info.agentId);
        note(`controller: agent ${info.agentId} ${missing}: it gets no motor frames from it`);
      }
    }
    return state;
  };

  const convert = (st: AgentState, res: MotorResult): FrameMotorCommand | null => {
    if (res === null || res === undefined) return null;
    const motors = res.motors;
    if (typeof motors !== "object" || motors === null) throw new Error("a motor command needs `motors`: values by motor channel name");
    const d = st.session.channels;
    st.out.clear();
    const put = (name: string, values: ArrayLike<number>) => {
      const ch = d.byName.get(name);
      if (ch === undefined || ch.kind !== "motor") throw new Error(`motor command names "${name}", which is not a motor channel of agent ${st.session.agentId} (motors: ${motorNames(d)})`);
      if (values === null || typeof values !== "object" || values.length !== ch.count) throw new Error(`motor "${name}" needs ${ch.count} values, got ${values === null || typeof values !== "object" ? typeof values : values.length}`);
      if (values instanceof ch.ctor) st.out.set(ch.id, values as TypedArray);
      else {
        const buf = st.buffers.get(ch.id)!;
        fill(ch, buf, values);
        st.out.set(ch.id, buf);
      }
    };
    if (motors instanceof Map) for (const [name, values] of motors) put(name, values);
    else for (const name of Object.keys(motors)) put(name, (motors as Record<string, ArrayLike<number>>)[name]);
    st.command.ttlMs = res.ttlMs;
    return st.out.size === 0 ? null : st.command;
  };

  return {
    onSessionStart(info) {
      const st = open(info);
      controller.onSessionStart?.(st.session);
    },
    onSessionEnd(agentId, sessionId) {
      const st = agents.get(agentId);
      if (st === undefined || st.session.sessionId !== sessionId) return;
      agents.delete(agentId);
      controller.onSessionEnd?.(st.session);
    },
    onSensorFrame(ctx) {
      let st = agents.get(ctx.agentId);
      if (st === undefined || st.session.sessionId !== ctx.sessionId) st = open({ agentId: ctx.agentId, sessionId: ctx.sessionId, generation: 0, declared: ctx.declared });
      const f = st.frame;
      f.agentId = ctx.agentId;
      f.sessionId = ctx.sessionId;
      f.seq = ctx.seq;
      f.brainTimeMs = ctx.brainTimeMs;
      f.agentTimeMs = ctx.agentTimeMs;
      f.ctx = ctx;
      const res = controller.onSensorFrame(f, st.session);
      const state = st;
      if (isThenable(res)) return Promise.resolve(res).then((r) => convert(state, r));
      return convert(st, res);
    },
  };
}
