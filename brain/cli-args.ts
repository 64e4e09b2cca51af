/*
 * brain/cli-args: the options of `npm run brain`, parsed and checked.
 *
 * Theory of operation: node:util parseArgs in strict mode (unknown options and positional
 * arguments are errors), then each value is checked against its range. Every problem is a
 * UsageError with a one-line message; the CLI prints it and exits with code 2. Kept apart
 * from cli.ts so the table of option errors is tested in-process.
 */
import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run brain -- [options]

The brainstem reference brain: authenticates agents, keeps their sessions alive, runs a
controller on their sensor frames and sends back signed motor frames.

Options:
  --broker URL             use an external MQTT broker (mqtt://host:port) instead of the
                           embedded one
  --port N                 embedded broker port (default 1883; 0 picks a free port)
  --listen HOST            embedded broker address (default 127.0.0.1; 0.0.0.0 lets boards
                           on your network connect)
  --http-port N            port of the built-in page (/) and GET /status on 127.0.0.1
                           (default 8080; 0 = free port)
  --keys FILE              agent keys, {"agents": {"<id>": "<hex key>"}}
                           (default brain/keys.example.json: demo keys only)
  --controller FILE        your controller module (.ts or .js; see docs/controllers.md);
                           default: the demo reflex (wheels from distance and bumpers)
  --record FILE            record every frame, status change and control event to an MCAP
                           file (open it in Foxglove; replay it with npm run replay)
  --foxglove-port N        Foxglove WebSocket server on 127.0.0.1 (default 8765; 0 = free
                           port; none for a --cluster worker unless given); connect
                           Foxglove or Lichtblick to ws://127.0.0.1:N
  --no-foxglove            do not start the Foxglove server
  --heartbeat-ms N         heartbeat interval agents must keep, ms (default 1000)
  --motor-deadline-ms N    motor frame deadline, ms (default 500)
  --max-sensor-hz N        highest sensor frame rate agents may send, Hz (default 1000)
  --max-frame-bytes N      largest frame the brain accepts, bytes (default 65536)
  --cluster URLS           run as one worker of a NATS cluster: nats://host:port[,...]
                           (devices use the nodes' MQTT ports; see docs/scaling.md)
  --partitions P           partitions in the cluster's uplink mapping (required with
                           --cluster; must match the nats-server config)
  --lease-ms N             partition lease time with --cluster, ms (default 6000)
  --worker-name NAME       worker name in the cluster view (default host-pid)
  --verbose                also print the brain's info and debug logs
  -h, --help               show this help

Ctrl-C drains every agent (operator, retry after 5 s), then exits.`;

export const DEFAULT_KEYS = "brain/keys.example.json";

export class UsageError extends Error {}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be ${min}..${max}, got ${n}`);
  return n;
}

/** Parses the CLI arguments (without node and the script). Throws UsageError. */
export function parseCliArgs(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        broker: { type: "string" },
        port: { type: "string" },
        listen: { type: "string" },
        "http-port": { type: "string" },
        keys: { type: "string" },
        "heartbeat-ms": { type: "string" },
        "motor-deadline-ms": { type: "string" },
        "max-sensor-hz": { type: "string" },
        "max-frame-bytes": { type: "string" },
        controller: { type: "string" },
        record: { type: "string" },
        "foxglove-port": { type: "string" },
        "no-foxglove": { type: "boolean" },
        cluster: { type: "string" },
        partitions: { type: "string" },
        "lease-ms": { type: "string" },
        "worker-name": { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    // parseArgs messages span lines and end with quoting advice; keep the diagnosis, one line.
    const text = (e as Error).message.replace(/\s*\n\s*/g, " ").replace(/\s*To specify .*$/, "");
    throw new UsageError(text);
  }
  if (values.broker !== undefined && !/^mqtts?:\/\/[^/\s]+/.test(values.broker)) throw new UsageError(`--broker must look like mqtt://host:port, got "${values.broker}"`);
  if (values["no-foxglove"] === true && values["foxglove-port"] !== undefined) throw new UsageError("--no-foxglove and --foxglove-port contradict each other");
  if (values.record !== undefined && values.record.length === 0) throw new UsageError("--record needs a file name");
  if (values.broker !== undefined && (values.port !== undefined || values.listen !== undefined)) throw new UsageError("--port and --listen configure the embedded broker; they cannot be combined with --broker");
  const cluster = values.cluster?.split(",").map((u) => u.trim());
  if (cluster !== undefined && !cluster.every((u) => /^nats:\/\/[^/\s,]+$/.test(u))) throw new UsageError(`--cluster must look like nats://host:port[,nats://host:port...], got "${values.cluster}"`);
  if (cluster !== undefined && (values.broker !== undefined || values.port !== undefined || values.listen !== undefined)) throw new UsageError("--cluster replaces the broker: it cannot be combined with --broker, --port or --listen");
  if ((cluster === undefined) !== (values.partitions === undefined)) throw new UsageError("--cluster and --partitions go together");
  if (cluster === undefined && (values["lease-ms"] !== undefined || values["worker-name"] !== undefined)) throw new UsageError("--lease-ms and --worker-name need --cluster");
  return {
    cluster,
    partitions: int("partitions", values.partitions, 0, 1, 1024),
    leaseMs: int("lease-ms", values["lease-ms"], 6000, 300, 600_000),
    workerName: values["worker-name"],
    help: values.help === true,
    verbose: values.verbose === true,
    broker: values.broker,
    listen: values.listen ?? "127.0.0.1",
    port: int("port", values.port, 1883, 0, 65535),
    httpPort: int("http-port", values["http-port"], 8080, 0, 65535),
    keys: values.keys ?? DEFAULT_KEYS,
    controller: values.controller,
    record: values.record,
    // Several cluster workers share a machine: a worker serves Foxglove only when asked to.
    foxglovePort:
      values["no-foxglove"] === true || (values.cluster !== undefined && values["foxglove-port"] === undefined) ? undefined : int("foxglove-port", values["foxglove-port"], 8765, 0, 65535),
    heartbeatMs: int("heartbeat-ms", values["heartbeat-ms"], 1000, 100, 60_000),
    motorDeadlineMs: int("motor-deadline-ms", values["motor-deadline-ms"], 500, 10, 60_000),
    maxSensorHz: int("max-sensor-hz", values["max-sensor-hz"], 1000, 1, 100_000),
    maxFrameBytes: int("max-frame-bytes", values["max-frame-bytes"], 65536, 64, 268_435_455),
  };
}

export type CliOptions = ReturnType<typeof parseCliArgs>;
