/*
 * Security over a real Mosquitto started by the test with an ACL, per-agent credentials and
 * a TLS listener whose CA is generated at test time with openssl:
 *   - an agent may publish only under its own topics and read only its own downlink; it can
 *     neither publish into another agent's topics nor impersonate the brain;
 *   - anonymous clients and wrong passwords are refused (and a refused agent keeps retrying,
 *     it does not fail for good);
 *   - a replayed challenge is rejected on the real stack;
 *   - the device keys never appear in any log line, in /status, or in the broker's log;
 *   - the Node host connects over TLS, and refuses a broker whose certificate it cannot verify.
 */
import test, { type ExecutionContext } from "ava";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import mqtt from "mqtt";
import { startBrain, type Brain } from "../brain/index";
import type { AgentConfigInput } from "../src/agent/config";
import { toHex } from "../src/codec/bytes";
import { Err } from "../src/errors";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { NodeAgent } from "../hosts/node/node-agent";
import type { TlsOptions } from "../hosts/node/net-transport";
import { freePort } from "../testkit/brokers";
import { tempDir } from "../testkit/temp-dir";
import { writeTestCerts } from "../testkit/test-certs";
import { until } from "../testkit/until";

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "distance", kind: "sensor", type: "f32", count: 4 }, // a channel the demo controller steers by
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];
const SESSION = { sensorRateHz: 50, heartbeatIntervalMs: 200, backoffBaseMs: 100, backoffMaxMs: 1_000 };

interface SecureBroker {
  plainPort: number;
  tlsPort: number;
  caPem: string;
  passwords: Map<string, string>;
  log(): string;
  stop(): Promise<void>;
}

function sh(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: "pipe" });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not open port ${port}`);
}

async function startSecureBroker(t: ExecutionContext, users: string[]): Promise<SecureBroker> {
  const dir = tempDir(t, "bs-secure-"); // removed with everything in it, the server key included
  const certs = writeTestCerts(dir); // the CA's private key is already gone
  const passwords = new Map(users.map((u) => [u, crypto.randomBytes(12).toString("hex")]));
  const pwfile = path.join(dir, "passwd");
  fs.writeFileSync(pwfile, "");
  for (const [u, p] of passwords) sh("mosquitto_passwd", ["-b", pwfile, u, p], dir);
  fs.writeFileSync(path.join(dir, "acl"), [
    "# the brain reads every uplink and writes every downlink",
    "user brain",
    "topic read bs/1/+/up/#",
    "topic write bs/1/+/dn/#",
    "# an agent (user name = agent id) writes only its own uplink and reads only its own downlink",
    "pattern write bs/1/%u/up/#",
    "pattern read bs/1/%u/dn/#",
    "",
  ].join("\n"));
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, "mosquitto.conf"), [
    "per_listener_settings false",
    "allow_anonymous false",
    `password_file ${pwfile}`,
    `acl_file ${path.join(dir, "acl")}`,
    "persistence false",
    "set_tcp_nodelay true",
    "log_dest stdout",
    "log_type all",
    `listener ${plainPort} 127.0.0.1`,
    `listener ${tlsPort} 127.0.0.1`,
    `cafile ${certs.caFile}`,
    `certfile ${certs.certFile}`,
    `keyfile ${certs.keyFile}`,
    "",
  ].join("\n"));
  // Mosquitto started as root drops to the "mosquitto" user: it must be able to read these.
  fs.chmodSync(dir, 0o755);
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  let log = "";
  const child: ChildProcess = spawn("mosquitto", ["-c", path.join(dir, "mosquitto.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  };
  t.teardown(stop);
  await waitPort(plainPort);
  await waitPort(tlsPort);
  return { plainPort, tlsPort, caPem: fs.readFileSync(certs.caFile, "utf8"), passwords, log: () => log, stop };
}

interface Setup {
  broker: SecureBroker;
  brain: Brain;
  keys: Map<string, Uint8Array>;
  logs: string[];
  agent(id: string, opts?: { password?: string; port?: number; tls?: TlsOptions }): NodeAgent;
}

async function setup(t: ExecutionContext): Promise<Setup> {
  const broker = await startSecureBroker(t, ["brain", "a1", "a2"]);
  const keys = new Map([["a1", crypto.randomBytes(32)], ["a2", crypto.randomBytes(32)]]);
  const logs: string[] = [];
  const brain = await startBrain({
    broker: `mqtt://brain:${broker.passwords.get("brain")}@127.0.0.1:${broker.plainPort}`, keys, httpPort: 0, heartbeatMs: 200,
    log: (level, msg) => logs.push(`brain ${level}: ${msg}`),
  });
  t.teardown(() => brain.close());
  return {
    broker, brain, keys, logs,
    agent(id, opts = {}) {
      const a = new NodeAgent({
        config: {
          agentId: id, key: keys.get(id)!, brokerHost: "127.0.0.1", brokerPort: opts.port ?? broker.plainPort,
          brokerUsername: id, brokerPassword: opts.password ?? broker.passwords.get(id), channels, session: SESSION, logLevel: 0,
        },
        tls: opts.tls,
        log: (level, code, message) => logs.push(`agent ${level} ${code}: ${message}`),
      });
      t.teardown(() => a.kill());
      a.start();
      return a;
    },
  };
}

