/*
 * xs-agent: runs the real firmware bundle on Moddable's XS engine (via @agoric/xsnap) on a
 * laptop, with Node owning the socket and the clock.
 *
 * Theory of operation: the firmware (build/xs/firmware.js, built from firmware-entry.ts) lives
 * in an xsnap worker. Node keeps the TCP socket (NetTransport), the timer and the entropy.
 * Every event (start, socket opened/closed, bytes received, timer) becomes one bridge request
 * (bridge.ts); the reply lists what the firmware asked for (bytes to send, open, close, motor
 * values, logs) plus its next deadline, and Node carries it out. Requests are strictly
 * serialised: bytes that arrive while one is in flight ride along with the next tick.
 * The API mirrors hosts/node/node-agent.ts so tools and tests can use either host.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { AgentConfigInput } from "../../src/agent/config";
import { toHex, readUtf8 } from "../../src/codec/bytes";
import { Phase } from "../../src/session/automaton";
import { makeClock } from "../node/clock";
import { NetTransport, type TlsOptions } from "../node/net-transport";
import { ENTROPY_BYTES, Op, REQUEST_HEADER_BYTES, Rec, forEachRecord, readU32LE, writeRequestHeader } from "./bridge";
import { repoRoot } from "./bundle";
import { cachedBundle, startXsWorker, type XsWorker } from "./worker";

export interface XsAgentOptions {
  config: AgentConfigInput;
  tls?: TlsOptions | null;
  log?: (level: number, code: number, message: string) => void;
  applyMotor?: (channelId: number, bytes: Uint8Array) => void;
  motorsSafe?: () => void;
  /** A sensor sample left the firmware (its count; a "counter" channel carries it). */
  onSample?: (count: number) => void;
  clock?: () => number;
}

export interface XsAgentStatus {
  phase: string;
  generation: number;
  sessionId: number;
  rttMs: number;
  clockOffsetMs: number;
  lastReason: number;
  counters: number[];
}

const FIRMWARE_BUNDLE = path.join(repoRoot, "build", "xs", "firmware.js");

export class XsAgent {
  readonly now: () => number;
  phase: number = Phase.Idle;
  generation = 0;
  private worker: XsWorker | null = null;
  private readonly transport: NetTransport;
  private readonly inbound: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private nextDeadline = 0;
  private tickQueued = false;
  private closed = false;
  networkRestartRequests = 0;
  rebootRequests = 0;

  constructor(private readonly opts: XsAgentOptions) {
    this.now = opts.clock ?? makeClock();
    this.transport = new NetTransport({
      opened: () => this.request(Op.Opened, 0),
      closed: (reason) => this.request(Op.Closed, reason),
      readable: () => this.queueTick(),
    }, opts.tls ?? null);
  }

  /** Starts the XS worker, loads the firmware and configures it. */
  async boot(): Promise<void> {
    this.worker = await startXsWorker({ name: `brainstem-${this.opts.config.agentId}` });
    const script = fs.existsSync(FIRMWARE_BUNDLE) ? fs.readFileSync(FIRMWARE_BUNDLE, "utf8") : await cachedBundle("hosts/xs/firmware-entry.ts");
    await this.worker.evaluateScript(script);
    const { key, ...rest } = this.opts.config;
    await this.request(Op.Configure, 0, Buffer.from(JSON.stringify({ ...rest, keyHex: toHex(key) })));
  }

  start(): Promise<void> {
    return this.request(Op.Start, 0);
  }

  /** Deregisters and stops; resolves when stopped or failed (or after timeoutMs), then ends the worker. */
  async stop(timeoutMs = 3_000): Promise<void> {
    await this.request(Op.Stop, 0);
    const t0 = Date.now();
    while (this.phase !== Phase.Stopped && this.phase !== Phase.Failed && Date.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.close();
  }

  /** Ends the worker and the socket at once (no deregister). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.transport.close();
    await this.chain.catch(() => undefined);
    await this.worker?.close();
    this.worker = null;
  }

  async status(): Promise<XsAgentStatus | null> {
    let status: XsAgentStatus | null = null;
    await this.request(Op.Status, 0, undefined, (text) => (status = JSON.parse(text)));
    return status;
  }

  private queueTick(): void {
    if (this.tickQueued || this.closed) return;
    this.tickQueued = true;
    void this.request(Op.Tick, 0);
  }

  private request(op: number, arg: number, payload?: Buffer, onStatus?: (json: string) => void): Promise<void> {
    const run = async () => {
      if (this.closed || !this.worker) return;
      if (op === Op.Tick) this.tickQueued = false;
      const body = op === Op.Tick ? Buffer.concat(this.inboundDrain()) : payload ?? Buffer.alloc(0);
      const req = new Uint8Array(REQUEST_HEADER_BYTES + body.length);
      writeRequestHeader(req, op, this.now(), arg, crypto.randomBytes(ENTROPY_BYTES));
      req.set(body, REQUEST_HEADER_BYTES);
      const { reply } = await this.worker.issueCommand(req);
      this.perform(reply, onStatus);
    };
    const p = this.chain.then(run);
    this.chain = p.catch((e) => this.opts.log?.(3, -1, `xs host: ${(e as Error).message}`));
    return p;
  }

  private inboundDrain(): Buffer[] {
    return this.transport.drainInto(this.inbound);
  }

  private perform(reply: Uint8Array, onStatus?: (json: string) => void): void {
    const o = this.opts;
    forEachRecord(reply, (kind, off, len) => {
      switch (kind) {
        case Rec.Send:
          this.transport.write(reply.subarray(off, off + len));
          break;
        case Rec.Open: {
          const [host, port] = readUtf8(reply, off, off + len).split("\u0000");
          this.transport.open(host, Number(port));
          break;
        }
        case Rec.Close:
          this.transport.close();
          break;
        case Rec.Log:
          o.log?.(reply[off], readU32LE(reply, off + 1) | 0, readUtf8(reply, off + 5, off + len));
          break;
        case Rec.Motor:
          o.applyMotor?.(reply[off], reply.slice(off + 1, off + len));
          break;
        case Rec.Safe:
          o.motorsSafe?.();
          break;
        case Rec.NetRestart:
          this.networkRestartRequests++;
          break;
        case Rec.Reboot:
          this.rebootRequests++;
          break;
        case Rec.Sample:
          o.onSample?.(readU32LE(reply, off));
          break;
        case Rec.Status:
          onStatus?.(readUtf8(reply, off, off + len));
          break;
        case Rec.State:
          this.nextDeadline = readU32LE(reply, off);
          this.phase = reply[off + 4];
          this.generation = readU32LE(reply, off + 5);
          this.reschedule();
          break;
      }
    });
  }

  private reschedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const waitMs = Math.max(0, (this.nextDeadline - this.now()) | 0);
    this.timer = setTimeout(() => this.queueTick(), waitMs);
  }
}
