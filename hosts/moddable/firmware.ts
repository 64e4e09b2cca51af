/*
 * firmware: wires the agent to the Moddable runtime: one timer, one socket, the IO bank.
 *
 * Theory of operation: `Firmware` is the AgentHost. It owns
 *   - one repeating Timer: its callback is the only place that calls into the agent. It
 *     first hands over transport events (opened / closed), then `agent.tick(now)`, then runs
 *     deferred host work (network restart, reboot), then reschedules itself for
 *     `agent.nextDeadline()`, but never later than `tickMaxMs` (a watchdog tick; a spurious
 *     tick is a no-op for the agent). Socket callbacks only `kick()` the timer to fire at once;
 *   - the clock: `Time.ticks` as u32 milliseconds;
 *   - the transport (transport.ts), the network supervisor and the IO drivers from the Board
 *     (board-device.ts on a microcontroller, board-sim.ts in the simulator);
 *   - randomness (random.ts, stirred with event times) and, with config hmac "native", the C HMAC.
 * A reboot request restarts the device; in the simulator it builds a fresh agent instead.
 * Setup allocates; the tick path allocates only log lines.
 */
import Time from "time";
import Timer from "timer";
import { Agent, type AgentHost } from "../../src/agent/agent";
import type { HmacSha256 } from "../../src/codec/crypto/hmac";
import type { Board, Network } from "./board-types";
import { GenerationStore } from "./generation";
import { NativeHmacSha256 } from "./hmac-native";
import { IoBank } from "./io-bank";
import type { NumberArray } from "./io-types";
import { EntropyPool } from "./random";
import type { BoardSettings } from "./settings";
import { Stats } from "./stats";
import { Transport, TransportEvent } from "./transport";

const LEVEL_NAMES: readonly string[] = Object.freeze(["debug", "info ", "warn ", "error"]);
/** Delay between logging a reboot request and carrying it out, so the log line gets out, ms. */
const REBOOT_DELAY_MS = 200;

export class Firmware {
  agent: Agent;
  readonly createHmac: (() => HmacSha256) | undefined;
  private readonly transport: Transport;
  private readonly network: Network;
  private readonly bank: IoBank;
  private readonly pool: EntropyPool;
  private readonly generation: GenerationStore;
  private readonly stats: Stats;
  private readonly timer: Timer;
  private readonly bootMs: number;
  private readonly logLevel: number;
  private nextStatsMs = 0;
  private networkRestartPending = false;
  private rebootPending = false;
  private ticks = 0;

  constructor(
    private readonly settings: BoardSettings,
    private readonly board: Board,
  ) {
    this.bootMs = Time.ticks >>> 0;
    this.logLevel = settings.agent.logLevel ?? 1;
    const log = (level: number, message: string) => this.emit(level, message);
    this.pool = new EntropyPool();
    this.generation = new GenerationStore();
    settings.agent.initialGeneration = this.generation.initial;
    this.createHmac = settings.hmac === "native" ? () => new NativeHmacSha256() : undefined;
    // The agent first: it validates its config again and throws before the timer, the
    // network and the pins exist (main.ts has already listed every config problem).
    this.agent = new Agent(settings.agent, this.host());
    const c = this.agent.config;
    log(1, `brainstem ${c.firmwareVersion} on ${board.name}: agent ${c.agentId}, broker ${c.brokers.map((b) => `${b.host}:${b.port}`).join(", ")}`);
    this.timer = Timer.repeat(() => this.onTimer(), settings.tickMaxMs);
    Timer.schedule(this.timer); // unscheduled until start()
    this.network = board.openNetwork(settings.ssid, settings.password, log, {
      onUp: () => {
        this.transport.networkUp();
        this.kick();
      },
      onDown: () => this.transport.networkDown(),
    });
    this.transport = new Transport(this.network, () => this.kick(), log, () => this.now());
    this.bank = new IoBank(settings.io, board, log, board.simulated ? 1 : 0, this.logLevel);
    this.stats = new Stats();
  }

  /** The agent's options bag: the transport, the IO bank, and this board's entropy, log and escalation. */
  private host(): AgentHost {
    return {
      transport: { open: (h, p) => this.open(h, p), close: () => this.close(), send: (s, o, n) => this.send(s, o, n), recv: (d, o, n) => this.recv(d, o, n) },
      io: { sampleSensors: (nowMs) => this.sampleSensors(nowMs), applyMotor: (id, v) => this.applyMotor(id, v), motorsSafe: () => this.motorsSafe() },
      platform: {
        random: (dst) => this.random(dst), createHmac: this.createHmac, log: (level, code, message) => this.log(level, code, message),
        restartNetwork: () => this.requestNetworkRestart(), reboot: () => this.requestReboot(),
      },
    };
  }

