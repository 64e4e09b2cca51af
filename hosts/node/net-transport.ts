/*
 * net-transport: the agent's transport seam over Node sockets (TCP, or TLS when configured).
 *
 * Theory of operation: the agent polls (`recv`, `send`); Node pushes ('data' events). The
 * transport bridges the two with a queue of received chunks that `recv` drains, and writes
 * through to the socket, reporting "would block" (0) while the socket's write buffer is above
 * a high-water mark, so the agent's bounded outbox, not Node's unbounded one, absorbs a slow
 * link. Events (opened, closed, readable) go to the callbacks given at construction. `close`
 * is idempotent; a socket from an earlier `open` can never report into a later one. A close
 * carries a reason code that says whether the network or the peer failed (net-errors.ts).
 */
import net from "node:net";
import tls from "node:tls";
import { Err } from "../../src/errors";
import { reasonFromNodeError } from "./net-errors";

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface TransportEvents {
  opened(): void;
  closed(reason: number): void;
  readable(): void;
}

const WRITE_HIGH_WATER_BYTES = 64 * 1024;

export class NetTransport {
  private socket: net.Socket | null = null;
  private readonly chunks: Buffer[] = [];
  private head = 0; // bytes of chunks[0] already consumed
  private closedReason = 0;

  constructor(private readonly events: TransportEvents, private readonly tlsOptions: TlsOptions | null = null) {}

  open(host: string, port: number): void {
    this.close();
    this.closedReason = 0;
    const socket = this.tlsOptions
      ? tls.connect({ host, port, ...this.tlsOptions, servername: this.tlsOptions.servername ?? (net.isIP(host) ? undefined : host) })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    let opened = false;
    socket.on(this.tlsOptions ? "secureConnect" : "connect", () => {
      opened = true;
      if (this.socket === socket) this.events.opened();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.chunks.push(chunk);
      this.events.readable();
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.closedReason = reasonFromNodeError(err.code, opened);
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.chunks.length = 0;
      this.head = 0;
      this.events.closed(this.closedReason || Err.TransportClosed);
    });
  }

  close(): void {
    const s = this.socket;
    this.socket = null;
    this.chunks.length = 0;
    this.head = 0;
    if (s) s.destroy();
  }

  send(src: Uint8Array, off: number, len: number): number {
    const s = this.socket;
    if (!s || s.destroyed) return -1;
    if (s.connecting || s.writableLength > WRITE_HIGH_WATER_BYTES) return 0;
    s.write(Buffer.from(src.subarray(off, off + len))); // a copy: the agent reuses its outbox
    return len;
  }

  /** Writes regardless of the high-water mark (the XS bridge, whose firmware already counted the bytes as sent). */
  write(bytes: Uint8Array): void {
    const s = this.socket;
    if (s && !s.destroyed) s.write(Buffer.from(bytes));
  }

  /** Moves every received chunk into out (for the XS bridge, which ships them in one request). */
  drainInto(out: Buffer[]): Buffer[] {
    out.length = 0;
    if (this.chunks.length > 0) {
      out.push(this.head > 0 ? this.chunks[0].subarray(this.head) : this.chunks[0]);
      for (let i = 1; i < this.chunks.length; i++) out.push(this.chunks[i]);
      this.chunks.length = 0;
      this.head = 0;
    }
    return out;
  }

  recv(dst: Uint8Array, off: number, len: number): number {
    if (this.chunks.length === 0) return this.socket ? 0 : -1;
    let n = 0;
    while (n < len && this.chunks.length > 0) {
      const c = this.chunks[0];
      const take = Math.min(len - n, c.length - this.head);
      dst.set(c.subarray(this.head, this.head + take), off + n);
      n += take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return n;
  }
}
