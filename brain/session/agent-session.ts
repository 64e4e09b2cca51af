/*
 * brain/session/agent-session: one agent's brain-side session, running the table.
 *
 * Theory of operation: `input(nowMs, ev)` looks up table[state][ev] (table.ts), checks the
 * cell's guard, runs its action (one function per action, `actions` below), and enters the
 * target state, whose data the `entries` functions build from the old state and what the
 * action left in `next*`. A session that the new state does not carry is ended in one place
 * (`enter`): the controller hears onSessionEnd and a late controller promise finds it closed.
 * `timeout(nowMs)` feeds the state's timer event once its deadline passed. The session never
 * reads a clock and never touches a socket: time comes in as nowMs (monotonic ms, float),
 * brain time on the wire is nowMs >>> 0 (protocol.md §Conventions), and everything goes out
 * through SessionShared (publish, log, emit). Facts about the agent itself (generation,
 * firmware, counters, its last status) are fields here, each kept once.
 * The sensor -> controller -> motor path (Act.Frame) allocates nothing beyond what cbor-x
 * does for the decoded frame and the encoded motor frame.
 */
import { Err } from "../../src/errors";
import { readUtf8 } from "../../src/codec/bytes";
import { encodeChallenge, encodeDeregistered, encodeDrain, encodeHeartbeatAck, encodeRegistered, encodeRejected } from "../../src/protocol/encode";
import { TopicKind, topicFor } from "../../src/protocol/topics";
import { DeregisteredReason, DeregisterReason, DrainReason, MAX_TEXT_BYTES, NONCE_BYTES, RejectReason } from "../../src/protocol/wire";
import { utf8Length } from "../../src/codec/bytes";
import { brainProof, MotorSigner, newNonce, newSessionId, sessionKey } from "../auth";
import type { TypedArray } from "../channels";
import type { FrameMotorCommand as MotorCommand } from "../controller";
import { drainBoundMs, HANDSHAKE_TIMEOUT_MS, livenessBoundMs } from "../liveness";
import { DuplicateIdDetector } from "./duplicate-id";
import type { SessionShared } from "./shared";
import { sessionOf, shownSession, type BrainState, type Handshake, type LiveSession } from "./states";
import { Act, actionNames, Ev, eventNames, Guard, IGNORE, refreshesLiveness, State, stateNames, stateTimeout, STAY, table } from "./table";

/** Evictions of one agent are at least this far apart, ms. */
export const EVICT_INTERVAL_MS = 2000;
/** No eviction this soon after the state changed: late frames of an ended session. */
export const EVICT_QUIET_MS = 2000;
/** Controller / motor problems logged per session before the log goes quiet. */
export const PROBLEMS_LOGGED_MAX = 3;
/** Sequence gaps at least this large are a restart of the agent's counter, not lost frames. */
const SEQ_GAP_MAX = 0x10000;

/** Names of the rejection reasons (rejected `r`), for logs, events and /status. */
export const rejectReasonNames: Readonly<Record<number, string>> = {
  [RejectReason.InvalidAuth]: "invalid-auth",
  [RejectReason.InvalidRequest]: "invalid-request",
  [RejectReason.AlreadyRegistered]: "already-registered",
  [RejectReason.UnknownAgent]: "unknown-agent",
  [RejectReason.UnsupportedVersion]: "unsupported-version",
  [RejectReason.Busy]: "busy",
};

export function rejectReasonName(reason: number): string {
  return rejectReasonNames[reason] ?? `reason${reason}`;
}

function isThenable(v: unknown): v is PromiseLike<MotorCommand | null> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function fitText(text: string): string {
  let t = text;
  while (utf8Length(t) > MAX_TEXT_BYTES) t = t.slice(0, -1);
  return t;
}

function copyBytes(src: Uint8Array, off: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(src.subarray(off, off + len));
  return out;
}

type Action = (a: AgentSession, nowMs: number, ev: number) => void;
type Entry = (a: AgentSession, nowMs: number, prev: BrainState) => BrainState;