const active = (a: NodeAgent) => a.agent.phase === Phase.Active;

test.serial("ACL: an agent cannot publish into another agent's topics or impersonate the brain", async (t) => {
  const s = await setup(t);
  const a1 = s.agent("a1");
  await until("a1 active", () => active(a1));
  // a2's broker credentials in an ordinary MQTT client: an attacker holding another device.
  const rogue = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.broker.plainPort}`, { clientId: "rogue", username: "a2", password: s.broker.passwords.get("a2"), reconnectPeriod: 0 });
  t.teardown(() => rogue.endAsync(true));
  let overheard = 0;
  rogue.on("message", () => void overheard++);
  await rogue.subscribeAsync(["bs/1/a1/dn/#", "bs/1/a1/up/#"]); // Mosquitto grants, then filters each delivery by ACL
  const flowing = a1.agent.counters[Counter.SensorFramesSent];
  await until("a1 streams meanwhile", () => a1.agent.counters[Counter.SensorFramesSent] > flowing + 20);
  t.is(overheard, 0, "a2 reads nothing of a1's uplink or downlink");
  const motorBefore = a1.agent.counters[Counter.MotorFramesApplied] + a1.agent.counters[Counter.MotorDroppedMac] + a1.agent.counters[Counter.MotorDroppedMalformed];
  const malformedBefore = a1.agent.counters[Counter.MalformedMessages] + a1.agent.counters[Counter.UnexpectedMessages];
  const brainBefore = s.brain.agents().find((x) => x.id === "a1")!;
  for (let i = 0; i < 20; i++) {
    await rogue.publishAsync("bs/1/a1/dn/mot", Buffer.from([0x85, 1, 2, 3, 4]));  // drive a1's motors
    await rogue.publishAsync("bs/1/a1/dn/ctl", Buffer.from([0xa1, 0x61, 0x74, 0x0a])); // {"t": 10}: deregistered, as the brain
    await rogue.publishAsync("bs/1/a1/up/sns", Buffer.from([0x80]));                  // inject into a1's uplink
    await rogue.publishAsync("bs/1/a1/up/ctl", Buffer.from([0xa1, 0x61, 0x74, 0x09])); // deregister a1, as a1
  }
  await new Promise((r) => setTimeout(r, 300));
  const motorAfter = a1.agent.counters[Counter.MotorFramesApplied] + a1.agent.counters[Counter.MotorDroppedMac] + a1.agent.counters[Counter.MotorDroppedMalformed];
  t.is(a1.agent.counters[Counter.MotorDroppedMalformed], 0, "no rogue motor frame reached a1");
  t.true(motorAfter >= motorBefore);
  t.is(a1.agent.counters[Counter.MalformedMessages] + a1.agent.counters[Counter.UnexpectedMessages], malformedBefore, "no rogue control message reached a1");
  t.is(a1.agent.counters[Counter.ServerDeregisters], 0, "a1 was not deregistered by the rogue");
  t.true(active(a1), "a1 still active");
  const brainAfter = s.brain.agents().find((x) => x.id === "a1")!;
  t.is(brainAfter.malformed, brainBefore.malformed, "nothing rogue reached the brain on a1's uplink");
  t.is(brainAfter.phase, "active");
  t.regex(s.broker.log(), /Denied PUBLISH from rogue/, "the broker denied the rogue publishes");
});

test.serial("credentials: anonymous and wrong-password clients are refused; a refused agent keeps retrying", async (t) => {
  const s = await setup(t);
  const anon = mqtt.connect(`mqtt://127.0.0.1:${s.broker.plainPort}`, { clientId: "anon", reconnectPeriod: 0 });
  const err = await new Promise<Error>((r) => anon.once("error", r));
  anon.end(true);
  t.regex(err.message, /Not authorized|Bad user/i);
  const bad = s.agent("a2", { password: "wrong" });
  await until("several refusals", () => bad.agent.counters[Counter.ConnectAttempts] >= 3, 15_000);
  t.is(bad.agent.lastReason, Err.MqttConnackRefused);
  t.not(bad.agent.phase, Phase.Failed, "a broker refusal is retried, not terminal");
});

