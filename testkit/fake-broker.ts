/*
 * fake-broker: a scripted MQTT 3.1.1 server on 127.0.0.1 for tests that need a broker to
 * misbehave on cue (a real broker never sends a forbidden packet).
 *
 * Theory of operation: a net.Server; each accepted socket gets its own MqttServerDecoder
 * (testkit/mqtt-server-codec.ts) and a record in `connections`. The broker answers like a
 * plain broker (CONNACK accepted, SUBACK granting the requested QoS, PINGRESP, PUBACK for a
 * QoS 1 PUBLISH), except where the script says otherwise: `onConnect` and `onSubscribe` may
 * return bytes to send instead of the CONNACK or of the SUBACK of the connection's first
 * SUBSCRIBE (null keeps the normal answer). It never closes a connection by itself, so a
 * connection that ends while the broker runs was closed by the client (`closedByClient`).
 * Routing of PUBLISH between clients is not modelled: this broker tests clients, not brains.
 */
import { createServer, type Server, type Socket } from "node:net";
import { PacketType } from "../src/codec/mqtt/constants";
import { encodePuback } from "../src/codec/mqtt/publish";
import { readUtf8 } from "../src/codec/bytes";
import { MqttServerDecoder, encodeConnack, encodePingresp, encodeSuback } from "./mqtt-server-codec";

/** One accepted TCP connection, as the broker saw it. */
export interface FakeConnection {
  /** The client id of its CONNECT ("" until the CONNECT arrives). */
  clientId: string;
  /** How many earlier connections sent a CONNECT with this client id (0 for the first). */
  seq: number;
  /** Packet types received from the client, in order. */
  received: number[];
  /** Bytes the script sent instead of a normal answer (null when none). */
  injected: Uint8Array | null;
  /** Date.now() when the script's bytes were written; 0 before. */
  injectedAt: number;
  /** True once the client closed the connection (FIN or reset) while the broker ran. */
  closedByClient: boolean;
  closedAt: number;
  /** A decode error (< 0) in what the client sent, or 0. */
  clientError: number;
}

export interface FakeBrokerScript {
  /** Bytes to send instead of the CONNACK, or null for CONNACK accepted. */
  onConnect?(conn: FakeConnection): Uint8Array | null;
  /** Bytes to send instead of the SUBACK of the connection's first SUBSCRIBE, or null for the SUBACK. */
  onSubscribe?(conn: FakeConnection): Uint8Array | null;
}

export interface FakeBroker {
  readonly port: number;
  readonly connections: FakeConnection[];
  /** Closes the server and destroys every socket. Idempotent. */
  stop(): Promise<void>;
}

const MAX_PACKET_BYTES = 16 * 1024;

export async function startFakeBroker(script: FakeBrokerScript = {}): Promise<FakeBroker> {
  const connections: FakeConnection[] = [];
  const sockets = new Set<Socket>();
  const connectsPerClient = new Map<string, number>();
  let stopping = false;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn: FakeConnection = { clientId: "", seq: 0, received: [], injected: null, injectedAt: 0, closedByClient: false, closedAt: 0, clientError: 0 };
    connections.push(conn);
    const d = new MqttServerDecoder(MAX_PACKET_BYTES);
    const out = new Uint8Array(256);
    let subscribed = false;
    const send = (bytes: Uint8Array) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const answer = (n: number) => send(out.slice(0, n));
    const inject = (bytes: Uint8Array) => {
      conn.injected = bytes;
      conn.injectedAt = Date.now();
      send(bytes);
    };
    const onPacket = (type: number) => {
      conn.received.push(type);
      switch (type) {
        case PacketType.Connect: {
          conn.clientId = readUtf8(d.buf, d.clientIdOff, d.clientIdOff + d.clientIdLen);
          conn.seq = connectsPerClient.get(conn.clientId) ?? 0;
          connectsPerClient.set(conn.clientId, conn.seq + 1);
          const instead = script.onConnect?.(conn) ?? null;
          return instead ? inject(instead) : answer(encodeConnack(out, 0, false, 0));
        }
        case PacketType.Subscribe: {
          const instead = subscribed ? null : script.onSubscribe?.(conn) ?? null;
          subscribed = true;
          if (instead) return inject(instead);
          const granted: number[] = [];
          for (let p = d.payloadOff, end = d.payloadOff + d.payloadLen; p < end; ) {
            p = d.filterAt(p);
            granted.push(d.filterQos);
          }
          return answer(encodeSuback(out, 0, d.packetId, granted));
        }
        case PacketType.Pingreq:
          return answer(encodePingresp(out, 0));
        case PacketType.Publish:
          if (d.qos === 1) answer(encodePuback(out, 0, d.packetId));
          return;
        default:
          return; // PUBACK, UNSUBSCRIBE (not answered), DISCONNECT
      }
    };
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      for (let off = 0; off < bytes.length && conn.clientError === 0; ) {
        off += d.push(bytes, off, bytes.length - off);
        for (let t = d.next(); t !== 0; t = d.next()) {
          if (t < 0) {
            conn.clientError = t;
            break;
          }
          onPacket(t);
        }
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (!stopping) conn.closedByClient = true;
      conn.closedAt = Date.now();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  const port = typeof a === "object" && a !== null ? a.port : 0;
  return {
    port,
    connections,
    stop: () => {
      if (stopping) return Promise.resolve();
      stopping = true;
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
