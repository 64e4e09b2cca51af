/*
 * fault-proxy: a fault-injecting TCP proxy on loopback, for putting between an agent and a broker.
 *
 * Theory of operation: the proxy listens on 127.0.0.1 and, for every accepted client socket,
 * opens one socket to the target (which must be a loopback address: the proxy never connects
 * anywhere else). The pair has two pipes, "up" (client → broker) and "down" (broker → client).
 * Every pipe is a FIFO of chunks; bytes read from the source go through the faults in this order:
 *   1. dropBytes: each byte is dropped with probability p, one seeded draw per byte in arrival
 *      order (Prng.chance of testkit/prng.ts), one generator per direction;
 *   2. enqueue with a release time now + delay; release times never decrease, so a delay
 *      change never reorders bytes;
 *   3. a bound: the bytes queued in one direction, summed over all connections, are capped at
 *      maxQueueBytes (1 MiB by default); excess bytes are dropped and counted as `overflow`;
 * and the pump writes the head of the queue to the destination when it is due, unless the
 * proxy is black-holed, in pieces of at most the throttle's token-bucket allowance, one byte
 * per write (one event-loop turn apart) when fragmenting, and waiting for 'drain' when the
 * destination socket's buffer is full.
 * A FIN or an abort from one side is a marker in the other pipe's queue: it travels behind the
 * bytes already queued, so while the proxy is black-holed neither FIN nor RST crosses it (the
 * half-open case). Turning the black hole off delivers what it held (like TCP retransmission
 * after a healed partition), minus what overflowed. `cut()` destroys every live pair on both
 * sides at once; new connections are still accepted. `refuse(true)` closes each new client
 * socket as soon as it is accepted. Faults are switched at run time and apply to live pairs.
 * Node only (net, timers); test infrastructure, so it allocates freely.
 */
import net from "node:net";
import { Prng } from "./prng";

export type Direction = "up" | "down" | "both";

export interface FaultProxyOptions {
  /** Where to forward; host must be a loopback address (127.0.0.0/8, ::1 or "localhost"). */
  target: { host: string; port: number };
  /** Port to listen on, on 127.0.0.1; 0 (the default) picks a free one. */
  listenPort?: number;
  /** Most bytes queued per direction over all connections; the excess is dropped. Default 1 MiB. */
  maxQueueBytes?: number;
}

export interface DirectionStats {
  /** Bytes written to the destination. */
  forwarded: number;
  /** Bytes dropped by dropBytes(). */
  dropped: number;
  /** Bytes dropped because the direction's queue was at maxQueueBytes. */
  overflow: number;
  /** Bytes waiting in the queues of this direction now. */
  queued: number;
  /** Largest value `queued` reached. */
  maxQueued: number;
}

export interface FaultProxyStats {
  up: DirectionStats;
  down: DirectionStats;
  /** Client connections accepted and paired with a target connection. */
  accepted: number;
  /** Client connections closed on arrival by refuse(). */
  refused: number;
  /** Pairs destroyed by cut(). */
  cut: number;
  /** Pairs fully closed (both sockets), whatever the cause. */
  closed: number;
}