export class AgentSession {
  readonly id: string;
  /** Topic of the agent's downward control messages. */
  readonly controlTopic: string;
  state: BrainState;
  /** Generation of the current (or last) hello. */
  generation = 0;
  firmware = "";
  lastHeardMs = -Infinity;
  lastEvictMs = -Infinity;
  // ---- from the agent's heartbeats and status messages ----
  rttMs = 0;
  clockOffsetMs: number | null = null;
  agentPhase: number | null = null;
  agentLastReason = 0;
  agentCounters: Uint32Array | null = null;
  statusAtMs = -Infinity;
  /** Notices two clients alternating on this id (their hellos' generations keep going back). */
  readonly duplicates = new DuplicateIdDetector();
  // ---- brain-side counters ----
  framesIn = 0;
  framesOut = 0;
  /** Sensor frames refused (no session, too large, malformed, wrong channels). */
  drops = 0;
  /** Sensor frames missing by sequence number (sent by the agent, never seen here). */
  lostFrames = 0;
  /** Controller failures and motor commands that did not fit the declared channels. */
  motorErrors = 0;
  heartbeats = 0;
  malformed = 0;
  unexpected = 0;
  /** Inputs that meant nothing in the state they arrived in (table IGNORE, failed guards). */
  ignored = 0;
  staleDeathsIgnored = 0;
  rejections = 0;
  evictions = 0;
  sessions = 0;
  lastDropReason = 0;
  // ---- what an action hands to the next state's entry ----
  private nextHandshake: Handshake | null = null;
  private nextSession: LiveSession | null = null;
  private nextWhy = "";
  private nextDrainReason = 0;
  private nextDrainDeadlineMs = 0;
  private nextRetryAfterMs = 0;

  constructor(
    id: string,
    private readonly shared: SessionShared,
  ) {
    this.id = id;
    this.controlTopic = topicFor(id, TopicKind.DnCtl);
    // sinceMs -Infinity: no quiet period at first contact (an agent of a restarted brain is evicted at once)
    this.state = { s: State.AwaitingHello, sinceMs: -Infinity, deadlineMs: Infinity, last: null, rejection: null };
  }

  /** One input. Runs table[state][ev]. */
  input(nowMs: number, ev: number): void {
    const st = this.state;
    const cell = table[st.s][ev];
    let to = cell.to;
    let act = cell.act;
    if (cell.guard !== Guard.None && !guards[cell.guard](this, nowMs)) {
      to = STAY;
      act = cell.otherwise;
      if (act === Act.None) to = IGNORE;
    }
    if (to === IGNORE) {
      this.ignored++;
      return;
    }
    actions[act](this, nowMs, ev);
    if (to !== STAY) this.enter(to, nowMs, ev);
  }

  /** Feeds the state's timer event when its deadline passed at nowMs. */
  timeout(nowMs: number): void {
    const st = this.state;
    if (nowMs > st.deadlineMs) this.input(nowMs, stateTimeout[st.s]);
  }

  private enter(to: number, nowMs: number, ev: number): void {
    const prev = this.state;
    const next = entries[to](this, nowMs, prev);
    this.state = next;
    this.nextHandshake = null;
    this.nextSession = null;
    const old = sessionOf(prev);
    if (old !== null && sessionOf(next) !== old) this.endSession(old);
    if (prev.s !== to && this.shared.host.listening("state"))
      this.shared.emit("state", { agentId: this.id, from: stateNames[prev.s], to: stateNames[to], event: eventNames[ev] });
  }

  /** Ends the live session, if any, without a transition or a message (the service forgets this agent). */
  release(): void {
    const s = sessionOf(this.state);
    if (s !== null && s.open) this.endSession(s);
  }

  private endSession(s: LiveSession): void {
    s.open = false;
    const end = this.shared.controller.onSessionEnd;
    if (end === undefined) return;
    try {
      end.call(this.shared.controller, this.id, s.sessionId);
    } catch (e) {
      this.shared.log("warn", `controller onSessionEnd(${this.id}) threw: ${(e as Error).message}`);
    }
  }

  private refreshLiveness(nowMs: number): void {
    this.lastHeardMs = nowMs;
    const st = this.state;
    if (refreshesLiveness[st.s]) st.deadlineMs = nowMs + livenessBoundMs(sessionOf(st)!.limits.heartbeatMs);
  }

  // ------------------------------------------------------------------ actions

