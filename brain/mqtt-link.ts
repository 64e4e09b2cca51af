/*
 * brain/mqtt-link: the brain's MQTT connection (MQTT.js, MQTT 3.1.1).
 *
 * Theory of operation: one client with the id `brain-<random hex>` and a clean session
 * subscribes `bs/1/+/up/#` at QoS 1 (protocol.md §Topics) and hands every message to
 * `onMessage(topic, payload)`. MQTT.js reconnects on its own (every RECONNECT_PERIOD_MS);
 * the link subscribes again after every reconnect and logs "reconnected" once the broker
 * acknowledged it. QoS 0 publishes are NOT queued while offline (a late motor frame is
 * worse than none), QoS 1 control messages are. The first connection must succeed within
 * `connectTimeoutMs`, else `connectBrainLink` rejects with a one-line reason and leaves
 * nothing running. Publish options objects are made once (the hot path publishes motor
 * frames at QoS 0). Publishes are batched: the first one in an event-loop turn corks the
 * socket and a setImmediate uncorks it, so every motor frame produced while handling one
 * read from the broker leaves in one write (one syscall, not one per frame) at the end of the
 * turn; nothing waits for a timer.
 */
import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { BRAIN_SUBSCRIPTION, CONTROL_QOS } from "../src/protocol/topics";
import type { Logger } from "./events";

export const RECONNECT_PERIOD_MS = 500;
export const KEEP_ALIVE_S = 30;
/** close() waits this long for in-flight QoS 1 messages before it forces the connection shut. */
export const CLOSE_GRACE_MS = 2000;

const QOS0 = Object.freeze({ qos: 0 as const });
const QOS1 = Object.freeze({ qos: 1 as const });

interface Corkable {
  cork(): void;
  uncork(): void;
}

export interface BrainLink {
  readonly clientId: string;
  /** payload becomes the link's (MQTT.js may hold it until the socket drains). */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): void;
  /** True while connected to the broker. */
  connected(): boolean;
  close(): Promise<void>;
}

export async function connectBrainLink(
  url: string,
  onMessage: (topic: string, payload: Buffer) => void,
  log: Logger,
  connectTimeoutMs: number,
  ca?: string | Buffer,
): Promise<BrainLink> {
  const clientId = `brain-${randomBytes(6).toString("hex")}`;
  const client: MqttClient = mqtt.connect(url, {
    clientId,
    clean: true,
    protocolVersion: 4,
    keepalive: KEEP_ALIVE_S,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: connectTimeoutMs,
    queueQoSZero: false,
    resubscribe: false, // done explicitly on every connect, below
    ...(ca === undefined ? {} : { ca }), // mqtts:// only: the CA that signed the broker's certificate
  });
  let lastError = "no answer";
  let up = false;
  // MQTT.js leaves Nagle's algorithm on: a motor frame written while an earlier segment is
  // unacknowledged would wait for the peer's delayed ACK (milliseconds). Frames must not wait.
  const noDelay = () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  client.on("connect", noDelay);
  client.on("error", (e) => {
    lastError = e.message;
    log("debug", `broker connection error: ${e.message}`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cannot connect to the MQTT broker at ${url}: ${lastError}`)), connectTimeoutMs);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync(BRAIN_SUBSCRIPTION, { qos: CONTROL_QOS });
  } catch (e) {
    await client.endAsync(true).catch(() => undefined);
    throw e;
  }
  up = true;
  client.on("message", onMessage);
  client.on("connect", () => {
    // A clean session forgets subscriptions: subscribe again, and say so only once the broker
    // has acknowledged it (from then on agents' messages reach the brain).
    client.subscribeAsync(BRAIN_SUBSCRIPTION, { qos: CONTROL_QOS }).then(
      () => {
        if (!up) log("info", `reconnected to the MQTT broker at ${url} and subscribed again`);
        up = true;
      },
      (e: Error) => log("warn", `re-subscribing after a reconnect failed: ${e.message}`),
    );
  });
  client.on("offline", () => {
    if (up) log("warn", `lost the MQTT broker at ${url}; reconnecting`);
    up = false;
  });
  let corked: Corkable | null = null;
  const uncork = () => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return {
    clientId,
    publish(topic, payload, qos) {
      if (corked === null && client.stream) {
        corked = client.stream as Corkable;
        corked.cork();
        setImmediate(uncork);
      }
      const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      client.publish(topic, bytes, qos === 0 ? QOS0 : QOS1);
    },
    connected: () => client.connected,
    close: async () => {
      client.removeAllListeners("message");
      // A graceful end waits for in-flight QoS 1 acks; with no broker that could be forever.
      let timer: NodeJS.Timeout | undefined;
      const graceful = client.endAsync(false).then(() => true, () => false);
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
      const ok = await Promise.race([graceful, late]);
      clearTimeout(timer);
      if (!ok) await client.endAsync(true).catch(() => undefined);
    },
  };
}
