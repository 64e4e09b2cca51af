/*
 * session: executes the automaton (automaton.ts). (nowMs, input) in, actions out.
 *
 * Theory of operation:
 *   - Inputs: `handle(nowMs, event, reason)` for plain events, a few typed inputs that carry
 *     data (`onRegistered`, `onDrain`, `onRejected`, `onHeartbeatAck`, `onMotorFrame`, ...),
 *     and `tick(nowMs)` for time. A typed input records its data, then fires its event.
 *   - Execution: an event looks up its cell; a guard, when the cell names one, picks the
 *     branch; the branch's steps run; on a phase change the old row's exit steps run, the
 *     stage data switches (session-state.ts), the new row's deadline is set and its entry
 *     steps run. The only switch is over steps (`run`); there is no per-phase branch: what a
 *     phase allows (sensor frames, motor frames, heartbeats, a link, an MQTT session) is a
 *     column of its row, and the timers consult it.
 *   - Outputs: actions in `actions` (actions.ts), drained by the agent's poll loop.
 *   - Time: only the `nowMs` values passed in; all arithmetic is u32 and wrap-safe (clock.ts).
 *     `nextDeadline()` is the earliest instant at which `tick` has something to do; a
 *     spurious tick does nothing.
 *   - Policies: full-jitter backoff; the evidence of each failure (evidence.ts) decides:
 *     network-level failures escalate (a network restart after `networkRestartAfter` in a
 *     row, a reboot request after `rebootAfter` more), peer-level ones only back off and
 *     clear the escalation; a session the peer ends sooner than `stableSessionMs` after it
 *     became active keeps the backoff growing (a duplicate id); a drain's hint and class pick
 *     the delay and the log level; Failed retries after `failedRetryMs` (0 = never).
 *   - Liveness: heartbeats where the phase allows them, with an RTT-derived ack timeout and a
 *     miss limit; a silent-link bound catches half-open sockets wherever a link is open.
 *   - Motor safety: the gate (motor-gate.ts) drops stale, replayed and out-of-order frames and
 *     the outputs go safe on expiry and on leaving active (its exit step).
 * Half-open detection bound: where heartbeats run, a dead link is declared at most
 * heartbeatIntervalMs + heartbeatMissLimit * heartbeatTimeoutMaxMs after the last ack, and
 * wherever a link is open at most linkSilenceMs after the last received byte.
 */
import { Err } from "../errors";
import { Act, ActionQueue, Level, Note } from "./actions";
import { Allow, Deadline, Do, Ev, Guard, IGNORE, INVALID, Phase, STAY, Stage, cellFor, fromPeer, rows } from "./automaton";
import { backoffDelayMs, drainDelayMs } from "./backoff";
import { addMs, diffMs, earlier } from "./clock";
import type { SessionConfig } from "./config";
import { COUNTER_COUNT, Counter } from "./counters";
import { Cause, causeOf } from "./evidence";
import { Liveness } from "./liveness";
import { AttemptData, Grant, HandshakeData, LinkClocks, LiveData, OfflineData, SessionStatus, type StageData } from "./session-state";
import { DeregisterReason, DrainReason } from "../protocol/wire";

/** Why the link is closing; decides the backoff and the log level. */
export const CloseClass = { Unexpected: 0, DrainDeploy: 1, DrainOperator: 2, Graceful: 3 } as const;

const NEVER_MS = 3_600_000; // nextDeadline when nothing is scheduled: an hour away

export class Session {
  // Fields in order of use per tick: XS finds an own property by walking the object's list.
  private nowMs = 0;
  private clockStarted = false;
  private phaseNow: number = Phase.Idle;
  /**
   * True while the phase has an open transport (its row allows a link): the one place this fact
   * is kept, written by enter() only. A field, not a getter: the agent reads it several times a
   * tick, and an XS getter costs a call.
   */
  linkOpen = false;
  /** True while the phase allows sensor frames: what sensorAllowed answers at the session's own instant, kept by enter() as linkOpen is. */
  sensorsOpen = false;
  /** rows[phaseNow].allows, kept by enter(): the steady state's calls test it without the table lookup. */
  private allowsNow = 0;
  /**
   * The brain's session id (0 before the first registration): the live grant's, copied
   * whenever that grant changes (live.reset), since the agent reads it for every motor frame.
   */
  sessionId = 0;
  private readonly live = new LiveData();
  /** Meaningful while the phase's row allows a link. */
  private readonly link = new LinkClocks();
  readonly actions = new ActionQueue();
  /** The counts (counters.ts): plain numbers, since on XS an array element costs half a typed array's. */
  private readonly counterArray: number[] = [];
  private readonly counterView = new Uint32Array(COUNTER_COUNT);
  readonly liveness: Liveness;
  // the phase deadline (every row has one kind of deadline)
  private phaseDeadlineMs = 0;
  private phaseDeadlineSet = false;
  private gen: number;
  private reason = 0;
  private cause: number = Cause.None;

