/*
 * brain/cli: `npm run brain`, the reference brain alone, for real boards and simulators.
 *
 * Theory of operation: parse the options (node:util parseArgs, strict), load the controller
 * (--controller, controller-loader.ts; a module that does not load or export a controller is a
 * usage error), start the brain (index.ts startBrain: page, Foxglove server, recording) and
 * print where things are: the broker address agents should use,
 * the status URL, then one line per agent as it registers, dies or deregisters (rejections
 * and other problems arrive as warn lines from the brain's log).
 * A bad option, a bad value or a missing / malformed keys file prints one line on stderr and
 * exits with code 2 (usage error); other start-up failures (port in use, unreachable broker)
 * exit with 1. The keys file is read again when it changes and on SIGHUP (`kill -HUP <pid>`);
 * a bad new file is logged and the keys loaded before stay. Ctrl-C (SIGINT) or SIGTERM drains every agent (operator, retry after 5 s),
 * waits briefly for them to deregister, closes and exits 0 (`npm run` itself then reports 130,
 * as it does for any Ctrl-C). The copies of one Ctrl-C that the terminal and npm deliver
 * within a moment count once (stop-signals.ts); a second Ctrl-C after that exits at once (130).
 */
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { DEFAULT_KEYS, parseCliArgs, USAGE, UsageError, type CliOptions } from "./cli-args";
import { KeysFileError, startBrain, type Brain, type Controller, type LogLevel } from "./index";
import { ControllerLoadError, loadController } from "./controller-loader";
import { DemoController } from "./demo-controller";
import { explainRateCap } from "./live/plain-words";
import { onStopSignals } from "./stop-signals";

const SHUTDOWN_RETRY_AFTER_MS = 5000;
const SHUTDOWN_DRAIN_DEADLINE_MS = 2000;
const SHUTDOWN_WAIT_MS = 3000;
/** The default keys file, found next to this module whatever the working directory. */
const DEFAULT_KEYS_PATH = fileURLToPath(new URL("./keys.example.json", import.meta.url));

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