  start(): void {
    const now = this.now();
    this.nextStatsMs = now + this.settings.statsIntervalMs;
    this.agent.start(now);
    const delay = this.delayUntilDeadline(this.now());
    Timer.schedule(this.timer, delay, delay);
  }

  // ---------------------------------------------------------------- AgentHost

  open(host: string, port: number): void {
    this.emit(0, `connecting to ${host}:${port}`);
    this.transport.open(host, port);
  }
  close(): void {
    this.transport.close();
  }
  send(src: Uint8Array, off: number, len: number): number {
    return this.transport.send(src, off, len);
  }
  recv(dst: Uint8Array, off: number, len: number): number {
    return this.transport.recv(dst, off, len);
  }
  random(dst: Uint8Array): void {
    this.pool.fill(dst);
  }
  sampleSensors(nowMs: number): void {
    this.bank.sample(this.agent, nowMs);
  }
  applyMotor(channelId: number, values: NumberArray): void {
    this.bank.apply(channelId, values, this.now());
  }
  motorsSafe(): void {
    this.bank.safe(this.agent, this.now());
  }
  log(level: number, _code: number, message: string): void {
    this.emit(level, message); // the agent filters by its logLevel and puts the reason name in the message
  }
  requestNetworkRestart(): void {
    this.networkRestartPending = true; // after this tick: the agent is mid-call
  }
  requestReboot(): void {
    this.rebootPending = true;
  }

  // ---------------------------------------------------------------- timer

  private now(): number {
    return Time.ticks >>> 0;
  }

  /** Makes the timer fire on the next turn of the run loop (the callback then reschedules it). */
  private kick(): void {
    this.pool.stir(Time.ticks); // socket event timing jitters: free entropy
    Timer.schedule(this.timer, 0, this.settings.tickMaxMs);
  }

  /** The timer callback: the one place that calls into the agent. Always reschedules, even if a step throws. */
  private onTimer(): void {
    let delay = this.settings.tickMaxMs;
    try {
      delay = this.step();
    } finally {
      // First and repeat intervals equal, and never 0: Moddable's lin simulator timer (glib)
      // leaks a timer source when a callback reschedules itself with first != repeat, and a
      // repeat of 0 would delete the timer. The repeat is only a watchdog: every tick reschedules.
      Timer.schedule(this.timer, delay, delay);
    }
  }

  /** One tick: transport events, agent.tick, deferred host work, stats. Returns the delay to the next tick, ms (>= 1). */
  private step(): number {
    const agent = this.agent;
    let now = this.now();
    this.pool.stir(now);
    this.ticks++;
    for (let e = this.transport.takeEvent(); e !== TransportEvent.None; e = this.transport.takeEvent()) {
      if (e === TransportEvent.Opened) agent.handleTransportOpened(now);
      else agent.handleTransportClosed(now, this.transport.closeCode);
    }
    agent.tick(now);
    this.generation.observe(agent.status().generation);
    if (this.networkRestartPending) {
      this.networkRestartPending = false;
      this.network.restart();
    }
    if (this.rebootPending) {
      this.rebootPending = false;
      this.reboot();
    }
    now = this.now();
    if (this.settings.statsIntervalMs > 0 && this.logLevel <= 1 && ((now - this.nextStatsMs) | 0) >= 0) {
      this.nextStatsMs = now + this.settings.statsIntervalMs;
      this.bank.flushLog(now);
      this.emit(1, `stats ${this.stats.line(this.agent, ` ticks=${this.ticks}`)}`);
    }
    return this.delayUntilDeadline(now);
  }

  /** Milliseconds until the agent's next deadline, clamped to 1..tickMaxMs (1 when input is waiting). */
  private delayUntilDeadline(now: number): number {
    if (this.transport.hasInput) return 1; // the agent reads a bounded amount per tick
    const delay = (this.agent.nextDeadline() - now) | 0;
    if (delay < 1) return 1;
    return delay > this.settings.tickMaxMs ? this.settings.tickMaxMs : delay;
  }

  private reboot(): void {
    const now = this.now();
    this.bank.safe(this.agent, now);
    this.emit(3, "reboot requested by the agent (escalation step 3)");
    Timer.set(() => {
      if (this.board.reboot()) return;
      // Simulator: no reboot, so start a fresh agent, the closest equivalent.
      this.emit(2, "simulator: restarting the agent instead of the device");
      this.transport.close();
      this.settings.agent.initialGeneration = this.agent.status().generation;
      this.agent = new Agent(this.settings.agent, this.host());
      this.start();
    }, REBOOT_DELAY_MS);
  }

  private emit(level: number, message: string): void {
    if (level < this.logLevel) return;
    const ms = ((this.now() - this.bootMs) >>> 0) / 1000;
    trace(`${ms.toFixed(3)} ${LEVEL_NAMES[level & 3]} ${message}\n`);
  }
}
