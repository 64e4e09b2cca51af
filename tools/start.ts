/*
 * start: `npm start` — the whole of brainstem on one laptop, no hardware.
 *
 * Theory of operation: starts the reference brain with its embedded aedes broker (or uses
 * --broker: mqtt:// is plain TCP, mqtts:// is TLS for the brain and for every device, with the
 * broker's certificate verified against the system CAs or --ca), generates a key per simulated device, boots one device running the REAL
 * firmware bundle on Moddable's XS engine (hosts/xs), plus --agents N devices on the Node
 * host (hosts/node), and shows a status every second (status-line.ts: rewritten in place on a
 * terminal, a plain line every few seconds otherwise): the XS device's phase, sensor frames/s,
 * motor frames/s, RTT, clock offset and drops, and the Node fleet's totals. Ctrl-C (handled
 * from the first moment, so one during the start-up stops what has started) or --seconds S
 * deregisters every device, closes the brain and exits 0; the copies of one Ctrl-C count once
 * and a later second Ctrl-C exits at once (brain/stop-signals.ts).
 */
import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startBrain, type AgentStatus, type Brain } from "../brain/index";
import { explainRateCap } from "../brain/live/plain-words";
import { onStopSignals } from "../brain/stop-signals";
import { statusOutput } from "./status-line";

/** " | the brain caps the sensor rate: the device asks for X Hz, the brain allows Y Hz", or "". */
function capLine(a: AgentStatus | undefined): string {
  const cap = a === undefined ? null : explainRateCap(a);
  return cap === null ? "" : ` | ${cap}`;
}
import type { AgentConfigInput, ChannelConfig } from "../src/agent/config";
import { Counter } from "../src/session/counters";
import { phaseNames } from "../src/session/automaton";
import type { TlsOptions } from "../hosts/node/net-transport";
import { NodeAgent } from "../hosts/node/node-agent";
import { XsAgent, type XsAgentStatus } from "../hosts/xs/xs-agent";

const HELP = `npm start -- [options]

Runs the reference brain with an embedded MQTT broker, one simulated device running the real
firmware on the XS engine, and optionally more devices on the Node host.

Options:
  --agents N       also run N simulated devices on the Node host (default 0)
  --broker URL     use an external broker instead of the embedded one:
                   mqtt://host[:port]   plain TCP (default port 1883)
                   mqtts://host[:port]  TLS for the brain and every device (default port
                                        8883); the broker's certificate must verify
  --ca FILE        with mqtts://: PEM file of the CA that signed the broker's certificate
                   (default: the system CAs)
  --rate HZ        sensor frames per second per device (default 20)
  --seconds S      stop cleanly after S seconds (default: run until Ctrl-C)
  --quiet          no per-event log lines, only the status line
  --help           this text
`;