  /** @internal */ challenge(nowMs: number): void {
    const sh = this.shared;
    const m = sh.msg;
    const declared = sh.declared!;
    const key = sh.keys.keyOf(this.id)!;
    const live = sessionOf(this.state);
    if (live !== null) sh.log("info", `agent ${this.id}: new hello (generation ${m.generation}) supersedes session 0x${live.sessionId.toString(16)}`);
    const agentNonce = copyBytes(m.buf, m.nonceOff, NONCE_BYTES);
    const brainNonce = newNonce(sh.random);
    this.nextHandshake = { agentNonce, brainNonce, generation: m.generation, declared, requestedFrameBytes: m.maxFrameBytes };
    this.generation = m.generation;
    this.firmware = readUtf8(m.buf, m.fwOff, m.fwOff + m.fwLen);
    this.lastHeardMs = nowMs;
    const proof = brainProof(key, agentNonce, brainNonce);
    sh.sendScratch(this.controlTopic, encodeChallenge(sh.scratch, 0, brainNonce, 0, agentNonce, 0, proof, 0), 1);
  }

  /** @internal */ refuse(nowMs: number): void {
    const sh = this.shared;
    const reason = sh.refusalReason;
    const message = sh.refusalText;
    refuseAgent(sh, this.id, reason, message, nowMs);
    this.rejections++;
    this.nextWhy = `${rejectReasonName(reason)}: ${message}`;
  }

  /** @internal */ register(nowMs: number): void {
    const sh = this.shared;
    const hs = (this.state as { hs: Handshake }).hs;
    const key = sh.keys.keyOf(this.id)!;
    const limits = sh.limits;
    const sessionId = newSessionId(sh.random);
    const id = this.id;
    const s: LiveSession = {
      sessionId,
      signer: new MotorSigner(sessionKey(key, hs.agentNonce, hs.brainNonce), sessionId),
      generation: hs.generation,
      declared: hs.declared,
      limits: {
        maxFrameBytes: Math.min(hs.requestedFrameBytes, limits.maxFrameBytes),
        maxSensorHz: limits.maxSensorHz,
        heartbeatMs: limits.heartbeatMs,
        motorDeadlineMs: limits.motorDeadlineMs,
      },
      sensorTopic: topicFor(id, TopicKind.UpSns),
      motorTopic: topicFor(id, TopicKind.DnMot),
      startedAtMs: nowMs,
      motorSeq: 0,
      sensorSeq: 0,
      haveSensorSeq: false,
      ctx: { agentId: id, sessionId, seq: 0, brainTimeMs: 0, agentTimeMs: 0, channels: new Map<number, TypedArray>(), declared: hs.declared },
      problemsLogged: 0,
      open: true,
    };
    this.nextSession = s;
    this.generation = s.generation;
    this.sessions++;
    this.lastHeardMs = nowMs;
    const l = s.limits;
    sh.sendScratch(
      this.controlTopic,
      encodeRegistered(sh.scratch, 0, sessionId, s.generation, s.sensorTopic, s.motorTopic, l.maxFrameBytes, l.maxSensorHz, l.heartbeatMs, l.motorDeadlineMs, nowMs >>> 0),
      1,
    );
    const start = sh.controller.onSessionStart;
    if (start !== undefined) {
      try {
        start.call(sh.controller, { agentId: id, sessionId, generation: s.generation, declared: s.declared });
      } catch (e) {
        sh.log("warn", `controller onSessionStart(${id}) threw: ${(e as Error).message}`);
      }
    }
    sh.log("info", `agent ${id} registered: session 0x${sessionId.toString(16).padStart(8, "0")}, generation ${s.generation}, ${s.declared.list.length} channels, max frame ${l.maxFrameBytes} bytes`);
    sh.emit("registered", { agentId: id, sessionId, generation: s.generation, limits: l, channels: s.declared.list.length, firmware: this.firmware });
  }

  /** @internal */ ackHeartbeat(nowMs: number): void {
    const sh = this.shared;
    const m = sh.msg;
    sh.sendScratch(this.controlTopic, encodeHeartbeatAck(sh.scratch, 0, m.seq, m.agentTime, nowMs >>> 0), 0);
    this.heartbeats++;
    if (m.rttMs > 0) this.rttMs = m.rttMs;
    this.refreshLiveness(nowMs);
  }