  // per-stage data (session-state.ts): exactly one is current
  private readonly offline = new OfflineData();
  private readonly attemptData = new AttemptData();
  private readonly handshake = new HandshakeData();
  private data: StageData = this.offline;
  private readonly defaults = new Grant();

  // retry policy: lives across attempts
  private backoffAttempt = 0;
  private networkFailureCount = 0;
  private shortSessionCount = 0;
  private stopRequested = false;
  private brokerUnreached = false;
  private activeThisAttempt = false;
  private leftPhase: number = Phase.Idle;
  private closeClass: number = CloseClass.Unexpected;
  private retryAfterHintMs = 0;
  private drainDeadlineMs = 0;

  // the input being handled (read by guards and steps)
  private eventReason = 0;
  private drainReason = 0;
  private drainRetryAfterMs = 0;
  private drainDeadlineAskedMs = 0;
  private drainPending = 0;

  private readonly pingIntervalMs: number;
  private readonly snapshot = new SessionStatus();

  constructor(
    readonly config: SessionConfig,
    private readonly random01: () => number,
    initialGeneration = 0,
  ) {
    this.gen = initialGeneration >>> 0;
    for (let i = 0; i < COUNTER_COUNT; i++) this.counterArray.push(0);
    this.liveness = new Liveness(config.heartbeatTimeoutMinMs, config.heartbeatTimeoutMaxMs);
    const d = this.defaults;
    d.heartbeatIntervalMs = config.heartbeatIntervalMs;
    d.motorDeadlineMs = config.motorDeadlineMs;
    d.sensorPeriodMs = Math.max(1, Math.round(1000 / config.sensorRateHz));
    this.handshake.reset(d);
    this.live.reset(d);
    this.sessionId = this.live.grant.sessionId;
    const keepAliveHalfMs = (config.keepAliveS * 1000) >>> 1;
    const silenceThirdMs = Math.floor(config.linkSilenceMs / 3);
    this.pingIntervalMs = keepAliveHalfMs < silenceThirdMs ? keepAliveHalfMs : silenceThirdMs;
  }

  // ---------------------------------------------------------------- accessors

