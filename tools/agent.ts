/*
 * agent: `npm run agent -- --config agent.json`, laptop agents against any running brain.
 *
 * Theory of operation: the config file (hosts/node/agent-config.ts: format, validation with
 * every problem listed, exit code 2) gives one or more agents. Each runs the real firmware
 * core on the Node host (hosts/node/node-agent.ts) with its own socket and timer; the core
 * rotates through the agent's brokers. Sensor values come from the optional script (a module whose default
 * export, or `sample`, is called as sample(channelName, nowMs, agentId) and returns a number
 * or an array of numbers; undefined means "use the wave") or from each channel's wave. Motor
 * values are printed when they change (at most once a second per channel unless --verbose),
 * phase changes always; a status line per agent every 10 s. Ctrl-C (or --seconds S)
 * deregisters every agent and exits 0 (1 if an agent was failed then). An agent whose key the
 * brain rejects goes to failed and keeps running: the firmware retries after failedRetryMs,
 * so it registers by itself once the brain's keys file is fixed. The copies of one Ctrl-C
 * count once; a later second Ctrl-C exits at once (brain/stop-signals.ts).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadAgentFile, type LaptopAgent } from "../hosts/node/agent-config";
import { NodeAgent } from "../hosts/node/node-agent";
import { waveShape, waveValue } from "../hosts/moddable/waveform";
import type { Agent } from "../src/agent/agent";
import { Counter } from "../src/session/counters";
import { Phase, phaseNames } from "../src/session/automaton";
import { onStopSignals } from "../brain/stop-signals";

const USAGE = `Usage: npm run agent -- --config FILE [options]

Runs one or more agents (the firmware core on the Node host) against a running brain, as
described by a JSON config file (format: docs/agent-config.md; example: examples/agent.json).

Options:
  --config FILE   the agents' config (required)
  --seconds S     deregister and exit after S seconds (default: until Ctrl-C)
  --verbose       every motor change and the firmware's debug log
  -h, --help      this text`;

type Sample = (channel: string, nowMs: number, agentId: string) => number | ArrayLike<number> | undefined;

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

async function loadScript(path: string): Promise<Sample> {
  if (!existsSync(path)) throw new Error(`sensor script ${path} not found`);
  const mod = await import(pathToFileURL(path).href);
  const f = mod.default ?? mod.sample;
  if (typeof f !== "function") throw new Error(`sensor script ${path} must export a function (default or "sample")`);
  return f as Sample;
}

function sampler(spec: LaptopAgent, script: Sample | null): (agent: Agent, nowMs: number) => void {
  const sensors = spec.config.channels
    .filter((c) => c.kind === "sensor")
    .map((c) => {
      const w = spec.waves.get(c.id) ?? { shape: "sine" as const, periodMs: 2000 + 250 * (c.id % 8), min: 0, max: 1, phase: 0 };
      return { c, w, shape: waveShape(w.shape) };
    });
  return (agent, nowMs) => {
    for (const { c, w, shape } of sensors) {
      const a = agent.sensorArray(c.id);
      const v = script === null ? undefined : script(c.name, nowMs, spec.config.agentId);
      if (typeof v === "number") a.fill(v);
      else if (v !== undefined && v !== null) for (let i = 0; i < a.length; i++) a[i] = v[i] ?? 0;
      else for (let i = 0; i < a.length; i++) a[i] = waveValue(shape, w, nowMs + (i * w.periodMs) / Math.max(4, a.length));
    }
  };
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { config: { type: "string" }, seconds: { type: "string" }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    console.error(`agent: ${(e as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.config === undefined) {
    console.error("agent: --config FILE is required (see --help; example: examples/agent.json)");
    return 2;
  }
  const seconds = values.seconds === undefined ? Infinity : Number(values.seconds);
  if (!(seconds > 0)) {
    console.error(`agent: --seconds must be a positive number (got ${values.seconds})`);
    return 2;
  }
  const { agents: specs, problems } = loadAgentFile(values.config);
  if (problems.length > 0) {
    console.error(`agent: ${values.config} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`);
    for (const p of problems) console.error(`  ${p}`);
    return 2;
  }
  const verbose = values.verbose === true;
  const running: { spec: LaptopAgent; node: NodeAgent }[] = [];
  for (const spec of specs) {
    let script: Sample | null = null;
    if (spec.script !== null) {
      try {
        script = await loadScript(spec.script);
      } catch (e) {
        console.error(`agent: ${spec.config.agentId}: ${(e as Error).message}`);
        return 2;
      }
    }
    const id = spec.config.agentId;
    const names = new Map(spec.config.channels.map((c) => [c.id, c.name]));
    const lastPrint = new Map<number, { at: number; text: string }>();
    const node: NodeAgent = new NodeAgent({
      config: spec.config,
      sampleSensors: sampler(spec, script),
      applyMotor: (chId, v) => {
        const text = `[${Array.from(v, (x) => +x.toFixed(3)).join(", ")}]`;
        const last = lastPrint.get(chId);
        const now = Date.now();
        if (last !== undefined && (last.text === text || (!verbose && now - last.at < 1000))) return;
        lastPrint.set(chId, { at: now, text });
        console.log(`${stamp()} ${id} motor ${names.get(chId)} = ${text}`);
      },
      motorsSafe: () => {
        lastPrint.clear();
        console.log(`${stamp()} ${id} motors safe`);
      },
      log: (level, _code, message) => {
        if (level >= 1 || verbose) console.log(`${stamp()} ${id} ${["debug", "info", "warn", "error"][level] ?? level}: ${message}`);
      },
    });
    running.push({ spec, node });
  }
  console.log(`agent: ${running.length} agent(s) from ${values.config}`);
  for (const { spec } of running)
    console.log(`  ${spec.config.agentId}: brokers ${spec.brokers.map((b) => `${b.host}:${b.port}`).join(", ")}; channels ${spec.config.channels.map((c) => `${c.name}${c.unit ? ` (${c.unit})` : ""} ${c.kind}`).join(", ")}`);
  for (const { node } of running) node.start();

  const statusTimer = setInterval(() => {
    for (const { spec, node } of running) {
      const a = node.agent;
      console.log(`${stamp()} ${spec.config.agentId} ${a.phaseName}: sensor frames sent ${a.counters[Counter.SensorFramesSent]}, motor frames applied ${a.counters[Counter.MotorFramesApplied] ?? "?"}`);
    }
  }, 10_000);
  statusTimer.unref();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${why}: deregistering ${running.length} agent(s)`);
      await Promise.all(running.map((r) => r.node.stop()));
      for (const { spec, node } of running) console.log(`${spec.config.agentId} ${phaseNames[node.agent.phase]}`);
      resolve(running.some((r) => r.node.agent.phase === Phase.Failed) ? 1 : 0);
    };
    onStopSignals(
      (signal) => void stop(signal),
      () => {
        console.error("agent: second signal, exiting now");
        process.exit(130);
      },
    );
    if (Number.isFinite(seconds)) setTimeout(() => void stop(`after ${seconds} s`), seconds * 1000);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`agent: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