test.serial("a replayed challenge is rejected on the real stack", async (t) => {
  const s = await setup(t);
  const a1 = s.agent("a1");
  await until("a1 active", () => active(a1));
  // A recorder with a1's broker credentials (an attacker on a1's network) captures a challenge...
  const recorder = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.broker.plainPort}`, { clientId: "recorder", username: "a1", password: s.broker.passwords.get("a1"), reconnectPeriod: 0 });
  t.teardown(() => recorder.endAsync(true));
  let challenge: Buffer | null = null;
  recorder.on("message", (_topic, payload) => {
    if (challenge === null && payload.includes(Buffer.from([0x62, 0x61, 0x6e]))) challenge = Buffer.from(payload); // has key "an"
  });
  await recorder.subscribeAsync("bs/1/a1/dn/ctl");
  s.brain.deregister("a1"); // forces a new handshake
  await until("challenge captured", () => challenge !== null);
  await until("a1 active again", () => active(a1));
  // ...and replays it into a1's next handshake (through a client allowed to write downlinks).
  const replayer = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.broker.plainPort}`, { clientId: "replayer", username: "brain", password: s.broker.passwords.get("brain"), reconnectPeriod: 0 });
  t.teardown(() => replayer.endAsync(true));
  const skippedBefore = a1.agent.counters[Counter.MalformedMessages] + a1.agent.counters[Counter.UnexpectedMessages];
  const gen = a1.agent.status().generation;
  s.brain.deregister("a1");
  await until("a1 reconnecting", () => a1.agent.status().generation > gen);
  for (let i = 0; i < 5; i++) await replayer.publishAsync("bs/1/a1/dn/ctl", challenge!, { qos: 1 });
  await until("a1 active", () => active(a1));
  await new Promise((r) => setTimeout(r, 100));
  t.true(a1.agent.counters[Counter.MalformedMessages] + a1.agent.counters[Counter.UnexpectedMessages] > skippedBefore, "the replays were counted and skipped");
  t.is<number | null, number | null>(a1.agent.status().sessionId, s.brain.agents().find((x) => x.id === "a1")!.sessionId, "a1 holds the brain's current session, not one from the replay");
});

test.serial("keys never appear in logs, in /status or in the broker's log", async (t) => {
  const s = await setup(t);
  const a1 = s.agent("a1");
  const wrongKey = crypto.randomBytes(32); // a2 runs with a key the brain does not hold
  const a2 = new NodeAgent({
    config: { agentId: "a2", key: wrongKey, brokerHost: "127.0.0.1", brokerPort: s.broker.plainPort, brokerUsername: "a2", brokerPassword: s.broker.passwords.get("a2"), channels, session: SESSION, logLevel: 0 },
    log: (level, code, message) => s.logs.push(`agent ${level} ${code}: ${message}`),
  });
  t.teardown(() => a2.kill());
  a2.start();
  await until("a1 active and a2 failed", () => active(a1) && a2.agent.phase === Phase.Failed);
  s.brain.drain("a1", 1, 200);
  await until("a1 back", () => active(a1) && a1.agent.counters[Counter.Drains] === 1);
  const status = await (await fetch(s.brain.statusUrl)).text();
  const haystack = [s.logs.join("\n"), status, s.broker.log()].join("\n").toLowerCase();
  t.true(s.logs.length > 10, "there were logs to search");
  for (const key of [s.keys.get("a1")!, s.keys.get("a2")!, wrongKey]) {
    for (const form of [toHex(key), Buffer.from(key).toString("base64"), toHex(key.subarray(0, 8))]) {
      t.false(haystack.includes(form.toLowerCase()), "a key (or its prefix) leaked");
    }
  }
});

test.serial("TLS: the Node host connects to Mosquitto over TLS with a test CA, and refuses an unverifiable broker", async (t) => {
  const s = await setup(t);
  const good = s.agent("a1", { port: s.broker.tlsPort, tls: { ca: s.broker.caPem, servername: "localhost" } });
  await until("active over TLS", () => active(good));
  await until("frames over TLS", () => good.agent.counters[Counter.MotorFramesApplied] > 20);
  t.true(good.agent.counters[Counter.SensorFramesSent] > 20);
  const untrusting = s.agent("a2", { port: s.broker.tlsPort, tls: {} }); // system CAs only: the test CA is unknown
  await until("refused twice", () => untrusting.agent.counters[Counter.ConnectAttempts] >= 2);
  t.false(active(untrusting), "never active with an unverified broker");
  t.true(untrusting.agent.counters[Counter.ConnectsOk] === 0, "never even got a CONNACK");
  t.is(untrusting.agent.lastReason, Err.TransportError);
});
