/*
 * The brain as a Foxglove WebSocket server, checked with the protocol's own client
 * (@foxglove/ws-protocol FoxgloveClient over ws): a laptop agent registers, the server
 * advertises one channel per sensor and motor channel plus the agent's status with JSON
 * Schemas, and subscribing delivers frames whose values are the ones the brain saw.
 */
import test from "ava";
import foxglove from "@foxglove/ws-protocol";
import WebSocket from "ws";
import { startBrain } from "../brain/index.ts";
import { DemoController } from "../brain/demo-controller.ts";
import { NodeAgent } from "../hosts/node/node-agent.ts";
import type { ChannelConfig } from "../src/agent/config.ts";
import { until } from "../testkit/until.ts";

const { FoxgloveClient } = foxglove;
const key = new Uint8Array(32).fill(7);
const channels: ChannelConfig[] = [
  { id: 1, name: "distance", unit: "m", kind: "sensor", type: "f32", count: 1 },
  { id: 2, name: "bumpers", kind: "sensor", type: "u8", count: 2 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

test("Foxglove client: channels advertised with schemas, subscribed frames received with the brain's values", async (t) => {
  const brain = await startBrain({ keys: new Map([["fox1", key]]), brokerPort: 0, httpPort: 0, foxglovePort: 0, log: () => undefined, controller: new DemoController({ log: () => undefined }) });
  t.teardown(() => brain.close());
  const seen = new Map<number, number>(); // sensor seq -> distance the brain decoded
  brain.on("sensor", (ctx) => seen.set(ctx.seq, ctx.channels.get(1)![0]));
  const url = brain.live.foxglove!.url;
  t.regex(url, /^ws:\/\/127\.0\.0\.1:\d+$/);

  const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
  const client = new FoxgloveClient({ ws: ws as never });
  t.teardown(() => client.close());
  const advertised = new Map<string, { id: number; schemaName: string; schema: string; encoding: string }>();
  client.on("advertise", (list) => {
    for (const c of list) advertised.set(c.topic, c);
  });
  const messages = new Map<number, unknown[]>(); // subscription id -> decoded bodies
  client.on("message", (m) => {
    const list = messages.get(m.subscriptionId) ?? [];
    list.push(JSON.parse(new TextDecoder().decode(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength))));
    messages.set(m.subscriptionId, list);
  });
  await new Promise<void>((r) => client.on("open", () => r()));

  const port = Number(new URL(brain.brokerUrl).port);
  const agent = new NodeAgent({
    config: { agentId: "fox1", key, brokerHost: "127.0.0.1", brokerPort: port, channels, session: { sensorRateHz: 50 } },
    sampleSensors: (a, now) => {
      a.sensorArray(1)[0] = 0.5 + ((now / 100) % 2);
    },
  });
  agent.start();
  t.teardown(() => agent.stop());

  await until("channels advertised", () => advertised.has("/fox1/distance") && advertised.has("/fox1/wheels") && advertised.has("/fox1/status"), 10_000);
  t.true(advertised.has("/fox1/bumpers"));
  for (const [topic, schemaName] of [["/fox1/distance", "brainstem.SensorChannel"], ["/fox1/wheels", "brainstem.MotorChannel"], ["/fox1/status", "brainstem.AgentStatus"], ["/brainstem/events", "brainstem.Event"]]) {
    const c = advertised.get(topic)!;
    t.is(c.schemaName, schemaName, topic);
    t.is(c.encoding, "json");
    t.is(JSON.parse(c.schema).title, schemaName);
  }
  const subDistance = client.subscribe(advertised.get("/fox1/distance")!.id);
  const subWheels = client.subscribe(advertised.get("/fox1/wheels")!.id);
  const subStatus = client.subscribe(advertised.get("/fox1/status")!.id);
  await until("frames and a status through Foxglove", () => (messages.get(subDistance)?.length ?? 0) >= 10 && (messages.get(subWheels)?.length ?? 0) >= 10 && (messages.get(subStatus)?.length ?? 0) >= 1, 10_000);

  const distances = messages.get(subDistance) as { seq: number; channel: string; unit: string; values: number[] }[];
  for (const d of distances) {
    t.is(d.channel, "distance");
    t.is(d.unit, "m");
    t.is(d.values[0], seen.get(d.seq) ?? NaN, `frame ${d.seq}: the value the brain decoded`);
  }
  const wheels = messages.get(subWheels) as { values: number[]; sensorSeq: number }[];
  for (const w of wheels) t.is(w.values.length, 2);
  const status = (messages.get(subStatus) as { id: string; phase: string }[])[0];
  t.is(status.id, "fox1");
  t.is(status.phase, "active");
});
