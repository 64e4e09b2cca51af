/*
 * node-agent: runs the firmware core on Node: a net socket, a timer, node:crypto.
 *
 * Theory of operation: one Agent, given `{ transport, io, platform }`: the NetTransport (the
 * transport seam itself), simulated or caller-supplied sensors and motors, and Node's entropy,
 * HMAC and log. One timer is always armed for
 * the agent's nextDeadline(); socket data ticks the agent at once (lowest latency), and every
 * tick re-arms the timer. Randomness comes from crypto.randomFillSync; HMAC is the firmware's
 * own (about 1.5 µs per motor frame on V8, less than a node:crypto Hmac object), or node:crypto
 * with `nativeHmac`.
 * This host is for development, CI and the fleet simulator; the same core runs on XS
 * (hosts/xs) and on boards (hosts/moddable).
 */
import crypto from "node:crypto";
import { Agent, type AgentHost, type SensorArrays } from "../../src/agent/agent";
import type { TypedArray } from "../../src/agent/channels";
import type { AgentConfigInput } from "../../src/agent/config";
import { Phase } from "../../src/session/automaton";
import { makeClock } from "./clock";
import { NodeHmacSha256 } from "./native-hmac";
import { NetTransport, type TlsOptions } from "./net-transport";
import { simulatedSensors } from "./sensors";

export interface NodeAgentOptions {
  config: AgentConfigInput;
  tls?: TlsOptions | null;
  /** Fill agent.sensorArray(id) for each sensor channel; default: simulated waveforms. */
  sampleSensors?: (agent: Agent, nowMs: number) => void;
  applyMotor?: (channelId: number, values: TypedArray) => void;
  motorsSafe?: () => void;
  log?: (level: number, code: number, message: string) => void;
  clock?: () => number;
  /** Use node:crypto's HMAC instead of the firmware's own (on V8 the firmware's is faster per frame). */
  nativeHmac?: boolean;
}

export class NodeAgent {
  readonly agent: Agent;
  readonly now: () => number;
  private readonly transport: NetTransport;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  networkRestartRequests = 0;
  rebootRequests = 0;

  constructor(private readonly opts: NodeAgentOptions) {
    this.now = opts.clock ?? makeClock();
    this.transport = new NetTransport({
      opened: () => {
        this.agent.handleTransportOpened(this.now());
        this.reschedule();
      },
      closed: (reason) => {
        this.agent.handleTransportClosed(this.now(), reason);
        this.reschedule();
      },
      readable: () => this.tick(),
    }, opts.tls ?? null);
    const transport = this.transport;
    let sample: ((nowMs: number, sensors: SensorArrays) => void) | null = null;
    const host: AgentHost = {
      transport,
      io: {
        sampleSensors: (nowMs, sensors) => {
          if (opts.sampleSensors) opts.sampleSensors(this.agent, nowMs);
          else (sample ??= simulatedSensors(this.agent.config.channels))(nowMs, sensors);
        },
        applyMotor: (id, values) => opts.applyMotor?.(id, values),
        motorsSafe: () => opts.motorsSafe?.(),
      },
      platform: {
        random: (dst) => crypto.randomFillSync(dst),
        createHmac: opts.nativeHmac ? () => new NodeHmacSha256() : undefined,
        log: (level, code, message) => opts.log?.(level, code, message),
        restartNetwork: () => {
          this.networkRestartRequests++; // a laptop has no Wi-Fi stack to restart: counted and logged
        },
        reboot: () => {
          this.rebootRequests++;
        },
      },
    };
    this.agent = new Agent(opts.config, host);
  }

  start(): void {
    this.stopped = false;
    this.agent.start(this.now());
    this.reschedule();
  }

  /** Deregisters and closes. Resolves when the agent is stopped (or failed), or after timeoutMs. */
  stop(timeoutMs = 3_000): Promise<void> {
    this.agent.stop(this.now());
    this.reschedule();
    return new Promise((resolve) => {
      const t0 = Date.now();
      const poll = () => {
        const p = this.agent.phase;
        if (p === Phase.Stopped || p === Phase.Failed || Date.now() - t0 > timeoutMs) {
          this.stopped = true;
          if (this.timer) clearTimeout(this.timer);
          this.timer = null;
          this.transport.close();
          resolve();
        } else setTimeout(poll, 5);
      };
      poll();
    });
  }

  /** Stops at once without deregistering (a crash, for tests). */
  kill(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.transport.close();
  }

  tick(): void {
    if (this.stopped) return;
    this.agent.tick(this.now());
    this.reschedule();
  }

  private reschedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const waitMs = Math.max(0, (this.agent.nextDeadline() - this.now()) | 0);
    this.timer = setTimeout(() => this.tick(), waitMs);
  }
}