export interface FaultProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** mqtt://127.0.0.1:port */
  readonly url: string;
  /** Live pairs: a client socket or its target socket is still open. */
  readonly connections: number;
  readonly stats: FaultProxyStats;
  /** Adds ms of latency in dir (default both); ordering is kept. 0 turns it off. */
  delay(ms: number, dir?: Direction): void;
  /** Delivers bytes one per write in dir (default both). */
  fragment(on: boolean, dir?: Direction): void;
  /** Drops each byte with this probability in dir (default both), seeded (default 1). 0 turns it off. */
  dropBytes(probability: number, dir?: Direction, seed?: number): void;
  /** Destroys every live connection on both sides; new ones are still accepted. reset: send RST instead of FIN. */
  cut(options?: { reset?: boolean }): void;
  /** Accepts connections and bytes but delivers nothing either way, not even FIN or RST. */
  blackHole(on: boolean): void;
  /** Limits dir (default both) to bytesPerSecond per connection; 0 or Infinity turns it off. */
  throttle(bytesPerSecond: number, dir?: Direction): void;
  /** Closes new client connections as soon as they are accepted. */
  refuse(on: boolean): void;
  /** Clears every fault (delay, fragment, drop, black hole, throttle, refuse). */
  reset(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_QUEUE_BYTES = 1 << 20;
/** Token-bucket depth of the throttle, in seconds of rate: bursts stay short. */
const THROTTLE_BURST_S = 0.02;

/** True for the addresses the proxy may connect to. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

interface DirFaults {
  delayMs: number;
  fragment: boolean;
  dropP: number;
  drop: Prng | null;
  bytesPerSecond: number; // 0 = unlimited
}

type Item =
  | { kind: "data"; bytes: Buffer; at: number }
  | { kind: "end"; at: number }
  | { kind: "abort"; at: number };

class Pipe {
  readonly queue: Item[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waitingDrain = false;
  private lastAt = 0;
  private tokens = 0;
  private tokensAt = 0;
  finished = false; // the end/abort marker was delivered, or the pair is gone

  constructor(
    readonly proxy: ProxyImpl,
    readonly dir: "up" | "down",
    readonly src: net.Socket,
    readonly dst: net.Socket,
    private readonly dstReady: () => boolean,
  ) {
    dst.on("drain", () => {
      this.waitingDrain = false;
      if (!src.destroyed) src.resume();
      this.schedule();
    });
  }

  private get faults(): DirFaults {
    return this.proxy.faults[this.dir];
  }

  /** Bytes from the source: drop, enqueue (bounded), pump. */
  push(chunk: Buffer): void {
    if (this.finished) return;
    const f = this.faults;
    const st = this.proxy.stats[this.dir];
    let bytes = chunk;
    if (f.dropP > 0 && f.drop) {
      const kept = Buffer.allocUnsafe(chunk.length);
      let n = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (f.drop.chance(f.dropP)) st.dropped++;
        else kept[n++] = chunk[i];
      }
      bytes = kept.subarray(0, n);
    }
    const room = this.proxy.maxQueueBytes - st.queued;
    if (bytes.length > room) {
      st.overflow += bytes.length - Math.max(0, room);
      bytes = bytes.subarray(0, Math.max(0, room));
    }
    if (bytes.length === 0) return;
    st.queued += bytes.length;
    if (st.queued > st.maxQueued) st.maxQueued = st.queued;
    this.queue.push({ kind: "data", bytes, at: this.releaseTime() });
    // Pump now when nothing is pending, so an unfaulted pipe forwards in the same turn.
    if (!this.timer && !this.immediate) this.pump();
  }

  /** The source sent FIN (end) or went away (abort): pass it on behind the queued bytes. */
  mark(kind: "end" | "abort"): void {
    if (this.finished) return;
    if (this.queue.some((i) => i.kind !== "data")) return;
    this.queue.push({ kind, at: this.releaseTime() });
    this.schedule();
  }

  private releaseTime(): number {
    const at = Math.max(Date.now() + this.faults.delayMs, this.lastAt);
    this.lastAt = at;
    return at;
  }

  /** Drops everything queued (the pair is gone). */
  discard(): void {
    this.finished = true;
    this.clearTimers();
    const st = this.proxy.stats[this.dir];
    for (const item of this.queue) if (item.kind === "data") st.queued -= item.bytes.length;
    this.queue.length = 0;
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  /** Re-evaluates the head now (after a fault switch): drops a pending throttle or delay wait. */
  kick(): void {
    if (this.finished) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.schedule();
  }

  /** Runs the pump on the next event-loop turn unless a run is already pending. */
  schedule(): void {
    if (this.finished || this.timer || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.pump();
    });
  }

  private refill(now: number, rate: number): void {
    const burst = Math.max(1, rate * THROTTLE_BURST_S);
    this.tokens = Math.min(burst, this.tokens + ((now - this.tokensAt) / 1000) * rate);
    this.tokensAt = now;
  }

  private wakeAt(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  private pump(): void {
    const proxy = this.proxy;
    const st = proxy.stats[this.dir];
    while (!this.finished && this.queue.length > 0) {
      if (proxy.blackHoled || this.waitingDrain || !this.dstReady()) return;
      const head = this.queue[0];
      const now = Date.now();
      if (head.at > now) return this.wakeAt(head.at - now);
      if (head.kind !== "data") {
        this.queue.shift();
        this.finished = true;
        if (head.kind === "end") this.dst.end();
        else this.dst.destroy();
        return;
      }
      const f = this.faults;
      let n = head.bytes.length;
      if (f.bytesPerSecond > 0) {
        this.refill(now, f.bytesPerSecond);
        const want = Math.min(n, Math.max(1, Math.floor(f.bytesPerSecond * THROTTLE_BURST_S)));
        if (this.tokens < want) return this.wakeAt(((want - this.tokens) / f.bytesPerSecond) * 1000);
        n = Math.min(n, Math.floor(this.tokens));
        this.tokens -= n;
      }
      if (f.fragment) n = 1;
      const piece = head.bytes.subarray(0, n);
      if (n === head.bytes.length) this.queue.shift();
      else head.bytes = head.bytes.subarray(n);
      st.queued -= n;
      st.forwarded += n;
      if (!this.dst.write(piece)) {
        // Destination buffer full: hold the source back until 'drain' (TCP-like backpressure).
        this.waitingDrain = true;
        this.src.pause();
      }
      if (f.fragment) {
        // One byte per event-loop turn, so the reader sees them as separate reads.
        return this.schedule();
      }
    }
  }
}