  /** @internal The hot path: one sensor frame through the controller to a signed motor frame. */
  frame(nowMs: number): void {
    const sh = this.shared;
    const s = (this.state as { session: LiveSession }).session;
    const payload = sh.frame;
    if (payload.length > s.limits.maxFrameBytes) return this.drop(Err.FrameTooLarge);
    const ctx = s.ctx;
    const dec = sh.sensors;
    const e = dec.decode(payload, s.declared, ctx.channels);
    if (e !== 0) return this.drop(e);
    const seq = dec.seq;
    if (s.haveSensorSeq) {
      const gap = (seq - s.sensorSeq - 1) >>> 0;
      if (gap !== 0 && gap < SEQ_GAP_MAX) this.lostFrames += gap;
    }
    s.sensorSeq = seq;
    s.haveSensorSeq = true;
    this.framesIn++;
    ctx.seq = seq;
    ctx.agentTimeMs = dec.time;
    ctx.brainTimeMs = nowMs >>> 0;
    if (sh.host.listening("sensor")) sh.emit("sensor", ctx);
    let cmd: MotorCommand | null | PromiseLike<MotorCommand | null>;
    try {
      cmd = sh.controller.onSensorFrame(ctx);
    } catch (err) {
      this.motorProblem(s, `controller threw: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    if (cmd === null || cmd === undefined) return;
    if (isThenable(cmd)) {
      // The answer comes later: its deadline counts from the brain time of the sensor frame.
      const at = nowMs;
      cmd.then(
        (c) => {
          if (c !== null && c !== undefined && s.open) this.sendMotor(s, c, at);
        },
        (err) => this.motorProblem(s, `controller failed: ${(err as Error)?.message ?? String(err)}`),
      );
      return;
    }
    this.sendMotor(s, cmd, nowMs);
  }

  /** Encodes, signs and publishes one motor frame for the session. */
  private sendMotor(s: LiveSession, cmd: MotorCommand, nowMs: number): void {
    const sh = this.shared;
    const seq = (s.motorSeq + 1) >>> 0;
    const ttl = cmd.ttlMs ?? s.limits.motorDeadlineMs;
    const deadline = (nowMs + ttl) >>> 0;
    const frame = sh.motors.encode(cmd, seq, deadline, s.declared, s.signer);
    if (typeof frame === "string") return this.motorProblem(s, frame);
    if (frame.length > s.limits.maxFrameBytes) return this.motorProblem(s, `motor frame of ${frame.length} bytes exceeds the negotiated ${s.limits.maxFrameBytes}`);
    s.motorSeq = seq;
    sh.host.publish(s.motorTopic, frame, 0);
    this.framesOut++;
    if (sh.host.listening("motor")) sh.emit("motor", { agentId: this.id, sessionId: s.sessionId, seq, deadline, frame });
  }

  private drop(reason: number): void {
    this.drops++;
    this.lastDropReason = reason;
  }

  /** Counts a controller or motor problem; logs the first few of a session. */
  private motorProblem(s: LiveSession, what: string): void {
    this.motorErrors++;
    if (s.problemsLogged < PROBLEMS_LOGGED_MAX) {
      s.problemsLogged++;
      this.shared.log("warn", `agent ${this.id}: ${what}${s.problemsLogged === PROBLEMS_LOGGED_MAX ? " (further problems of this session are only counted)" : ""}`);
    }
  }

  /** @internal */ storeStatus(nowMs: number): void {
    const m = this.shared.msg;
    this.agentPhase = m.phase;
    this.rttMs = m.rttMs;
    this.clockOffsetMs = m.clockOffsetMs;
    this.agentLastReason = m.lastReason;
    this.agentCounters = m.counters.slice(0, m.counterCount);
    this.statusAtMs = nowMs;
    if (sessionOf(this.state) !== null) this.refreshLiveness(nowMs);
  }

  /** @internal */ ackDeregister(nowMs: number): void {
    const sh = this.shared;
    const drained = sh.msg.reason === DeregisterReason.Drain || this.state.s === State.Draining;
    sh.sendScratch(this.controlTopic, encodeDeregistered(sh.scratch, 0, drained ? DeregisteredReason.DrainComplete : DeregisteredReason.Acknowledged), 1);
    this.lastHeardMs = nowMs;
    const why = drained ? "drain complete" : sh.msg.reason === DeregisterReason.Fault ? "fault" : "stop requested";
    this.nextWhy = why;
    sh.log("info", `agent ${this.id} deregistered (${why})`);
    sh.emit("deregistered", { agentId: this.id, reason: why });
  }

  /** @internal */ die(nowMs: number, ev: number): void {
    const cause = causes[ev](this, nowMs);
    this.nextWhy = cause;
    this.shared.log("info", `agent ${this.id} dead: ${cause} (generation ${this.generation})`);
    this.shared.emit("death", { agentId: this.id, generation: this.generation, cause });
  }

  /** @internal */ countStale(): void {
    const g = this.shared.msg.generation;
    this.staleDeathsIgnored++;
    this.shared.log("info", `agent ${this.id}: stale death notice ignored (generation ${g}, current ${this.generation})`);
    this.shared.emit("stale-death", { agentId: this.id, generation: g, currentGeneration: this.generation });
  }

  /** Terms of the next drain (set by the service before Ev.Drain). */
  setDrainTerms(reason: number, retryAfterMs: number, deadlineMs: number): void {
    this.nextDrainReason = reason;
    this.nextRetryAfterMs = retryAfterMs;
    this.nextDrainDeadlineMs = deadlineMs;
  }

  /** @internal */ sendDrain(duringHandshake: boolean): void {
    const sh = this.shared;
    sh.sendScratch(this.controlTopic, encodeDrain(sh.scratch, 0, this.nextDrainReason, this.nextRetryAfterMs, this.nextDrainDeadlineMs), 1);
    const why = this.nextDrainReason === DrainReason.Deploy ? "deploy" : "operator";
    if (duringHandshake) {
      this.nextWhy = `drained (${why}) during its handshake`;
      sh.log("info", `agent ${this.id}: drain (${why}) during its handshake; retry after ${this.nextRetryAfterMs} ms`);
    } else sh.log("info", `agent ${this.id}: drain (${why}), retry after ${this.nextRetryAfterMs} ms, deadline ${this.nextDrainDeadlineMs} ms`);
  }

  /** @internal */ evict(nowMs: number, why: string): void {
    const sh = this.shared;
    this.lastEvictMs = nowMs;
    this.evictions++;
    this.nextWhy = "evicted";
    sh.sendScratch(this.controlTopic, encodeDeregistered(sh.scratch, 0, DeregisteredReason.Evicted), 1);
    sh.log("info", why);
    sh.emit("deregistered", { agentId: this.id, reason: "evicted" });
  }

  /** @internal */ evictable(nowMs: number): boolean {
    return nowMs - this.state.sinceMs >= EVICT_QUIET_MS && nowMs - this.lastEvictMs >= EVICT_INTERVAL_MS;
  }

  /** @internal */ dropNoSession(): void {
    this.drops++;
  }

  // What the actions leave for the entries.
  /** @internal */ get pendingHandshake(): Handshake {
    return this.nextHandshake!;
  }
  /** @internal */ get pendingSession(): LiveSession | null {
    return this.nextSession;
  }
  /** @internal */ get pendingWhy(): string {
    return this.nextWhy;
  }
  /** @internal */ get pendingDrain(): [reason: number, deadlineMs: number, retryAfterMs: number] {
    return [this.nextDrainReason, this.nextDrainDeadlineMs, this.nextRetryAfterMs];
  }
}

/** Sends `rejected`, counts it by reason, logs it (one line per agent per window) and emits "rejected". */
export function refuseAgent(sh: SessionShared, agentId: string, reason: number, message: string, nowMs: number): void {
  sh.sendScratch(topicFor(agentId, TopicKind.DnCtl), encodeRejected(sh.scratch, 0, reason, fitText(message), -1), 1);
  const name = rejectReasonName(reason);
  sh.rejectionsByReason[name] = (sh.rejectionsByReason[name] ?? 0) + 1;
  const held = sh.rejectLog.hit(agentId, nowMs);
  if (held >= 0) sh.log("warn", `agent ${agentId} rejected: ${name}: ${message}${held > 0 ? ` (and ${held} more rejections of this agent in the ${sh.rejectLog.windowMs / 1000} s before)` : ""}`);
  sh.emit("rejected", { agentId, reason, reasonName: name, message });
}

function livenessCause(a: AgentSession, nowMs: number): string {
  const s = sessionOf(a.state)!;
  const bound = livenessBoundMs(s.limits.heartbeatMs);
  return `no heartbeat for ${Math.round(nowMs - a.lastHeardMs)} ms (bound ${bound} ms)`;
}

/** Why an agent died, by the event that killed it. */
const causes: readonly ((a: AgentSession, nowMs: number) => string)[] = eventNames.map((_, ev) => {
  switch (ev) {
    case Ev.Death:
      return () => "last will";
    case Ev.HandshakeTimeout:
      return () => `no proof within ${HANDSHAKE_TIMEOUT_MS} ms of the challenge`;
    case Ev.Silence:
      return livenessCause;
    case Ev.DrainTimeout:
      return (a: AgentSession) => {
        const st = a.state as { drainDeadlineMs: number; session: LiveSession };
        return `drain not completed within ${drainBoundMs(st.drainDeadlineMs, st.session.limits.heartbeatMs)} ms`;
      };
    default:
      return () => eventNames[ev];
  }
});

const guards: readonly ((a: AgentSession, nowMs: number) => boolean)[] = [
  /* none      */ () => true,
  /* evictable */ (a, nowMs) => a.evictable(nowMs),
];

const actions: readonly Action[] = [
  /* none             */ () => undefined,
  /* challenge        */ (a, nowMs) => a.challenge(nowMs),
  /* refuse           */ (a, nowMs) => a.refuse(nowMs),
  /* register         */ (a, nowMs) => a.register(nowMs),
  /* ack-heartbeat    */ (a, nowMs) => a.ackHeartbeat(nowMs),
  /* frame            */ (a, nowMs) => a.frame(nowMs),
  /* store-status     */ (a, nowMs) => a.storeStatus(nowMs),
  /* ack-deregister   */ (a, nowMs) => a.ackDeregister(nowMs),
  /* die              */ (a, nowMs, ev) => a.die(nowMs, ev),
  /* count-stale      */ (a) => a.countStale(),
  /* send-drain       */ (a) => a.sendDrain(false),
  /* drain-handshake  */ (a) => a.sendDrain(true),
  /* evict-now        */ (a, nowMs) => a.evict(nowMs, `agent ${a.id}: deregistered by the brain`),
  /* evict-stray      */ (a, nowMs, ev) => a.evict(nowMs, `agent ${a.id}: ${eventNames[ev]} without a session; sent deregistered (evicted) so that it registers again`),
  /* drop-evict       */ (a, nowMs, ev) => (a.dropNoSession(), a.evict(nowMs, `agent ${a.id}: ${eventNames[ev]} without a session; sent deregistered (evicted) so that it registers again`)),
  /* count-drop       */ (a) => a.dropNoSession(),
  /* count-duplicate  */ (a) => void a.unexpected++,
  /* count-malformed  */ (a) => void a.malformed++,
  /* count-unexpected */ (a) => void a.unexpected++,
];
if (actions.length !== actionNames.length) throw new Error("brain session: one action function per Act");

const entries: readonly Entry[] = [
  /* awaiting-hello */ (a, nowMs, prev) => ({ s: State.AwaitingHello, sinceMs: nowMs, deadlineMs: Infinity, last: shownSession(prev), rejection: a.pendingWhy }),
  /* challenged     */ (a, nowMs, prev) => ({ s: State.Challenged, sinceMs: nowMs, deadlineMs: nowMs + HANDSHAKE_TIMEOUT_MS, hs: a.pendingHandshake, last: shownSession(prev) }),
  /* registered     */ (a, nowMs) => {
    const session = a.pendingSession!;
    return { s: State.Registered, sinceMs: nowMs, deadlineMs: a.lastHeardMs + livenessBoundMs(session.limits.heartbeatMs), session };
  },
  /* binding        */ (a, nowMs, prev) => {
    const session = sessionOf(prev)!;
    return { s: State.Binding, sinceMs: nowMs, deadlineMs: a.lastHeardMs + livenessBoundMs(session.limits.heartbeatMs), session };
  },
  /* active         */ (a, nowMs, prev) => {
    const session = sessionOf(prev)!;
    return { s: State.Active, sinceMs: nowMs, deadlineMs: a.lastHeardMs + livenessBoundMs(session.limits.heartbeatMs), session };
  },
  /* draining       */ (a, nowMs, prev) => {
    const session = sessionOf(prev)!;
    const [drainReason, drainDeadlineMs, retryAfterMs] = a.pendingDrain;
    return { s: State.Draining, sinceMs: nowMs, deadlineMs: nowMs + drainBoundMs(drainDeadlineMs, session.limits.heartbeatMs), session, drainReason, drainDeadlineMs, retryAfterMs };
  },
  /* deregistered   */ (a, nowMs, prev) => ({ s: State.Deregistered, sinceMs: nowMs, deadlineMs: Infinity, last: shownSession(prev), reason: a.pendingWhy }),
  /* dead           */ (a, nowMs, prev) => ({ s: State.Dead, sinceMs: nowMs, deadlineMs: Infinity, last: shownSession(prev), cause: a.pendingWhy }),
];
