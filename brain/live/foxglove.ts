/*
 * brain/live/foxglove: the brain as a Foxglove WebSocket server (@foxglove/ws-protocol over ws).
 *
 * Theory of operation: one FoxgloveServer, one WebSocketServer on 127.0.0.1:`port` speaking
 * the "foxglove.websocket.v1" subprotocol. Channels (JSON messages, JSON Schema, the same
 * topics and schemas as the MCAP recording: recording/schemas.ts) are advertised as they
 * appear: /brainstem/events and /brainstem/sessions at start, /<agent>/<channel> for every
 * sensor and motor channel when an agent's session is seen, /<agent>/status with its first
 * status. Foxglove or Lichtblick connected to ws://127.0.0.1:<port> can then plot
 * `/demo1/distance.values[0]`. Messages are encoded only for channels some client
 * subscribed to, and frames are not even built when nobody subscribed to anything
 * (`wantsFrames`), so an idle server costs the data path nothing.
 */
import foxglove from "@foxglove/ws-protocol";
import { WebSocketServer } from "ws";
import type { Record, Sink } from "./telemetry";
import { EVENTS_TOPIC, SCHEMAS, SESSIONS_TOPIC, statusTopic, type SchemaKind } from "../recording/schemas";
import { TopicMapper, type TopicMessage } from "../recording/topics";

// The package is CommonJS: Node's ESM loader sees only its default export.
const { FoxgloveServer } = foxglove;

export class FoxgloveLive implements Sink {
  private readonly server = new FoxgloveServer({ name: "brainstem brain" });
  private readonly channels = new Map<string, number>();
  private readonly subscribed = new Map<number, number>();
  private readonly mapper = new TopicMapper();
  private readonly encoder = new TextEncoder();
  private readonly scratch: TopicMessage[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {
    const server = this.server;
    wss.on("connection", (conn, req) => server.handleConnection(conn, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
    server.on("subscribe", (id) => this.subscribed.set(id, (this.subscribed.get(id) ?? 0) + 1));
    server.on("unsubscribe", (id) => {
      const n = (this.subscribed.get(id) ?? 1) - 1;
      if (n <= 0) this.subscribed.delete(id);
      else this.subscribed.set(id, n);
    });
    server.on("error", () => undefined); // a misbehaving client is the client's problem
    this.channel(EVENTS_TOPIC, "event");
    this.channel(SESSIONS_TOPIC, "session");
  }

  /** Starts listening on host:port (0 = a free port). */
  static async start(port: number, host = "127.0.0.1"): Promise<FoxgloveLive> {
    let live: FoxgloveLive | null = null;
    const wss = new WebSocketServer({ port, host, handleProtocols: (protocols) => live!.server.handleProtocols(protocols) });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", () => resolve());
      wss.once("error", reject);
    });
    const a = wss.address();
    live = new FoxgloveLive(wss, typeof a === "object" && a !== null ? a.port : port);
    return live;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  wantsFrames(): boolean {
    return this.subscribed.size > 0;
  }

  push(rec: Record): void {
    if (rec.type === "session") for (const t of TopicMapper.channelTopics(rec.agentId, rec.channels)) this.channel(t.topic, t.kind);
    if (rec.type === "status") this.channel(statusTopic(rec.agentId), "status");
    if (this.subscribed.size === 0) {
      if (rec.type === "session") this.mapper.map(rec, (this.scratch.length = 0, this.scratch)); // keep units
      return;
    }
    const msgs = this.scratch;
    msgs.length = 0;
    this.mapper.map(rec, msgs);
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const m of msgs) {
      const id = this.channel(m.topic, m.kind);
      if (this.subscribed.has(id)) this.server.sendMessage(id, now, this.encoder.encode(JSON.stringify(m.body)));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const c of this.wss.clients) c.terminate();
      this.wss.close(() => resolve());
    });
  }

  private channel(topic: string, kind: SchemaKind): number {
    let id = this.channels.get(topic);
    if (id === undefined) {
      const s = SCHEMAS[kind];
      id = this.server.addChannel({ topic, encoding: "json", schemaName: s.name, schema: JSON.stringify(s.schema) });
      this.channels.set(topic, id);
    }
    return id;
  }
}