class Pair {
  readonly up: Pipe;
  readonly down: Pipe;
  private clientClosed = false;
  private targetClosed = false;
  private targetConnected = false;
  private done = false;

  constructor(
    readonly proxy: ProxyImpl,
    readonly client: net.Socket,
    readonly target: net.Socket,
  ) {
    this.up = new Pipe(proxy, "up", client, target, () => this.targetConnected);
    this.down = new Pipe(proxy, "down", target, client, () => true);
    client.setNoDelay(true);
    target.setNoDelay(true);
    target.on("connect", () => {
      this.targetConnected = true;
      this.up.schedule();
    });
    client.on("data", (b: Buffer) => this.up.push(b));
    target.on("data", (b: Buffer) => this.down.push(b));
    client.on("end", () => this.up.mark("end"));
    target.on("end", () => this.down.mark("end"));
    // Errors become aborts passed on through the queue; the 'close' that follows does the rest.
    client.on("error", () => {});
    target.on("error", () => {});
    client.on("close", () => {
      this.clientClosed = true;
      this.down.discard(); // nothing can be delivered to the client any more
      this.up.mark("abort");
      this.maybeDone();
    });
    target.on("close", () => {
      this.targetClosed = true;
      this.up.discard();
      this.down.mark("abort");
      this.maybeDone();
    });
  }

  /** Wakes both pumps (after a fault switch). */
  kick(): void {
    this.up.kick();
    this.down.kick();
  }