export const demoChannels: ChannelConfig[] = [
  { id: 0, name: "imu", kind: "sensor", type: "f32", count: 16 },
  { id: 1, name: "bumpers", kind: "sensor", type: "i16", count: 8 },
  { id: 2, name: "distance", unit: "m", kind: "sensor", type: "f32", count: 1 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
];

function fail(message: string): never {
  console.error(`npm start: ${message}\n(see npm start -- --help)`);
  process.exit(2);
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        agents: { type: "string", default: "0" },
        broker: { type: "string" },
        ca: { type: "string" },
        rate: { type: "string", default: "20" },
        seconds: { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const agents = Number(values.agents);
  if (!Number.isInteger(agents) || agents < 0 || agents > 5000) fail(`--agents must be a whole number 0..5000 (got ${values.agents})`);
  const rate = Number(values.rate);
  if (!Number.isInteger(rate) || rate < 1 || rate > 1000) fail(`--rate must be 1..1000 Hz (got ${values.rate})`);
  const seconds = values.seconds === undefined ? Infinity : Number(values.seconds);
  if (!(seconds > 0)) fail(`--seconds must be a positive number (got ${values.seconds})`);
  if (values.broker !== undefined && !/^mqtts?:\/\/[^/:@\s]+(:\d+)?\/?$/.test(values.broker))
    fail(`--broker must look like mqtt://host:port or mqtts://host:port (got ${values.broker})`);
  const tlsBroker = values.broker?.startsWith("mqtts://") === true;
  if (values.ca !== undefined && !tlsBroker) fail("--ca is for a TLS broker: use it with --broker mqtts://host:port");
  let tls: TlsOptions | null = null;
  if (tlsBroker) {
    tls = {};
    if (values.ca !== undefined) {
      try {
        tls.ca = readFileSync(values.ca, "utf8");
      } catch (e) {
        fail(`--ca: cannot read ${values.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!tls.ca.includes("-----BEGIN CERTIFICATE-----")) fail(`--ca: ${values.ca} holds no PEM certificate`);
    }
  }
  return { agents, rate, seconds, broker: values.broker, tls, quiet: values.quiet };
}

function deviceConfig(agentId: string, key: Uint8Array, brokerUrl: string, rate: number): AgentConfigInput {
  const u = new URL(brokerUrl);
  return {
    agentId, key, brokerHost: u.hostname, brokerPort: Number(u.port || (u.protocol === "mqtts:" ? 8883 : 1883)), firmwareVersion: "brainstem/0.1.0",
    channels: demoChannels, session: { sensorRateHz: rate },
  };
}

const LEVELS = ["debug", "info", "warn", "error"];

async function main(): Promise<void> {
  const opts = parse();
  const out = statusOutput(process.stdout);
  const keys = new Map<string, Uint8Array>();
  keys.set("xs1", crypto.randomBytes(32));
  for (let i = 1; i <= opts.agents; i++) keys.set(`node${i}`, crypto.randomBytes(32));
  const log = (level: number, msg: string) => {
    if (!opts.quiet && level >= 1) out.line(`${LEVELS[level] ?? level} ${msg}`);
  };

  // What is running so far: Ctrl-C during the start-up stops whatever has started.
  let brain: Brain | null = null;
  let xs: XsAgent | null = null;
  const fleet: NodeAgent[] = [];
  let statusTimer: NodeJS.Timeout | null = null;
  let lastStatus: string | null = null;
  let stopping = false;
  let startup: Promise<void> = Promise.resolve();
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    if (statusTimer !== null) clearInterval(statusTimer);
    out.end(lastStatus);
    console.log("stopping: deregistering every device...");
    await startup.catch(() => undefined); // a start-up step under way finishes first (a second Ctrl-C forces)
    await Promise.all([xs?.stop(), ...fleet.map((a) => a.stop())]);
    const phase = xs === null ? "not started" : phaseNames[xs.phase];
    await brain?.close();
    console.log(`xs1 ${phase}; ${fleet.length} node devices stopped; brain ${brain === null ? "not started" : "closed"}. bye.`);
    process.exit(0);
  };
  onStopSignals(
    () => void shutdown(),
    () => {
      console.error("\nnpm start: second signal, exiting now");
      process.exit(130);
    },
  );

  let motorFrames = 0;
  const started = (async () => {
    try {
      brain = await startBrain({ broker: opts.broker, brokerCa: opts.tls?.ca, keys, httpPort: 0, log: (level, msg) => log(LEVELS.indexOf(level), `brain: ${msg}`) });
    } catch (e) {
      if (stopping) return;
      fail((e as Error).message); // e.g. cannot connect to the MQTT broker at mqtts://…: self-signed certificate
    }
    console.log(`brain: broker ${brain.brokerUrl}${opts.tls ? " (TLS, certificate verified)" : ""}, status ${brain.statusUrl}, live page ${brain.pageUrl}`);
    if (stopping) return;
    xs = new XsAgent({
      config: deviceConfig("xs1", keys.get("xs1")!, brain.brokerUrl, opts.rate),
      tls: opts.tls,
      log: (level, _code, message) => log(level, `xs1 (XS): ${message}`),
      applyMotor: () => void motorFrames++,
    });
    await xs.boot();
    if (stopping) return;
    await xs.start();
    console.log("device xs1: the firmware bundle running on the XS engine");
    for (let i = 1; i <= opts.agents && !stopping; i++) {
      const id = `node${i}`;
      const a = new NodeAgent({ config: deviceConfig(id, keys.get(id)!, brain.brokerUrl, opts.rate), tls: opts.tls, log: (level, _c, m) => level >= 2 && log(level, m) });
      a.start();
      fleet.push(a);
    }
    if (opts.agents > 0) console.log(`devices node1..node${opts.agents}: the firmware core on the Node host`);
    console.log("status: clock offset = the device's clock minus the brain's (arbitrary: the device counts from its boot)");
  })();
  startup = started;
  await started;
  if (stopping || brain === null || xs === null) return;
  const b: Brain = brain;
  const x: XsAgent = xs;

  let last: XsAgentStatus | null = null;
  let lastAt = Date.now();
  let lastMotor = 0;
  statusTimer = setInterval(async () => {
    const s = await x.status();
    if (!s || stopping) return;
    const dt = (Date.now() - lastAt) / 1000;
    const sent = s.counters[Counter.SensorFramesSent] - (last?.counters[Counter.SensorFramesSent] ?? 0);
    const applied = motorFrames - lastMotor;
    const drops = s.counters[Counter.SensorFramesDropped] + s.counters[Counter.MotorDroppedStale] + s.counters[Counter.MotorDroppedOrder] +
      s.counters[Counter.MotorDroppedReplay] + s.counters[Counter.MotorDroppedMac] + s.counters[Counter.MotorDroppedMalformed];
    let fleetLine = "";
    if (fleet.length > 0) {
      const active = fleet.filter((a) => a.agent.phaseName === "active").length;
      const frames = fleet.reduce((n, a) => n + a.agent.counters[Counter.SensorFramesSent], 0);
      fleetLine = ` | node fleet: ${active}/${fleet.length} active, ${frames} frames sent`;
    }
    lastStatus = `xs1 ${s.phase} gen ${s.generation} | sensor ${(sent / dt).toFixed(1)}/s motor ${(applied / dt).toFixed(1)}/s | rtt ${s.rttMs} ms | clock offset ${s.clockOffsetMs} ms | drops ${drops}${capLine(b.agents().find((a) => a.id === "xs1"))}${fleetLine}`;
    out.status(lastStatus, Date.now());
    last = s;
    lastAt = Date.now();
    lastMotor = motorFrames;
  }, 1000);
  if (Number.isFinite(opts.seconds)) setTimeout(shutdown, opts.seconds * 1000);
}

main().catch((e) => {
  console.error(`npm start failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
