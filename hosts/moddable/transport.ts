/*
 * transport: the agent's byte pipe over an ECMA-419 TCP socket (embedded:io/socket/tcp).
 *
 * Theory of operation: the agent calls `open(host, port)`, `send`, `recv` and `close`
 * (AgentHost's transport seam); the socket's callbacks only record what happened (bytes now
 * readable or writable, connected, failed) and `kick()` the host, which then runs one tick on
 * its timer. The host drains `takeEvent()` at the start of every tick and reports it to the
 * agent, so every agent entry point runs from one place and never re-enters.
 *   - Names are resolved with `System.resolve` (ECMA-419 host provider; `Net.resolve` on the
 *     desktop simulators); a dotted IPv4 address skips resolution.
 *   - "connected" is the socket's first onWritable; any onError closes the socket.
 *   - A closed link is reported exactly once: either `recv`/`send` return -1 (the agent notices
 *     by itself) or `takeEvent()` returns Closed, never both.
 *   - Each connection has a generation number; callbacks of an old socket are ignored.
 *   - Native reads and writes take whole buffers, not ranges. Both go through one ByteWindow
 *     (byte-window.ts): a fixed buffer opened to exactly the byte count of the call. send
 *     copies the range in (native/byte-copy) and writes it in one call; recv reads into it
 *     and copies out. No view is made per range, so whatever the packet sizes and offsets,
 *     nothing allocates and the memory stays fixed (WINDOW_BYTES).
 *   - When the network is down, `open` waits for `networkUp()` instead of failing at once; the
 *     agent's own connect timeout still bounds the wait.
 *   - Every failure carries the reason code the session needs to tell network-level from
 *     peer-level evidence (socket-errors.ts): NET_DOWN when the network went down, NET_DNS when
 *     the name did not resolve, and for a socket error the code `socketFailureCode` derives
 *     from the network state, whether the socket had opened, and how soon the error came.
 */
import TCP from "embedded:io/socket/tcp";
import { Err } from "../../src/errors";
import type { LogFn } from "./io-types";
import { isIpv4Literal } from "./address";
import { ByteWindow } from "./byte-window";
import copyBytes from "./native/byte-copy";
import { SocketFailure, socketFailureCode } from "./socket-errors";

const State = Object.freeze({ Idle: 0, WaitingNetwork: 1, Resolving: 2, Connecting: 3, Open: 4, Failed: 5 } as const);

export const TransportEvent = Object.freeze({ None: 0, Opened: 1, Closed: 2 } as const);

/** Largest read or write in one call, bytes (the agent calls again for the rest). */
const WINDOW_BYTES = 1024;

/** The part of the network supervisor the transport needs. */
export interface NetworkState {
  readonly up: boolean;
}

export class Transport {
  private sock: TCP | null = null;
  private state: number = State.Idle;
  private generation = 0;
  private host = "";
  private port = 0;
  private readable = 0;
  private writable = 0;
  private pendingOpen = false;
  private pendingClose = false;
  /** The one buffer every read and write goes through (send and recv never overlap). */
  private readonly window = new ByteWindow(WINDOW_BYTES);
  /** When the current connect started, ms (Time.ticks). */
  private connectStartMs = 0;
  /** Reason code of the last failure (Err.TRANSPORT_*). */
  closeCode: number = Err.TransportClosed;
  /** Connections opened so far. */
  connects = 0;

  constructor(
    private readonly network: NetworkState,
    private readonly kick: () => void,
    private readonly log: LogFn,
    private readonly nowMs: () => number,
  ) {}

  /** Starts connecting to host:port. Any previous connection is dropped silently. */
  open(host: string, port: number): void {
    this.close();
    this.host = host;
    this.port = port;
    if (!this.network.up) {
      this.state = State.WaitingNetwork;
      this.log(1, `network down: connecting to ${host}:${port} once it is up`);
      return;
    }
    this.resolve();
  }

  /** The network came up: proceed with a connection that was waiting for it. */
  networkUp(): void {
    if (this.state === State.WaitingNetwork) this.resolve();
  }

  /** The network went down: fail the current connection now rather than at its next timeout. */
  networkDown(): void {
    if (this.state === State.Open || this.state === State.Connecting || this.state === State.Resolving) this.fail(Err.NetDown, "network down");
  }

  /** Closes the socket. Idempotent. Pending events of this connection are dropped: the agent closed it. */
  close(): void {
    this.generation++;
    if (this.sock !== null) {
      try {
        this.sock.close();
      } catch {
        // already closed by the peer or the stack
      }
      this.sock = null;
    }
    this.state = State.Idle;
    this.readable = this.writable = 0;
    this.pendingOpen = this.pendingClose = false;
  }