  destroy(reset: boolean): void {
    this.up.discard();
    this.down.discard();
    for (const s of [this.client, this.target]) {
      if (reset && typeof s.resetAndDestroy === "function" && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }

  private maybeDone(): void {
    if (this.done || !this.clientClosed || !this.targetClosed) return;
    this.done = true;
    this.up.discard();
    this.down.discard();
    this.proxy.pairs.delete(this);
    this.proxy.stats.closed++;
  }
}

function dirStats(): DirectionStats {
  return { forwarded: 0, dropped: 0, overflow: 0, queued: 0, maxQueued: 0 };
}

function noFaults(): DirFaults {
  return { delayMs: 0, fragment: false, dropP: 0, drop: null, bytesPerSecond: 0 };
}

class ProxyImpl implements FaultProxy {
  port = 0;
  readonly pairs = new Set<Pair>();
  readonly stats: FaultProxyStats = { up: dirStats(), down: dirStats(), accepted: 0, refused: 0, cut: 0, closed: 0 };
  readonly faults: { up: DirFaults; down: DirFaults } = { up: noFaults(), down: noFaults() };
  blackHoled = false;
  refusing = false;
  readonly maxQueueBytes: number;
  private readonly server: net.Server;
  private closed = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    maxQueueBytes: number,
  ) {
    this.maxQueueBytes = maxQueueBytes;
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => this.accept(client));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: net.Socket): void {
    if (this.refusing || this.closed) {
      this.stats.refused++;
      client.on("error", () => {});
      client.destroy();
      return;
    }
    this.stats.accepted++;
    const target = net.connect({ host: this.targetHost, port: this.targetPort, allowHalfOpen: true });
    this.pairs.add(new Pair(this, client, target));
  }

  private dirs(dir: Direction): DirFaults[] {
    if (dir === "up") return [this.faults.up];
    if (dir === "down") return [this.faults.down];
    if (dir === "both") return [this.faults.up, this.faults.down];
    throw new RangeError(`fault-proxy: direction must be "up", "down" or "both", not ${String(dir)}`);
  }

  private kickAll(): void {
    for (const p of this.pairs) p.kick();
  }

  delay(ms: number, dir: Direction = "both"): void {
    if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError("fault-proxy: delay must be a finite ms >= 0");
    for (const f of this.dirs(dir)) f.delayMs = ms;
  }

  fragment(on: boolean, dir: Direction = "both"): void {
    for (const f of this.dirs(dir)) f.fragment = on;
    this.kickAll();
  }

  dropBytes(probability: number, dir: Direction = "both", seed = 1): void {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError("fault-proxy: probability must be in [0, 1]");
    const fs = this.dirs(dir);
    for (let i = 0; i < fs.length; i++) {
      fs[i].dropP = probability;
      // "both": the down direction gets its own stream, derived from the seed.
      fs[i].drop = probability > 0 ? new Prng(i === 0 ? seed : (seed ^ 0x9e3779b9) >>> 0) : null;
    }
  }

  cut(options: { reset?: boolean } = {}): void {
    for (const p of [...this.pairs]) {
      this.stats.cut++;
      p.destroy(options.reset === true);
    }
  }

  blackHole(on: boolean): void {
    this.blackHoled = on;
    if (!on) this.kickAll();
  }

  throttle(bytesPerSecond: number, dir: Direction = "both"): void {
    if (!(bytesPerSecond >= 0)) throw new RangeError("fault-proxy: bytesPerSecond must be >= 0");
    const rate = Number.isFinite(bytesPerSecond) ? bytesPerSecond : 0;
    for (const f of this.dirs(dir)) f.bytesPerSecond = rate;
    this.kickAll();
  }

  refuse(on: boolean): void {
    this.refusing = on;
  }

  reset(): void {
    this.faults.up = noFaults();
    this.faults.down = noFaults();
    this.blackHoled = false;
    this.refusing = false;
    this.kickAll();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.pairs]) p.destroy(false);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Starts a proxy on 127.0.0.1 that forwards to target. Rejects (RangeError) when target.host
 * is not a loopback address or the port is invalid; rejects when the listen port is taken.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { host, port } = options.target;
  if (!isLoopbackHost(host)) throw new RangeError(`fault-proxy: target host must be loopback, not ${host}`);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new RangeError(`fault-proxy: bad target port ${port}`);
  const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
  if (!(maxQueueBytes >= 0)) throw new RangeError("fault-proxy: maxQueueBytes must be >= 0");
  const proxy = new ProxyImpl(host === "localhost" ? "127.0.0.1" : host, port, maxQueueBytes);
  await proxy.listen(options.listenPort ?? 0);
  return proxy;
}
