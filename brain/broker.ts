/*
 * brain/broker: the embedded MQTT broker (aedes, in process) the brain uses by default.
 *
 * Theory of operation: aedes 1.x is created with `await Aedes.createBroker()` and fed TCP
 * connections by a `net` server (`net.createServer(aedes.handle)`). The server binds to
 * 127.0.0.1 unless told otherwise, so a laptop demo is not reachable from the network; pass
 * host "0.0.0.0" for real boards on the LAN. Port 0 picks a free port; the chosen one is in
 * the result. `close()` closes aedes (and its clients) and the server and resolves when the
 * port is free again; `destroy()` drops every connection abruptly first (a broker crash, for
 * tests: clients see a reset, not a DISCONNECT).
 */
import { createServer, type Socket } from "node:net";
import { Aedes } from "aedes";

export interface EmbeddedBrokerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
}

export interface EmbeddedBroker {
  /** mqtt://host:port, with 127.0.0.1 for a wildcard bind. */
  url: string;
  port: number;
  host: string;
  /** Closes the broker and its connections gracefully. */
  close(): Promise<void>;
  /** Destroys every connection at once, then closes (simulates a crash). */
  destroy(): Promise<void>;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? "127.0.0.1";
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => {
      aedes.close();
      reject(e);
    });
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : (opts.port ?? 0);
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closing === null) {
      closing = new Promise<void>((resolve) => {
        server.close(() => resolve());
        aedes.close(() => {
          for (const s of sockets) s.destroy(); // close() waits for every connection to end
        });
      });
    }
    return closing;
  };
  return {
    url: `mqtt://${urlHost}:${port}`,
    port,
    host,
    close,
    destroy: () => {
      for (const s of sockets) s.destroy();
      return close();
    },
  };
}