  /** Bytes taken from src[off..off+len), at most WINDOW_BYTES: 0 = would block, -1 = closed. */
  send(src: Uint8Array, off: number, len: number): number {
    if (this.state !== State.Open) return this.closedResult();
    let n = this.writable;
    if (n === 0) return 0;
    if (n > len) n = len;
    if (n > WINDOW_BYTES) n = WINDOW_BYTES;
    const window = this.window;
    copyBytes(window.bytes, 0, src, off, n); // native: a loop costs a host setter call a byte
    let ok = true;
    try {
      this.sock!.write(window.open(n));
    } catch {
      ok = false;
    }
    window.close(); // before anything that allocates (the failure's log line)
    if (!ok) {
      this.fail(Err.TransportError, "write failed");
      return this.closedResult();
    }
    this.writable -= n;
    return n;
  }

  /**
   * Bytes read into dst[off..off+len): 0 = nothing now, -1 = closed; fewer than len only when
   * nothing more is readable (the agent does not ask again in the same tick). Reads at most
   * WINDOW_BYTES at a time into the window and copies each into place, whatever the offsets
   * the agent uses and however TCP segments the stream.
   */
  recv(dst: Uint8Array, off: number, len: number): number {
    if (this.state !== State.Open) return this.closedResult();
    const n = this.readable < len ? this.readable : len;
    const window = this.window;
    let done = 0;
    let ok = true;
    while (ok && done < n) {
      const k = n - done < WINDOW_BYTES ? n - done : WINDOW_BYTES;
      try {
        this.sock!.read(window.open(k));
        dst.set(window.bytes, off + done); // the tracking view is k bytes long while the window is open
      } catch {
        ok = false;
      }
      window.close();
      done += k;
    }
    if (!ok) {
      this.fail(Err.TransportError, "read failed");
      return this.closedResult();
    }
    this.readable -= n;
    return n;
  }

  /** The next event for the agent (Opened before Closed), or None. Call at the start of each tick. */
  takeEvent(): number {
    if (this.pendingOpen) {
      this.pendingOpen = false;
      return TransportEvent.Opened;
    }
    if (this.pendingClose) {
      this.pendingClose = false;
      return TransportEvent.Closed;
    }
    return TransportEvent.None;
  }

  /** True while bytes wait to be read (the host ticks again soon). */
  get hasInput(): boolean {
    return this.state === State.Open && this.readable > 0;
  }

  private closedResult(): number {
    this.pendingClose = false; // the agent learns it from this return value
    return -1;
  }

  private resolve(): void {
    const gen = this.generation;
    if (isIpv4Literal(this.host)) {
      this.connect(this.host, gen);
      return;
    }
    this.state = State.Resolving;
    System.resolve(this.host, (_name: string, address: string) => {
      if (gen !== this.generation) return;
      if (!address) this.fail(Err.NetDns, `cannot resolve ${this.host}`);
      else this.connect(address, gen);
    });
  }

  private connect(address: string, gen: number): void {
    this.state = State.Connecting;
    this.connects++;
    this.connectStartMs = this.nowMs();
    try {
      this.sock = new TCP({
        address,
        port: this.port,
        nodelay: true,
        onReadable: (count: number) => {
          if (gen !== this.generation) return;
          this.readable = count;
          this.kick();
        },
        onWritable: (count: number) => {
          if (gen !== this.generation) return;
          this.writable = count;
          if (this.state === State.Connecting) {
            this.state = State.Open;
            this.pendingOpen = true;
          }
          this.kick();
        },
        onError: () => {
          if (gen !== this.generation) return;
          const opened = this.state === State.Open;
          const elapsedMs = (this.nowMs() - this.connectStartMs) >>> 0;
          const code = socketFailureCode(SocketFailure.Error, this.network.up, opened, elapsedMs, "");
          this.fail(code, opened ? "connection closed" : `cannot connect to ${address}:${this.port} after ${elapsedMs} ms`);
        },
      });
    } catch (e) {
      const message = String((e as Error)?.message ?? e);
      this.fail(socketFailureCode(SocketFailure.Thrown, this.network.up, false, 0, message), `socket: ${message}`);
    }
  }

  private fail(code: number, why: string): void {
    const wasOpen = this.state === State.Open;
    if (this.sock !== null) {
      try {
        this.sock.close();
      } catch {
        // ignore
      }
      this.sock = null;
    }
    this.generation++;
    this.state = State.Failed;
    this.readable = this.writable = 0;
    this.closeCode = code;
    this.pendingClose = true;
    this.log(wasOpen ? 1 : 2, `transport: ${why}`);
    this.kick();
  }
}