  get phase(): number {
    return this.phaseNow;
  }
  /** Increments at every connection attempt; the Last Will and hello carry it. */
  get generation(): number {
    return this.gen;
  }
  /** Reason code (Err.*) of the last loss, rejection or drop; 0 when none. */
  get lastReason(): number {
    return this.reason;
  }
  /** Evidence class (evidence.ts) of the last loss or failed attempt. */
  get lastCause(): number {
    return this.cause;
  }
  /** Exponent of the backoff window; 0 once a session reaches active. */
  get attempt(): number {
    return this.backoffAttempt;
  }
  /** Network-level failures in a row; peer-level evidence clears it. Drives escalation. */
  get networkFailures(): number {
    return this.networkFailureCount;
  }
  /** Sessions in a row that the peer ended sooner than stableSessionMs after reaching active. */
  get shortSessions(): number {
    return this.shortSessionCount;
  }
  /** The counters now, as u32s (each wraps at 2^32): a snapshot, refilled by every read. */
  get counters(): Uint32Array {
    const view = this.counterView;
    for (let i = 0; i < COUNTER_COUNT; i++) view[i] = this.counterArray[i];
    return view;
  }
  /** The live counts the agent adds to (its own events: bytes, sensor frames, outbox and decode errors). */
  get counts(): number[] {
    return this.counterArray;
  }
  /** True while a motor command holds the outputs; `motorExpiresAtMs` says until when. */
  get motorsHeld(): boolean {
    return this.data === this.live && this.live.gate.holding;
  }
  get motorExpiresAtMs(): number {
    return this.live.gate.expiresAtMs;
  }
  /** The session's state in one preallocated object (filled on each call). */
  status(): SessionStatus {
    const s = this.snapshot;
    s.phase = this.phaseNow;
    s.generation = this.gen;
    s.sessionId = this.sessionId;
    s.lastReason = this.reason;
    s.lastCause = this.cause;
    s.closeClass = this.closeClass;
    s.attempt = this.backoffAttempt;
    s.networkFailures = this.networkFailureCount;
    s.shortSessions = this.shortSessionCount;
    s.rttMs = this.liveness.lastRttMs;
    s.clockOffsetMs = this.liveness.offsetMs;
    s.linkOpen = this.linkOpen;
    return s;
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Fires one event. `reason` is an Err code explaining losses and rejections (0 otherwise).
   * Returns 0, or Err.UndefinedTransition when the pair is INVALID (local misuse).
   */
  handle(nowMs: number, event: number, reason = 0): number {
    this.advance(nowMs);
    return this.fire(event, reason);
  }

  /** Runs every timer that is due. Safe to call at any time; a spurious tick does nothing. */
  tick(nowMs: number): void {
    // Runs every tick: reached(now, t) and addMs are written out (((now - t) | 0) >= 0 and
    // (t + d) >>> 0, see clock.ts), since a call costs XS more than the arithmetic.
    if (nowMs !== this.nowMs || !this.clockStarted) this.advance(nowMs); // the early return, inline (see advance)
    const now = this.nowMs;
    if (this.phaseDeadlineSet && ((now - this.phaseDeadlineMs) | 0) >= 0) {
      this.phaseDeadlineSet = false;
      const timeout = rows[this.phaseNow].timeout;
      this.fire(timeout[0], timeout[1]);
      return;
    }
    const allowed = this.allowsNow;
    if ((allowed & Allow.Link) === 0) return;
    const link = this.link;
    if (((now - ((link.lastRxMs + this.config.linkSilenceMs) >>> 0)) | 0) >= 0) {
      this.fire(Ev.LivenessLost, Err.TimeoutSilentLink);
      return;
    }
    const live = this.live;
    if ((allowed & Allow.Heartbeats) !== 0) {
      if (live.heartbeatOutstanding && ((now - live.heartbeatAckDeadlineMs) | 0) >= 0) {
        live.heartbeatOutstanding = false;
        this.counterArray[Counter.HeartbeatMisses]++;
        if (++live.heartbeatMisses >= this.config.heartbeatMissLimit) {
          this.fire(Ev.LivenessLost, Err.TimeoutHeartbeat);
          return;
        }
        live.heartbeatDueMs = now; // probe again at once
      }
      if (!live.heartbeatOutstanding && ((now - live.heartbeatDueMs) | 0) >= 0) this.sendHeartbeat(now);
    }
    const gate = live.gate;
    if ((allowed & Allow.Motors) !== 0 && gate.holding && ((now - gate.expiresAtMs) | 0) >= 0) {
      gate.release(); // gate.expired(now), inline
      this.counterArray[Counter.MotorDeadlineSafe]++;
      this.actions.push(Act.MotorsSafe, 0, 0, Level.Debug);
    }
    if ((allowed & Allow.Sensors) !== 0) {
      const late = (now - live.sensorDueMs) | 0; // diffMs
      if (late >= 0) {
        // The next due time keeps this agent's phase. After a stall longer than a period the
        // missed samples are skipped, not bunched, and the phase is still kept: re-basing on
        // `now` would line up every agent that stalled together (one host, one GC pause) and
        // have them all sample in the same millisecond from then on.
        const period = live.grant.sensorPeriodMs;
        const missed = late < period ? 0 : (late / period) | 0; // late >= 0: truncation is the floor (no division on time)
        live.sensorDueMs = (live.sensorDueMs + (missed + 1) * period) >>> 0;
        this.actions.push(Act.SampleSensors, 0, 0, Level.Debug);
      }
      if (this.config.statusIntervalMs > 0 && ((now - live.statusDueMs) | 0) >= 0) {
        live.statusDueMs = addMs(now, this.config.statusIntervalMs);
        this.actions.push(Act.SendStatus, 0, 0, Level.Debug);
      }
    }
    if ((allowed & Allow.Mqtt) !== 0 && ((now - ((link.lastTxMs + this.pingIntervalMs) >>> 0)) | 0) >= 0) {
      link.lastTxMs = now;
      this.actions.push(Act.SendPing, 0, 0, Level.Debug);
    }
  }


  /** Earliest instant (u32 ms) at which `tick` has work. */
  nextDeadline(): number {
    const now = this.nowMs;
    let d = addMs(now, NEVER_MS);
    if (this.phaseDeadlineSet) d = earlier(now, d, this.phaseDeadlineMs);
    const allowed = rows[this.phaseNow].allows;
    if ((allowed & Allow.Link) === 0) return d;
    const link = this.link;
    const live = this.live;
    d = earlier(now, d, addMs(link.lastRxMs, this.config.linkSilenceMs));
    if ((allowed & Allow.Heartbeats) !== 0) d = earlier(now, d, live.heartbeatOutstanding ? live.heartbeatAckDeadlineMs : live.heartbeatDueMs);
    if ((allowed & Allow.Motors) !== 0 && live.gate.holding) d = earlier(now, d, live.gate.expiresAtMs);
    if ((allowed & Allow.Sensors) !== 0) {
      d = earlier(now, d, live.sensorDueMs);
      if (this.config.statusIntervalMs > 0) d = earlier(now, d, live.statusDueMs);
    }
    if ((allowed & Allow.Mqtt) !== 0) d = earlier(now, d, addMs(link.lastTxMs, this.pingIntervalMs));
    return d;
  }

  /** The broker/brain sent us bytes: feeds the half-open detector (the clocks matter only while a link is open). */
  noteRx(nowMs: number): void {
    if (nowMs !== this.nowMs || !this.clockStarted) this.advance(nowMs); // the early return, inline (see advance)
    this.link.lastRxMs = this.nowMs;
  }

  /** We sent bytes: resets the keep-alive ping timer. */
  noteTx(nowMs: number): void {
    if (nowMs !== this.nowMs || !this.clockStarted) this.advance(nowMs); // the early return, inline (see advance)
    this.link.lastTxMs = this.nowMs;
  }

  /** Registration data. Fires RegisteredOk. Values are clamped to the config's bounds. */
  onRegistered(nowMs: number, sessionId: number, heartbeatMs: number, motorDeadlineMs: number, maxRateHz: number, brainMs: number): number {
    this.advance(nowMs);
    if (this.data === this.handshake) {
      const g = this.handshake.grant;
      const cfg = this.config;
      g.sessionId = sessionId >>> 0;
      g.heartbeatIntervalMs = clamp(heartbeatMs || cfg.heartbeatIntervalMs, 100, Math.floor(cfg.linkSilenceMs / 2));
      g.motorDeadlineMs = clamp(motorDeadlineMs || cfg.motorDeadlineMs, 10, 60_000);
      const rateHz = maxRateHz > 0 && maxRateHz < cfg.sensorRateHz ? maxRateHz : cfg.sensorRateHz;
      g.sensorPeriodMs = Math.max(1, Math.round(1000 / rateHz));
      this.liveness.reset();
      this.liveness.offsetMs = ((brainMs >>> 0) - this.nowMs) | 0; // first estimate; heartbeats refine it
    }
    return this.fire(Ev.RegisteredOk, 0);
  }

  /** Server-directed drain. `pending` is the QoS 1 work not yet acknowledged. Fires Drain. */
  onDrain(nowMs: number, reason: number, retryAfterMs: number, deadlineMs: number, pending: number): number {
    this.advance(nowMs);
    this.drainReason = reason;
    this.drainRetryAfterMs = retryAfterMs;
    this.drainDeadlineAskedMs = deadlineMs;
    this.drainPending = pending;
    this.counterArray[Counter.Drains]++;
    this.actions.push(Act.Report, Note.Drain, reason, reason === DrainReason.Deploy ? Level.Info : Level.Warn);
    return this.fire(Ev.Drain, 0);
  }

  /** A rejection from the brain. `retryAfterMs` (0 if absent) is honoured for transient kinds. */
  onRejected(nowMs: number, reason: number, retryAfterMs: number): number {
    this.advance(nowMs);
    this.counterArray[Counter.Rejections]++;
    this.retryAfterHintMs = retryAfterMs;
    const fatal = reason === Err.RejectedInvalidAuth || reason === Err.RejectedUnknownAgent ||
      reason === Err.RejectedInvalidRequest || reason === Err.RejectedVersion;
    this.actions.push(Act.Report, Note.Rejected, reason, fatal ? Level.Error : Level.Warn);
    return this.fire(fatal ? Ev.RejectedFatal : Ev.RejectedRetry, reason);
  }

  /** A heartbeat ack. Only the outstanding probe's echo counts, and only where heartbeats run. */
  onHeartbeatAck(nowMs: number, seq: number, agentSentMs: number, brainMs: number): void {
    this.advance(nowMs);
    const live = this.live;
    if ((rows[this.phaseNow].allows & Allow.Heartbeats) === 0 || !live.heartbeatOutstanding || seq !== live.heartbeatSeq) return;
    live.heartbeatOutstanding = false;
    live.heartbeatMisses = 0;
    this.counterArray[Counter.HeartbeatAcks]++;
    this.liveness.onAck(this.nowMs, agentSentMs, brainMs);
  }

  /**
   * A motor frame whose MAC verified. Returns 0 when it may be applied (the caller applies it),
   * or FRAME_REPLAYED / FRAME_OUT_OF_ORDER / FRAME_STALE / WRONG_PHASE; each drop is counted.
   */
  onMotorFrame(nowMs: number, seq: number, deadlineBrainMs: number): number {
    if (nowMs !== this.nowMs || !this.clockStarted) this.advance(nowMs); // the early return, inline (see advance)
    let verdict: number = Err.WrongPhase;
    if ((this.allowsNow & Allow.Motors) !== 0) {
      const live = this.live;
      const deadlineMs = (deadlineBrainMs - this.liveness.offsetMs) >>> 0; // liveness.toAgentMs, inline
      verdict = live.gate.admit(this.nowMs, seq >>> 0, deadlineMs, live.grant.motorDeadlineMs);
    }
    if (verdict === 0) this.counterArray[Counter.MotorFramesApplied]++;
    else this.countDrop(verdict);
    return verdict;
  }

  /** Counts an inbound motor item dropped before or at the gate (bad MAC, malformed, stale...). */
  countDrop(reason: number): void {
    const c = this.counterArray;
    if (reason === Err.FrameStale) c[Counter.MotorDroppedStale]++;
    else if (reason === Err.FrameOutOfOrder) c[Counter.MotorDroppedOrder]++;
    else if (reason === Err.FrameReplayed) c[Counter.MotorDroppedReplay]++;
    else if (reason === Err.FrameBadMac) c[Counter.MotorDroppedMac]++;
    else if (reason === Err.WrongPhase) c[Counter.MotorDroppedInactive]++;
    else c[Counter.MotorDroppedMalformed]++;
    this.reason = reason;
    this.actions.push(Act.Report, Note.Dropped, reason, Level.Debug);
  }

  /** A malformed or unacceptable inbound control message was skipped: counted and logged. */
  malformed(reason: number): void {
    this.counterArray[Counter.MalformedMessages]++;
    this.reason = reason;
    this.actions.push(Act.Report, Note.Dropped, reason, Level.Warn);
  }

  /** An inbound item that no phase expects (a stray packet, an agent-to-brain type on our downlink). */
  unexpected(): void {
    this.counterArray[Counter.UnexpectedMessages]++;
  }

  /** The host could not carry out an action: counted, then the ActionFailed event. */
  actionFailed(nowMs: number, reason: number): number {
    this.counterArray[Counter.ActionFailures]++;
    return this.handle(nowMs, Ev.ActionFailed, reason);
  }

  /** The brain asked for a status report: queued like every other action. */
  statusRequested(): void {
    this.actions.push(Act.SendStatus, 0, 0, Level.Debug);
  }

  /** True when a sensor frame may be published now (the phase allows sensors). Counts the drop otherwise. */
  sensorAllowed(nowMs: number): boolean {
    if (nowMs !== this.nowMs || !this.clockStarted) this.advance(nowMs); // the early return, inline (see advance)
    if ((rows[this.phaseNow].allows & Allow.Sensors) !== 0) return true;
    this.counterArray[Counter.SensorFramesDropped]++;
    return false;
  }

  // ---------------------------------------------------------------- the executor

  /**
   * Moves the clock to nowMs. A monotonic device clock never goes back; if the host's does
   * (a clock fault, a misbehaving simulator), every stored instant is shifted by the same
   * amount so each timer keeps its remaining time, the brain-time mapping follows, and a held
   * motor command is released at once: we no longer know how long it has really been held.
   * A tick calls this several times at one instant: the steady-state callers (tick, noteRx,
   * noteTx, onMotorFrame, sensorAllowed) test that early return themselves, since an XS call
   * costs more than the test.
   */
  private advance(nowMs: number): void {
    if (nowMs === this.nowMs && this.clockStarted) return;
    const now = nowMs >>> 0;
    const delta = (now - this.nowMs) | 0;
    this.nowMs = now;
    if (delta >= 0 || !this.clockStarted) {
      this.clockStarted = true;
      return;
    }
    this.phaseDeadlineMs = addMs(this.phaseDeadlineMs, delta);
    this.data.shift(delta);
    this.link.shift(delta);
    this.liveness.offsetMs = (this.liveness.offsetMs - delta) | 0;
    this.counterArray[Counter.ClockJumpsBack]++;
    if (this.motorsHeld) {
      this.live.gate.release();
      this.actions.push(Act.MotorsSafe, 0, 0, Level.Warn);
    }
  }

  private fire(event: number, reason: number): number {
    if (reason !== 0) this.reason = reason;
    const cell = cellFor(this.phaseNow, event);
    if (cell.to === IGNORE) {
      if (fromPeer(event)) this.counterArray[Counter.UnexpectedMessages]++;
      return 0;
    }
    if (cell.to === INVALID) {
      this.actions.push(Act.Report, Note.InvalidEvent, event, Level.Warn);
      return Err.UndefinedTransition;
    }
    const holds = cell.guard === Guard.None || this.guardHolds(cell.guard);
    this.eventReason = reason;
    const steps = holds ? cell.steps : cell.elseSteps;
    for (let i = 0; i < steps.length; i++) this.run(steps[i]);
    const to = holds ? cell.to : cell.elseTo;
    if (to !== STAY) this.enter(to);
    return 0;
  }

  private guardHolds(guard: number): boolean {
    switch (guard) {
      case Guard.StopRequested:
        return this.stopRequested;
      case Guard.NothingPending:
        return this.drainPending === 0;
      case Guard.BrainProven:
        return this.handshake.brainProven;
    }
    return true;
  }

  private enter(next: number): void {
    const from = rows[this.phaseNow];
    for (let i = 0; i < from.exit.length; i++) this.run(from.exit[i]);
    this.leftPhase = this.phaseNow;
    const row = rows[next];
    this.phaseNow = next;
    this.linkOpen = (row.allows & Allow.Link) !== 0;
    this.sensorsOpen = (row.allows & Allow.Sensors) !== 0;
    this.allowsNow = row.allows;
    this.actions.push(Act.Report, Note.PhaseEntered, next, Level.Info);
    if (row.stage !== this.data.stage) this.switchStage(row.stage);
    switch (row.deadline) {
      case Deadline.None:
        this.phaseDeadlineSet = false;
        break;
      case Deadline.Transition:
        this.setPhaseDeadline(this.config.transitionTimeoutMs);
        break;
      case Deadline.Registration:
        if (this.config.registrationDeadlineMs > 0) this.setPhaseDeadline(this.config.registrationDeadlineMs);
        else this.phaseDeadlineSet = false;
        break;
      case Deadline.KeepOrTransition:
        if (!this.phaseDeadlineSet) this.setPhaseDeadline(this.config.transitionTimeoutMs);
        break;
      case Deadline.Drain:
        this.setPhaseDeadline(this.drainDeadlineMs);
        break;
      // Keep: the running deadline stays; Chosen: an entry step sets it
    }
    for (let i = 0; i < row.entry.length; i++) this.run(row.entry[i]);
  }

  /** Makes the stage's data current. */
  private switchStage(stage: number): void {
    const prev = this.data;
    let next: StageData = this.offline;
    if (stage === Stage.Attempt) next = this.attemptData;
    else if (stage === Stage.Handshake) {
      this.handshake.reset(this.defaults);
      next = this.handshake;
    } else if (stage === Stage.Live) {
      this.live.reset(prev === this.handshake ? this.handshake.grant : this.defaults);
      this.sessionId = this.live.grant.sessionId;
      next = this.live;
    }
    this.data = next;
  }

  /** Carries out one step of the table. */
  private run(step: number): void {
    const a = this.actions;
    const c = this.counterArray;
    const now = this.nowMs;
    switch (step) {
      case Do.ClearStop:
        this.stopRequested = false;
        return;
      case Do.RequestStop:
        this.stopRequested = true;
        return;
      case Do.BeginAttempt:
        this.gen = (this.gen + 1) >>> 0;
        this.activeThisAttempt = false;
        this.closeClass = CloseClass.Unexpected;
        this.retryAfterHintMs = 0;
        c[Counter.ConnectAttempts]++;
        return;
      case Do.Open:
        a.push(Act.Open, this.brokerUnreached ? 1 : 0, 0, Level.Debug);
        return;
      case Do.LinkOpened:
        this.link.openedAt(now);
        return;
      case Do.SendConnect:
        a.push(Act.SendConnect, this.gen, 0, Level.Debug);
        return;
      case Do.CountConnectOk:
        c[Counter.ConnectsOk]++;
        return;
      case Do.SendSubscribeControl:
        a.push(Act.SendSubscribeControl, 0, 0, Level.Debug);
        return;
      case Do.SendHello:
        a.push(Act.SendHello, this.gen, 0, Level.Debug);
        return;
      case Do.MarkBrainProven:
        this.handshake.brainProven = true;
        return;
      case Do.MarkBrainUnproven:
        this.handshake.brainProven = false;
        c[Counter.AuthFailures]++;
        return;
      case Do.SendProof:
        a.push(Act.SendProof, 0, 0, Level.Debug);
        return;
      case Do.SendSubscribeMotor:
        a.push(Act.SendSubscribeMotor, 0, 0, Level.Debug);
        return;
      case Do.BeginActive: {
        const live = this.live;
        live.sinceMs = now;
        live.heartbeatDueMs = now;
        live.sensorDueMs = now;
        live.statusDueMs = now;
        this.activeThisAttempt = true;
        this.backoffAttempt = 0;
        this.networkFailureCount = 0;
        c[Counter.SessionsActive]++;
        return;
      }
      case Do.ReleaseMotors:
        this.live.gate.release();
        a.push(Act.MotorsSafe, 0, 0, Level.Debug);
        return;
      case Do.MotorsSafe:
        a.push(Act.MotorsSafe, 0, 0, Level.Debug);
        return;
      case Do.SendDeregister: {
        const cls = this.closeClass;
        const why = this.stopRequested ? DeregisterReason.StopRequested
          : cls === CloseClass.DrainDeploy || cls === CloseClass.DrainOperator ? DeregisterReason.Drain : DeregisterReason.Fault;
        a.push(Act.SendDeregister, why, 0, Level.Debug);
        return;
      }
      case Do.CloseLink:
        this.closeLink(this.closeClass !== CloseClass.Unexpected);
        return;
      case Do.CloseLinkGracefully:
        this.closeLink(true);
        return;
      case Do.ScheduleReconnect:
        this.scheduleReconnect();
        return;
      case Do.ReportFailed:
        a.push(Act.Report, Note.Failed, this.reason, Level.Error);
        return;
      case Do.ScheduleFailedRetry: {
        // Failed is not forever: the key or the brain's keys file may be fixed meanwhile.
        const retryMs = this.config.failedRetryMs;
        if (retryMs === 0) {
          this.phaseDeadlineSet = false;
          return;
        }
        const delay = backoffDelayMs(0, retryMs, retryMs, this.random01());
        this.setPhaseDeadline(delay);
        a.push(Act.Report, Note.Backoff, delay, Level.Warn);
        return;
      }
      case Do.CountFailedRetry:
        c[Counter.FailedRetries]++;
        a.push(Act.Report, Note.FailedRetry, this.reason, Level.Warn);
        return;
      case Do.RecordLoss:
        this.cause = causeOf(this.eventReason);
        // Only a link that was up can be lost; an attempt that never opened is a connect failure.
        if (this.linkOpen) {
          c[Counter.LinkLosses]++;
          a.push(Act.Report, Note.LinkLost, this.eventReason || this.reason, Level.Warn);
        } else c[Counter.ConnectFailures]++;
        return;
      case Do.CountServerDeregister:
        this.closeClass = CloseClass.Graceful;
        this.cause = Cause.Peer;
        c[Counter.ServerDeregisters]++;
        return;
      case Do.AdoptChallenge:
        a.push(Act.AdoptChallenge, 0, 0, Level.Debug);
        return;
      case Do.AdoptRegistration:
        a.push(Act.AdoptRegistration, 0, 0, Level.Debug);
        return;
      case Do.LoseUnprovenBrain:
        this.reason = this.eventReason = Err.AuthBadProof;
        return;
      case Do.AdoptDrain: {
        this.closeClass = this.drainReason === DrainReason.Deploy ? CloseClass.DrainDeploy : CloseClass.DrainOperator;
        this.retryAfterHintMs = this.drainRetryAfterMs;
        const limit = this.config.drainTimeoutMs;
        const asked = this.drainDeadlineAskedMs;
        this.drainDeadlineMs = asked > 0 && asked < limit ? asked : limit;
        return;
      }
    }
  }

  /** DISCONNECT first when graceful and the MQTT session is up (the broker then discards the
   *  Will), then Close. Close is always issued, even when the transport already died or an
   *  open is still in flight: hosts treat it as idempotent. */
  private closeLink(graceful: boolean): void {
    const mqttWasUp = (rows[this.leftPhase].allows & Allow.Mqtt) !== 0;
    if (graceful && mqttWasUp) this.actions.push(Act.SendDisconnect, 0, 0, Level.Debug);
    this.actions.push(Act.Close, 0, 0, Level.Debug);
    this.brokerUnreached = !mqttWasUp; // the next attempt tries the next broker
  }

  private scheduleReconnect(): void {
    const cls = this.closeClass;
    const cfg = this.config;
    const drained = cls === CloseClass.DrainDeploy || cls === CloseClass.DrainOperator;
    if (!drained) this.weighEvidence();
    let delay: number;
    if (drained) {
      delay = drainDelayMs(this.retryAfterHintMs, cfg.backoffMaxMs, this.random01());
    } else if (cls === CloseClass.Graceful) {
      delay = backoffDelayMs(this.backoffAttempt, cfg.backoffBaseMs, cfg.backoffMaxMs, this.random01());
    } else {
      delay = backoffDelayMs(this.backoffAttempt, cfg.backoffBaseMs, cfg.backoffMaxMs, this.random01());
      if (this.retryAfterHintMs > delay) delay = this.retryAfterHintMs < cfg.backoffMaxMs ? this.retryAfterHintMs : cfg.backoffMaxMs;
      this.backoffAttempt++;
    }
    this.setPhaseDeadline(delay);
    const level = cls === CloseClass.Unexpected || cls === CloseClass.DrainOperator ? Level.Warn : Level.Info;
    this.actions.push(Act.Report, Note.Backoff, delay, level);
  }

  /**
   * Acts on the evidence of the loss or failed attempt that just ended (evidence.ts): network-level
   * evidence escalates; peer-level evidence proves the network works and clears the escalation.
   * A session that the peer ended soon after it became active (a duplicate id taking it over,
   * an eviction) keeps the backoff growing instead of letting it reset.
   */
  private weighEvidence(): void {
    const cause = this.cause;
    if (cause === Cause.Network) this.escalate();
    else if (cause === Cause.Peer) this.networkFailureCount = 0;
    if (!this.activeThisAttempt) return;
    if (cause === Cause.Peer && diffMs(this.nowMs, this.live.sinceMs) < this.config.stableSessionMs) {
      const n = ++this.shortSessionCount;
      this.counterArray[Counter.ShortSessions]++;
      if (this.backoffAttempt < n) this.backoffAttempt = n;
      this.actions.push(Act.Report, Note.ShortSession, n, n >= 3 ? Level.Warn : Level.Info);
    } else this.shortSessionCount = 0;
  }

  private escalate(): void {
    const n = ++this.networkFailureCount;
    const restartAt = this.config.networkRestartAfter;
    if (n === restartAt) {
      this.counterArray[Counter.NetworkRestarts]++;
      this.actions.push(Act.RestartNetwork, this.reason, n, Level.Warn);
      this.actions.push(Act.Report, Note.Escalated, n, Level.Warn);
    } else if (n === restartAt + this.config.rebootAfter) {
      this.counterArray[Counter.RebootRequests]++;
      this.actions.push(Act.Reboot, this.reason, n, Level.Error);
      this.actions.push(Act.Report, Note.RebootRequested, n, Level.Error);
      this.networkFailureCount = restartAt; // if the host cannot reboot, ask again after rebootAfter more
    }
  }

  private sendHeartbeat(now: number): void {
    const live = this.live;
    live.heartbeatSeq = (live.heartbeatSeq + 1) >>> 0;
    live.heartbeatOutstanding = true;
    live.heartbeatAckDeadlineMs = addMs(now, this.liveness.ackTimeoutMs());
    live.heartbeatDueMs = addMs(now, live.grant.heartbeatIntervalMs);
    this.counterArray[Counter.HeartbeatsSent]++;
    this.actions.push(Act.SendHeartbeat, live.heartbeatSeq, 0, Level.Debug);
  }

  private setPhaseDeadline(ms: number): void {
    this.phaseDeadlineMs = addMs(this.nowMs, ms);
    this.phaseDeadlineSet = true;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
