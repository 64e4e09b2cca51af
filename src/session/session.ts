/*
 * session: the deterministic driver of the automaton. (nowMs, event) in, actions out.
 *
 * Theory of operation (DESIGN conventions 1-3; seeds 000, 002, 003, 004):
 *   - Inputs: `handle(nowMs, event, reason)` for plain events, plus a few typed inputs that
 *     carry data (`onRegistered`, `onDrain`, `onHeartbeatAck`, `onMotorFrame`, `setPending`,
 *     `noteRx`/`noteTx`) and `tick(nowMs)` for time. Each input first records its data, then
 *     fires an event through the table in automaton.ts. A spurious tick is a no-op.
 *   - Outputs: actions in `actions` (see actions.ts), drained by the agent after each input.
 *   - Time: only `nowMs` values passed in; all arithmetic is u32 and wrap-safe (clock.ts).
 *     `nextDeadline()` is the earliest instant at which `tick` has something to do.
 *   - Policies: full-jitter backoff that escalates only for failures before active (seed 002);
 *     close classes (drain for deploy, drain by operator, graceful, unexpected) pick the delay
 *     and the log level; after `networkRestartAfter` failed reconnects the host is asked to
 *     restart the network, after `rebootAfter` more to reboot; heartbeats only while active,
 *     with an RTT-derived ack timeout and a miss limit; a silent-link bound catches half-open
 *     sockets in every connected phase; the motor gate drops stale, replayed and out-of-order
 *     frames and sends the outputs safe on expiry and on leaving active.
 *   - Failed is entered only through RejectedFatal (a rejected key, unknown agent, invalid
 *     request, unsupported version). Everything else retries.
 * Half-open detection bound (stated by the config): while active, a dead link is declared at
 * most heartbeatIntervalMs + heartbeatMissLimit * heartbeatTimeoutMaxMs after the last ack,
 * and in every connected phase at most linkSilenceMs after the last received byte.
 */
import { Err } from "../errors";
import { Act, ActionQueue, Level, Note } from "./actions";
import { END, Ev, IGNORE, INVALID, Phase, STAY, transitionFor } from "./automaton";
import { backoffDelayMs, drainDelayMs } from "./backoff";
import { addMs, diffMs, earlier, reached } from "./clock";
import type { SessionConfig } from "./config";
import { COUNTER_COUNT, Counter } from "./counters";
import { Cause, causeOf } from "./evidence";
import { Liveness } from "./liveness";
import { MotorGate } from "./motor-gate";

/** Why the link is closing; decides the backoff and the log level. */
export const CloseClass = { Unexpected: 0, DrainDeploy: 1, DrainOperator: 2, Graceful: 3 } as const;

/** Drain reasons on the wire (docs/protocol.md, "drain"). */
export const DrainReason = { Deploy: 1, Operator: 2 } as const;

/** Deregister reasons on the wire (docs/protocol.md, "deregister"). */
export const DeregisterReason = { Stop: 1, Drain: 2, Fault: 3 } as const;

const NEVER_MS = 3_600_000; // nextDeadline when nothing is scheduled: an hour away

export class Session {
  phase: number = Phase.Idle;
  /** Increments at every connection attempt; the Last Will and hello carry it. */
  generation: number;
  /** Exponent of the backoff window; reset when a session reaches active. */
  attempt = 0;
  /** Network-level failures in a row (evidence.ts); peer-level evidence clears it. Drives escalation. */
  networkFailures = 0;
  /** Sessions in a row that the peer ended sooner than stableSessionMs after reaching active. */
  shortSessions = 0;
  /** Evidence class (evidence.ts Cause) of the last loss or failed attempt. */
  lastCause: number = Cause.None;
  /** Reason code (Err.*) of the last loss, rejection or drop; 0 when none. */
  lastReason = 0;
  closeClass: number = CloseClass.Unexpected;
  readonly counters = new Uint32Array(COUNTER_COUNT);
  readonly actions = new ActionQueue();
  readonly liveness: Liveness;
  readonly gate = new MotorGate();

  // negotiated at registration (defaults from config until then)
  heartbeatIntervalMs: number;
  motorHoldMs: number;
  sensorPeriodMs: number;
  sessionId = 0;