async function main(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`brain: ${e.message} (see --help)`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const log = (level: LogLevel, msg: string) => {
    if (level === "debug" && !o.verbose) return;
    if (level === "info" && !o.verbose) return; // agent lifecycle lines are printed from events below; warn and error always show
    console.error(`${stamp()} ${level}: ${msg}`);
  };
  let controller: Controller;
  try {
    controller = o.controller === undefined ? new DemoController({ log: (m) => console.log(`${stamp()} ${m}`) }) : await loadController(o.controller);
  } catch (e) {
    if (e instanceof ControllerLoadError) {
      console.error(`brain: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let brain: Brain;
  try {
    brain = await startBrain({
      controller,
      record: o.record,
      foxglovePort: o.foxglovePort,
      broker: o.broker,
      brokerPort: o.port,
      brokerHost: o.listen,
      httpPort: o.httpPort,
      keys: o.keys === DEFAULT_KEYS ? DEFAULT_KEYS_PATH : o.keys,
      log,
      heartbeatMs: o.heartbeatMs,
      motorDeadlineMs: o.motorDeadlineMs,
      maxSensorHz: o.maxSensorHz,
      maxFrameBytes: o.maxFrameBytes,
      cluster: o.cluster === undefined ? undefined : { servers: o.cluster, partitions: o.partitions, leaseMs: o.leaseMs, name: o.workerName },
    });
  } catch (e) {
    if (e instanceof KeysFileError) {
      console.error(`brain: ${e.message} (use --keys FILE; see brain/keys.example.json for the format)`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") console.error(`brain: port already in use (${err.message}); pick another with --port / --http-port / --foxglove-port`);
    else console.error(`brain: cannot start: ${err.message}`);
    return 1;
  }
  const embedded = o.broker === undefined && o.cluster === undefined;
  console.log("brainstem brain");
  console.log(`  broker  ${brain.brokerUrl}${embedded ? ` (embedded aedes${o.listen === "127.0.0.1" ? ", this machine only: --listen 0.0.0.0 for boards on your network" : `, listening on ${o.listen}`})` : ""}`);
  if (embedded && (o.listen === "0.0.0.0" || o.listen === "::")) {
    const port = new URL(brain.brokerUrl).port;
    for (const list of Object.values(networkInterfaces()))
      for (const nic of list ?? []) if (nic.family === "IPv4" && !nic.internal) console.log(`  lan     mqtt://${nic.address}:${port} (for boards on your network)`);
  }
  console.log(`  page    ${brain.pageUrl} (live plots, drain and deregister buttons)`);
  if (brain.cluster !== null) console.log(`  worker  ${brain.cluster.workerId} (${o.partitions} partitions, lease ${o.leaseMs} ms)`);
  console.log(`  status  ${brain.statusUrl}`);
  if (brain.live.foxglove !== null) console.log(`  foxglove ${brain.live.foxglove.url} (open it in Foxglove or Lichtblick)`);
  if (brain.live.recorder !== null) console.log(`  record  ${o.record} (MCAP)`);
  console.log(`  control ${o.controller ?? "demo (wheels from distance and bumpers)"}`);
  console.log(`  keys    ${o.keys}${o.keys === DEFAULT_KEYS ? " (DEMO keys: make your own for real robots)" : ""}`);
  console.log("waiting for agents (Ctrl-C to drain and stop)");
  brain.on("registered", (e) => {
    console.log(`${stamp()} agent ${e.agentId} registered: session 0x${e.sessionId.toString(16).padStart(8, "0")}, generation ${e.generation}, ${e.channels} channels, firmware ${e.firmware || "?"}`);
    setImmediate(() => {
      // after the brain has finished registering it: its limits and channels are on /status then
      const a = brain.agents().find((x) => x.id === e.agentId);
      const cap = a === undefined ? null : explainRateCap(a);
      if (cap !== null) console.log(`${stamp()} agent ${e.agentId}: ${cap}`);
    });
  });
  brain.on("death", (e) => console.log(`${stamp()} agent ${e.agentId} dead: ${e.cause} (generation ${e.generation})`));
  brain.on("stale-death", (e) => console.log(`${stamp()} agent ${e.agentId}: stale death notice ignored (generation ${e.generation}, current ${e.currentGeneration})`));
  brain.on("keys-reloaded", (e) => console.log(`${stamp()} keys reloaded: added [${e.added.join(", ")}], removed [${e.removed.join(", ")}], changed [${e.changed.join(", ")}]`));
  brain.on("deregistered", (e) => console.log(`${stamp()} agent ${e.agentId} deregistered (${e.reason})`));

  return new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      const live = brain.agents().filter((a) => a.phase === "challenged" || a.phase === "registered" || a.phase === "binding" || a.phase === "active").length;
      console.log(`${signal}: draining ${live} agent(s) (operator, retry after ${SHUTDOWN_RETRY_AFTER_MS / 1000} s)`);
      brain.drain("all", 2, SHUTDOWN_RETRY_AFTER_MS, SHUTDOWN_DRAIN_DEADLINE_MS);
      const idle = await brain.whenIdle(SHUTDOWN_WAIT_MS);
      if (!idle) console.log("some agents did not deregister in time; closing anyway");
      const rec = brain.live.recorder;
      await brain.close();
      if (rec !== null) {
        const st = rec.stats();
        console.log(`recording ${st.path}: ${st.messagesWritten} messages, ${st.bytesWritten} bytes, ${st.framesDropped} frames dropped${rec.error() ? `; stopped by a write error: ${rec.error()!.message}` : ""}`);
      }
      console.log("brain stopped");
      resolve(0);
    };
    onStopSignals(
      (signal) => void stop(signal),
      () => {
        console.error("brain: second signal, exiting now");
        process.exit(130);
      },
    );
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`brain: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