  // timers: u32 instants, each meaningful only while its flag is set
  private nowMs = 0;
  private clockStarted = false;
  private phaseDeadlineMs = 0;
  private phaseDeadlineSet = false;
  private heartbeatDueMs = 0;
  private heartbeatAckDeadlineMs = 0;
  private heartbeatOutstanding = false;
  private heartbeatSeq = 0;
  private heartbeatMisses = 0;
  private sensorDueMs = 0;
  private statusDueMs = 0;
  private lastRxMs = 0;
  private lastTxMs = 0;

  private transportUp = false;
  private connAcked = false;
  private reachedActive = false;
  private activeSinceMs = 0;
  /** The last attempt ended without a CONNACK: the next Open tries the next broker. */
  private brokerUnreached = false;
  private stopRequested = false;
  private retryAfterHintMs = 0;
  private drainDeadlineMs = 0;
  private pending = 0;
  private followUp = -1;
  private readonly pingIntervalMs: number;

  constructor(
    readonly config: SessionConfig,
    private readonly random01: () => number,
    initialGeneration = 0,
  ) {
    this.generation = initialGeneration >>> 0;
    this.liveness = new Liveness(config.heartbeatTimeoutMinMs, config.heartbeatTimeoutMaxMs);
    this.heartbeatIntervalMs = config.heartbeatIntervalMs;
    this.motorHoldMs = config.motorDeadlineMs;
    this.sensorPeriodMs = Math.max(1, Math.round(1000 / config.sensorRateHz));
    const keepAliveHalfMs = (config.keepAliveS * 1000) >>> 1;
    const silenceThirdMs = Math.floor(config.linkSilenceMs / 3);
    this.pingIntervalMs = keepAliveHalfMs < silenceThirdMs ? keepAliveHalfMs : silenceThirdMs;
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Fires one event. `reason` is an Err code explaining losses and rejections (0 otherwise).
   * Returns 0, or Err.UNDEFINED_TRANSITION when the pair is INVALID (local misuse).
   */
  handle(nowMs: number, event: number, reason = 0): number {
    this.advance(nowMs);
    this.prepare(event, reason);
    let result = this.fire(event, reason);
    while (this.followUp >= 0) {
      const next = this.followUp;
      this.followUp = -1;
      const r = this.fire(next, 0);
      if (result === 0) result = r;
    }
    return result;
  }

  /** Runs every timer that is due. Safe to call at any time; a spurious tick does nothing. */
  tick(nowMs: number): void {
    this.advance(nowMs);
    const now = this.nowMs;
    const p = this.phase;
    if (this.phaseDeadlineSet && reached(now, this.phaseDeadlineMs)) {
      this.phaseDeadlineSet = false;
      if (p === Phase.BackingOff || p === Phase.Failed) this.handle(now, Ev.BackoffElapsed);
      else this.handle(now, Ev.PhaseTimeout, this.timeoutReason(p));
      return;
    }
    if (!this.transportUp) return;
    if (reached(now, addMs(this.lastRxMs, this.config.linkSilenceMs))) {
      this.handle(now, Ev.LivenessLost, Err.TIMEOUT_SILENT_LINK);
      return;
    }
    if (p === Phase.Active || p === Phase.Draining) {
      if (this.heartbeatOutstanding && reached(now, this.heartbeatAckDeadlineMs)) {
        this.heartbeatOutstanding = false;
        this.counters[Counter.HEARTBEAT_MISSES]++;
        if (++this.heartbeatMisses >= this.config.heartbeatMissLimit) {
          this.handle(now, Ev.LivenessLost, Err.TIMEOUT_HEARTBEAT);
          return;
        }
        this.heartbeatDueMs = now; // probe again at once
      }
      if (!this.heartbeatOutstanding && reached(now, this.heartbeatDueMs)) this.sendHeartbeat(now);
    }
    if (p === Phase.Active) {
      if (this.gate.expired(now)) {
        this.counters[Counter.MOTOR_DEADLINE_SAFE]++;
        this.actions.push(Act.MotorsSafe, 0, 0, Level.debug);
      }
      if (reached(now, this.sensorDueMs)) {
        // The next due time keeps this agent's phase. After a stall longer than a period the
        // missed samples are skipped, not bunched, and the phase is still kept: re-basing on
        // `now` would line up every agent that stalled together (one host, one GC pause) and
        // have them all sample in the same millisecond from then on.
        const missed = Math.floor(diffMs(now, this.sensorDueMs) / this.sensorPeriodMs);
        this.sensorDueMs = addMs(this.sensorDueMs, (missed + 1) * this.sensorPeriodMs);
        this.actions.push(Act.SampleSensors, 0, 0, Level.debug);
      }
      if (this.config.statusIntervalMs > 0 && reached(now, this.statusDueMs)) {
        this.statusDueMs = addMs(now, this.config.statusIntervalMs);
        this.actions.push(Act.SendStatus, 0, 0, Level.debug);
      }
    }
    if (this.connAcked && reached(now, addMs(this.lastTxMs, this.pingIntervalMs))) {
      this.lastTxMs = now;
      this.actions.push(Act.SendPing, 0, 0, Level.debug);
    }
  }

  /** Earliest instant (u32 ms) at which `tick` has work. */
  nextDeadline(): number {
    const now = this.nowMs;
    let d = addMs(now, NEVER_MS);
    if (this.phaseDeadlineSet) d = earlier(now, d, this.phaseDeadlineMs);
    if (!this.transportUp) return d;
    d = earlier(now, d, addMs(this.lastRxMs, this.config.linkSilenceMs));
    const p = this.phase;
    if (p === Phase.Active || p === Phase.Draining) {
      d = earlier(now, d, this.heartbeatOutstanding ? this.heartbeatAckDeadlineMs : this.heartbeatDueMs);
    }
    if (p === Phase.Active) {
      if (this.gate.holding) d = earlier(now, d, this.gate.expiresAtMs);
      d = earlier(now, d, this.sensorDueMs);
      if (this.config.statusIntervalMs > 0) d = earlier(now, d, this.statusDueMs);
    }
    if (this.connAcked) d = earlier(now, d, addMs(this.lastTxMs, this.pingIntervalMs));
    return d;
  }

  /** The broker/brain sent us bytes: feeds the half-open detector. */
  noteRx(nowMs: number): void {
    this.advance(nowMs);
    this.lastRxMs = nowMs >>> 0;
  }

  /** We sent bytes: resets the keep-alive ping timer. */
  noteTx(nowMs: number): void {
    this.advance(nowMs);
    this.lastTxMs = nowMs >>> 0;
  }

  /** Registration data. Fires RegisteredOk. Values are clamped to the config's bounds. */
  onRegistered(nowMs: number, sessionId: number, heartbeatMs: number, motorDeadlineMs: number, maxRateHz: number, brainMs: number): number {
    this.advance(nowMs);
    if (this.phase !== Phase.Registering) return this.handle(nowMs, Ev.RegisteredOk);
    this.sessionId = sessionId >>> 0;
    this.heartbeatIntervalMs = clamp(heartbeatMs || this.config.heartbeatIntervalMs, 100, Math.floor(this.config.linkSilenceMs / 2));
    this.motorHoldMs = clamp(motorDeadlineMs || this.config.motorDeadlineMs, 10, 60_000);
    const rateHz = maxRateHz > 0 && maxRateHz < this.config.sensorRateHz ? maxRateHz : this.config.sensorRateHz;
    this.sensorPeriodMs = Math.max(1, Math.round(1000 / rateHz));
    this.liveness.reset();
    this.liveness.offsetMs = ((brainMs >>> 0) - this.nowMs) | 0; // first estimate; heartbeats refine it
    return this.handle(nowMs, Ev.RegisteredOk);
  }

  /** Server-directed drain. Fires Drain. */
  onDrain(nowMs: number, reason: number, retryAfterMs: number, deadlineMs: number): number {
    this.closeClass = reason === DrainReason.Deploy ? CloseClass.DrainDeploy : CloseClass.DrainOperator;
    this.retryAfterHintMs = retryAfterMs;
    const limit = this.config.drainTimeoutMs;
    this.drainDeadlineMs = deadlineMs > 0 && deadlineMs < limit ? deadlineMs : limit;
    this.counters[Counter.DRAINS]++;
    this.actions.push(Act.Report, Note.Drain, reason, reason === DrainReason.Deploy ? Level.info : Level.warn);
    return this.handle(nowMs, Ev.Drain);
  }

  /** A rejection from the brain. `retryAfterMs` (0 if absent) is honoured for transient kinds. */
  onRejected(nowMs: number, reason: number, retryAfterMs: number): number {
    this.counters[Counter.REJECTIONS]++;
    this.retryAfterHintMs = retryAfterMs;
    const fatal = reason === Err.REJECTED_INVALID_AUTH || reason === Err.REJECTED_UNKNOWN_AGENT ||
      reason === Err.REJECTED_INVALID_REQUEST || reason === Err.REJECTED_VERSION;
    this.actions.push(Act.Report, Note.Rejected, reason, fatal ? Level.error : Level.warn);
    return this.handle(nowMs, fatal ? Ev.RejectedFatal : Ev.RejectedRetry, reason);
  }

  /** A heartbeat ack. Stale echoes (not the outstanding sequence) are ignored. */
  onHeartbeatAck(nowMs: number, seq: number, agentSentMs: number, brainMs: number): number {
    this.advance(nowMs);
    if ((this.phase === Phase.Active || this.phase === Phase.Draining) && this.heartbeatOutstanding && seq === this.heartbeatSeq) {
      this.heartbeatOutstanding = false;
      this.heartbeatMisses = 0;
      this.counters[Counter.HEARTBEAT_ACKS]++;
      this.liveness.onAck(this.nowMs, agentSentMs, brainMs);
    }
    return this.handle(nowMs, Ev.HeartbeatAck);
  }

  /**
   * A motor frame whose MAC verified. Returns 0 when it may be applied (the caller applies it),
   * or FRAME_REPLAYED / FRAME_OUT_OF_ORDER / FRAME_STALE / WRONG_PHASE; each drop is counted.
   */
  onMotorFrame(nowMs: number, seq: number, deadlineBrainMs: number): number {
    this.handle(nowMs, Ev.MotorFrame);
    let verdict: number = Err.WRONG_PHASE;
    if (this.phase === Phase.Active) {
      verdict = this.gate.admit(this.nowMs, seq >>> 0, this.liveness.toAgentMs(deadlineBrainMs), this.motorHoldMs);
    }
    if (verdict === 0) this.counters[Counter.MOTOR_FRAMES_APPLIED]++;
    else this.countDrop(verdict);
    return verdict;
  }

  /** Counts an inbound item dropped before reaching the gate (bad MAC, malformed). */
  countDrop(reason: number): void {
    const c = this.counters;
    if (reason === Err.FRAME_STALE) c[Counter.MOTOR_DROPPED_STALE]++;
    else if (reason === Err.FRAME_OUT_OF_ORDER) c[Counter.MOTOR_DROPPED_ORDER]++;
    else if (reason === Err.FRAME_REPLAYED) c[Counter.MOTOR_DROPPED_REPLAY]++;
    else if (reason === Err.FRAME_BAD_MAC) c[Counter.MOTOR_DROPPED_MAC]++;
    else if (reason === Err.WRONG_PHASE) c[Counter.MOTOR_DROPPED_INACTIVE]++;
    else c[Counter.MOTOR_DROPPED_MALFORMED]++;
    this.lastReason = reason;
    this.actions.push(Act.Report, Note.Dropped, reason, Level.debug);
  }

  /** Number of QoS 1 messages awaiting PUBACK. Draining ends when it reaches 0. */
  setPending(nowMs: number, pending: number): void {
    this.pending = pending;
    if (pending === 0 && this.phase === Phase.Draining) this.handle(nowMs, Ev.PendingDone);
  }

  /** True when a sensor frame may be published now (active, not draining). Counts the drop otherwise. */
  sensorAllowed(nowMs: number): boolean {
    this.handle(nowMs, Ev.SensorSubmit);
    if (this.phase === Phase.Active) return true;
    this.counters[Counter.SENSOR_FRAMES_DROPPED]++;
    return false;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Moves the clock to nowMs. A monotonic device clock never goes back; if the host's does
   * (a clock fault, a misbehaving simulator), every stored instant is shifted by the same
   * amount so each timer keeps its remaining time, the brain-time mapping follows, and a held
   * motor command is released at once: we no longer know how long it has really been held.
   */
  private advance(nowMs: number): void {
    const now = nowMs >>> 0;
    const delta = (now - this.nowMs) | 0;
    this.nowMs = now;
    if (delta >= 0 || !this.clockStarted) {
      this.clockStarted = true;
      return;
    }
    this.phaseDeadlineMs = addMs(this.phaseDeadlineMs, delta);
    this.heartbeatDueMs = addMs(this.heartbeatDueMs, delta);
    this.heartbeatAckDeadlineMs = addMs(this.heartbeatAckDeadlineMs, delta);
    this.sensorDueMs = addMs(this.sensorDueMs, delta);
    this.statusDueMs = addMs(this.statusDueMs, delta);
    this.lastRxMs = addMs(this.lastRxMs, delta);
    this.lastTxMs = addMs(this.lastTxMs, delta);
    this.liveness.offsetMs = (this.liveness.offsetMs - delta) | 0;
    this.counters[Counter.CLOCK_JUMPS_BACK]++;
    if (this.gate.holding) {
      this.gate.release();
      this.actions.push(Act.MotorsSafe, 0, 0, Level.warn);
    }
  }

  private prepare(event: number, reason: number): void {
    switch (event) {
      case Ev.Start:
        this.stopRequested = false;
        break;
      case Ev.Stop:
        this.stopRequested = true;
        break;
      case Ev.TransportOpened:
        if (this.phase === Phase.Connecting && !this.transportUp) {
          this.transportUp = true;
          this.lastRxMs = this.nowMs;
          this.lastTxMs = this.nowMs;
          this.actions.push(Act.SendConnect, this.generation, 0, Level.debug);
        }
        break;
      case Ev.ConnAckOk:
        if (this.phase === Phase.Connecting && this.transportUp && !this.connAcked) {
          this.connAcked = true;
          this.counters[Counter.CONNECTS_OK]++;
          this.actions.push(Act.SendSubscribeControl, 0, 0, Level.debug);
        }
        break;
      case Ev.ChallengeOk:
        if (this.phase === Phase.Authenticating) this.actions.push(Act.SendProof, 0, 0, Level.debug);
        break;
      case Ev.Deregistered:
        if (this.phase !== Phase.Deregistering && this.phase !== Phase.Draining) {
          this.closeClass = CloseClass.Graceful;
          this.counters[Counter.SERVER_DEREGISTERS]++;
        }
        break;
      case Ev.ActionFailed:
        this.counters[Counter.ACTION_FAILURES]++;
        break;
      case Ev.Malformed:
        this.counters[Counter.MALFORMED_MESSAGES]++;
        this.actions.push(Act.Report, Note.Dropped, reason, Level.warn);
        break;
    }
    if (reason !== 0) this.lastReason = reason;
    if (isLoss(event)) this.lastCause = causeOf(reason);
    else if (event === Ev.Deregistered) this.lastCause = Cause.Peer;
    // A loss while draining or deregistering keeps the class already decided (a drain's hint).
    if (isLoss(event) && this.phase !== Phase.Draining && this.phase !== Phase.Deregistering) this.closeClass = CloseClass.Unexpected;
  }

  private fire(event: number, reason: number): number {
    let target = transitionFor(this.phase, event);
    if (target === STAY) return 0;
    if (target === IGNORE) {
      if (event >= Ev.ConnAckOk && event <= Ev.Deregistered) this.counters[Counter.UNEXPECTED_MESSAGES]++;
      return 0;
    }
    if (target === INVALID) {
      this.actions.push(Act.Report, Note.InvalidEvent, event, Level.warn);
      return Err.UNDEFINED_TRANSITION;
    }
    if (target === END) target = this.stopRequested ? Phase.Stopped : Phase.BackingOff;
    if (isLoss(event) && target === Phase.BackingOff) {
      // Only a link that was up can be lost; an attempt that never opened is a connect failure.
      if (this.transportUp) {
        this.counters[Counter.LINK_LOSSES]++;
        this.actions.push(Act.Report, Note.LinkLost, reason || this.lastReason, Level.warn);
      } else this.counters[Counter.CONNECT_FAILURES]++;
    }
    this.enter(target);
    return 0;
  }

  private enter(next: number): void {
    const prev = this.phase;
    const now = this.nowMs;
    if (prev === Phase.Active && next !== Phase.Active) {
      this.gate.release();
      this.actions.push(Act.MotorsSafe, 0, 0, Level.debug);
    }
    this.phase = next;
    this.actions.push(Act.Report, Note.PhaseEntered, next, Level.info);
    switch (next) {
      case Phase.Connecting:
        this.generation = (this.generation + 1) >>> 0;
        this.transportUp = false;
        this.connAcked = false;
        this.reachedActive = false;
        this.heartbeatOutstanding = false;
        this.closeClass = CloseClass.Unexpected;
        this.retryAfterHintMs = 0;
        this.gate.reset();
        this.counters[Counter.CONNECT_ATTEMPTS]++;
        if (prev === Phase.Idle || prev === Phase.Stopped) this.actions.push(Act.MotorsSafe, 0, 0, Level.debug);
        if (prev === Phase.Failed) {
          this.counters[Counter.FAILED_RETRIES]++;
          this.actions.push(Act.Report, Note.FailedRetry, this.lastReason, Level.warn);
        }
        this.setPhaseDeadline(this.config.transitionTimeoutMs);
        this.actions.push(Act.Open, this.brokerUnreached ? 1 : 0, 0, Level.debug);
        break;
      case Phase.Authenticating:
        this.actions.push(Act.SendHello, this.generation, 0, Level.debug);
        if (this.config.registrationDeadlineMs > 0) this.setPhaseDeadline(this.config.registrationDeadlineMs);
        else this.phaseDeadlineSet = false;
        break;
      case Phase.Registering:
        break; // proof sent in prepare(); the registration deadline keeps running
      case Phase.Binding:
        this.actions.push(Act.SendSubscribeMotor, 0, 0, Level.debug);
        if (!this.phaseDeadlineSet) this.setPhaseDeadline(this.config.transitionTimeoutMs);
        break;
      case Phase.Active:
        this.phaseDeadlineSet = false;
        this.reachedActive = true;
        this.activeSinceMs = now;
        this.attempt = 0;
        this.networkFailures = 0;
        this.counters[Counter.SESSIONS_ACTIVE]++;
        this.heartbeatMisses = 0;
        this.heartbeatOutstanding = false;
        this.heartbeatDueMs = now;
        this.sensorDueMs = now;
        this.statusDueMs = now;
        break;
      case Phase.Draining:
        this.setPhaseDeadline(this.drainDeadlineMs);
        if (this.pending === 0) this.followUp = Ev.PendingDone;
        break;
      case Phase.Deregistering: {
        const why = this.stopRequested ? DeregisterReason.Stop : prev === Phase.Draining ? DeregisterReason.Drain : DeregisterReason.Fault;
        this.actions.push(Act.SendDeregister, why, 0, Level.debug);
        this.setPhaseDeadline(this.config.transitionTimeoutMs);
        break;
      }
      case Phase.BackingOff:
        this.closeLink(this.closeClass !== CloseClass.Unexpected);
        this.scheduleReconnect();
        break;
      case Phase.Stopped:
        this.closeLink(true);
        this.phaseDeadlineSet = false;
        break;
      case Phase.Failed: {
        this.closeLink(true);
        this.actions.push(Act.Report, Note.Failed, this.lastReason, Level.error);
        // Failed is not forever: the key or the brain's key file may be fixed meanwhile.
        const retryMs = this.config.failedRetryMs;
        if (retryMs > 0) {
          const delay = backoffDelayMs(0, retryMs, retryMs, this.random01());
          this.setPhaseDeadline(delay);
          this.actions.push(Act.Report, Note.Backoff, delay, Level.warn);
        } else this.phaseDeadlineSet = false;
        break;
      }
    }
  }

  /** DISCONNECT first when graceful (the broker then discards the Will), then Close. Close is
   *  always issued, even when the transport already died or an open is still in flight:
   *  hosts treat it as idempotent. */
  private closeLink(graceful: boolean): void {
    if (graceful && this.transportUp && this.connAcked) this.actions.push(Act.SendDisconnect, 0, 0, Level.debug);
    this.brokerUnreached = !this.connAcked;
    this.actions.push(Act.Close, 0, 0, Level.debug);
    this.transportUp = false;
    this.connAcked = false;
    this.heartbeatOutstanding = false;
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
      delay = backoffDelayMs(this.attempt, cfg.backoffBaseMs, cfg.backoffMaxMs, this.random01());
    } else {
      delay = backoffDelayMs(this.attempt, cfg.backoffBaseMs, cfg.backoffMaxMs, this.random01());
      if (this.retryAfterHintMs > delay) delay = this.retryAfterHintMs < cfg.backoffMaxMs ? this.retryAfterHintMs : cfg.backoffMaxMs;
      this.attempt++;
    }
    this.setPhaseDeadline(delay);
    const level = cls === CloseClass.Unexpected || cls === CloseClass.DrainOperator ? Level.warn : Level.info;
    this.actions.push(Act.Report, Note.Backoff, delay, level);
  }

  /**
   * Acts on the evidence of the loss or failed attempt that just ended (evidence.ts): network-level
   * evidence escalates; peer-level evidence proves the network works and clears the escalation.
   * A session that the peer ended soon after it became active (a duplicate id taking it over,
   * an eviction) keeps the backoff growing instead of letting it reset.
   */
  private weighEvidence(): void {
    const cause = this.lastCause;
    if (cause === Cause.Network) this.escalate();
    else if (cause === Cause.Peer) this.networkFailures = 0;
    if (!this.reachedActive) return;
    if (cause === Cause.Peer && diffMs(this.nowMs, this.activeSinceMs) < this.config.stableSessionMs) {
      const n = ++this.shortSessions;
      this.counters[Counter.SHORT_SESSIONS]++;
      if (this.attempt < n) this.attempt = n;
      this.actions.push(Act.Report, Note.ShortSession, n, n >= 3 ? Level.warn : Level.info);
    } else this.shortSessions = 0;
  }

  private escalate(): void {
    const n = ++this.networkFailures;
    const restartAt = this.config.networkRestartAfter;
    if (n === restartAt) {
      this.counters[Counter.NETWORK_RESTARTS]++;
      this.actions.push(Act.RestartNetwork, this.lastReason, n, Level.warn);
      this.actions.push(Act.Report, Note.Escalated, n, Level.warn);
    } else if (n === restartAt + this.config.rebootAfter) {
      this.counters[Counter.REBOOT_REQUESTS]++;
      this.actions.push(Act.Reboot, this.lastReason, n, Level.error);
      this.actions.push(Act.Report, Note.RebootRequested, n, Level.error);
      this.networkFailures = restartAt; // if the host cannot reboot, ask again after rebootAfter more
    }
  }

  private sendHeartbeat(now: number): void {
    this.heartbeatSeq = (this.heartbeatSeq + 1) >>> 0;
    this.heartbeatOutstanding = true;
    this.heartbeatAckDeadlineMs = addMs(now, this.liveness.ackTimeoutMs());
    this.heartbeatDueMs = addMs(now, this.heartbeatIntervalMs);
    this.counters[Counter.HEARTBEATS_SENT]++;
    this.actions.push(Act.SendHeartbeat, this.heartbeatSeq, 0, Level.debug);
  }

  private setPhaseDeadline(ms: number): void {
    this.phaseDeadlineMs = addMs(this.nowMs, ms);
    this.phaseDeadlineSet = true;
  }

  private timeoutReason(p: number): number {
    // No transport yet: the TCP connect got no answer (network-level). Transport up but no
    // CONNACK: the broker's host answered and the broker is silent (peer-level).
    if (p === Phase.Connecting) return this.transportUp ? Err.TIMEOUT_CONNECT : Err.NET_CONNECT_TIMEOUT;
    if (p === Phase.Authenticating || p === Phase.Registering || p === Phase.Binding) return Err.TIMEOUT_REGISTRATION;
    return 0;
  }
}

function isLoss(event: number): boolean {
  return event === Ev.TransportLost || event === Ev.LivenessLost || event === Ev.ActionFailed ||
    event === Ev.ConnAckRefused || event === Ev.SubscribeFailed || event === Ev.AuthFailed ||
    event === Ev.RejectedRetry || event === Ev.PhaseTimeout;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
