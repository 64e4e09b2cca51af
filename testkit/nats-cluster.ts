/*
 * nats-cluster: a real three-node nats-server cluster on 127.0.0.1 for tests and the fleet
 * bench, started and stopped by the caller.
 *
 * Theory of operation: `startNatsCluster({partitions})` picks free ports for every node
 * (client, MQTT, cluster route, HTTP monitor), writes one config file per node into a
 * temporary directory and spawns `nats-server -c node.conf` three times. Each node has:
 *   - JetStream on, its store in its own subdirectory (kept across kill9/restart, removed
 *     by stop);
 *   - MQTT 3.1.1 on its own port (what devices connect to);
 *   - a cluster block whose routes name the other two nodes' route ports;
 *   - the subject mapping that partitions device uplinks (brain/cluster/subjects.ts): MQTT topic
 *     bs/1/A/up/K is the NATS subject bs.1.A.up.K ("/" becomes "."), and the mapping sends it
 *     to brain.<p>.bs.1.A.up.K where p = partition(P, A) is a deterministic hash of the
 *     agent id, so every uplink of one agent lands in the same partition;
 *   - short ping intervals, so a dead route or client is noticed within seconds.
 * `ready()` waits until every running node answers /healthz?js-enabled-only=true and the
 * cluster has a JetStream meta leader (the full /healthz stays failing after a node loss while
 * consumers of the MQTT sessions that lived there are not current). kill9(i) is a crash (SIGKILL), restart(i) starts the
 * node again on the same ports and store. Every spawned server is SIGKILLed when the process
 * exits, as a safety net; callers still call stop(). If nats-server is not installed the
 * start throws with the install command: tests fail, they are not skipped.
 * `spawnClusterWorker()` starts a brain worker as a process of its own (cluster-worker.ts),
 * for tests and benches that kill -9 a worker.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uplinkMapping } from "../brain/cluster/subjects";
import { canConnect, freePort } from "./brokers";

export const NATS_NODES = 3;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 3_000;
const LOG_MAX_CHARS = 20_000;

export interface NatsNode {
  readonly index: number;
  readonly name: string;
  /** Native NATS client port and URL (nats://127.0.0.1:port). */
  readonly port: number;
  readonly url: string;
  /** MQTT port devices connect to. */
  readonly mqttPort: number;
  /** Cluster route port (the node listens here). */
  readonly routePort: number;
  /** HTTP monitoring port. */
  readonly httpPort: number;
  /** The process id while it runs, else undefined. */
  readonly pid: number | undefined;
  running(): boolean;
  log(): string;
}

export interface NatsClusterOptions {
  /** Partitions in the uplink mapping. */
  partitions: number;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  readonly partitions: number;
  /** nats://127.0.0.1:p1,nats://127.0.0.1:p2,... for every node. */
  readonly servers: string[];
  /** Waits until every running node is healthy with JetStream and a meta leader exists. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL node i. */
  kill9(i: number): Promise<void>;
  /** Starts node i again on the same ports and store (stopping it first if it runs). */
  restart(i: number): Promise<void>;
  /** Stops every node and removes the temporary directory; idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Path of nats-server; throws a clear error when it is not installed. */
export function natsServerPath(): string {
  const r = spawnSync("sh", ["-c", "command -v nats-server || ls /usr/sbin/nats-server /usr/bin/nats-server 2>/dev/null"], { encoding: "utf8" });
  const path = r.stdout.trim().split("\n")[0];
  if (r.status !== 0 || path === "")
    throw new Error("nats-server is not installed: install it with `apt-get install -y nats-server`; the cluster tests need it");
  return path;
}

async function httpJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, body };
}

function configText(name: string, ports: { port: number; mqttPort: number; routePort: number; httpPort: number }, routes: number[], storeDir: string, partitions: number): string {
  const mappings = Object.entries(uplinkMapping(partitions))
    .map(([from, to]) => `  "${from}": "${to}"`)
    .join("\n");
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${ports.port}`,
    `http: 127.0.0.1:${ports.httpPort}`,
    `ping_interval: "1s"`,
    `ping_max: 3`,
    `jetstream {`,
    `  store_dir: "${storeDir}"`,
    `  max_memory_store: 64MB`,
    `  max_file_store: 256MB`,
    `}`,
    `mqtt {`,
    `  listen: 127.0.0.1:${ports.mqttPort}`,
    // Sessions and QoS 1 subscriptions live in JetStream: three replicas survive one node
    // down (two would lose quorum with it); consumers in memory keep the store light.
    `  stream_replicas: 3`,
    `  consumer_memory_storage: true`,
    `}`,
    `cluster {`,
    `  name: bs-test`,
    `  listen: 127.0.0.1:${ports.routePort}`,
    `  routes: [`,
    ...routes.map((p) => `    nats-route://127.0.0.1:${p}`),
    `  ]`,
    `}`,
    `mappings: {`,
    mappings,
    `}`,
    "",
  ].join("\n");
}

/** Starts three clustered nats-server nodes with JetStream, MQTT and the partition mapping. */
export async function startNatsCluster(opts: NatsClusterOptions): Promise<NatsCluster> {
  const bin = natsServerPath();
  if (!Number.isInteger(opts.partitions) || opts.partitions < 1 || opts.partitions > 1024) throw new RangeError("startNatsCluster: partitions must be 1..1024");
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
  const dir = mkdtempSync(join(tmpdir(), "bs-nats-"));
  const ports: { port: number; mqttPort: number; routePort: number; httpPort: number }[] = [];
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (let i = 0; i < NATS_NODES; i++) ports.push({ port: await pick(), mqttPort: await pick(), routePort: await pick(), httpPort: await pick() });

  interface Proc {
    child: ChildProcess | null;
    exited: Promise<void>;
    log: string;
  }
  const procs: Proc[] = [];
  const confs: string[] = [];
  for (let i = 0; i < NATS_NODES; i++) {
    const name = `n${i + 1}`;
    const store = join(dir, name, "store");
    mkdirSync(store, { recursive: true });
    const conf = join(dir, name, "node.conf");
    const routes = ports.filter((_, j) => j !== i).map((p) => p.routePort);
    writeFileSync(conf, configText(name, ports[i], routes, store, opts.partitions));
    confs.push(conf);
    procs.push({ child: null, exited: Promise.resolve(), log: "" });
  }

  const spawnNode = (i: number) => {
    const p = procs[i];
    const c = spawn(bin, ["-c", confs[i]], { stdio: ["ignore", "pipe", "pipe"] });
    p.child = c;
    running.add(c);
    p.exited = new Promise<void>((resolve) => c.once("exit", () => {
      running.delete(c);
      resolve();
    }));
    const append = (d: Buffer) => {
      p.log += d.toString();
      if (p.log.length > LOG_MAX_CHARS) p.log = p.log.slice(-LOG_MAX_CHARS);
    };
    c.stdout!.on("data", append);
    c.stderr!.on("data", append);
    c.once("error", (e) => (p.log += `cannot run ${bin}: ${e.message}\n`));
  };

  const halt = async (i: number, signal: NodeJS.Signals) => {
    const p = procs[i];
    const c = p.child;
    p.child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await p.exited;
    clearTimeout(timer);
  };
  const isRunning = (i: number) => {
    const c = procs[i].child;
    return c !== null && c.exitCode === null && c.signalCode === null;
  };

  const waitNode = async (i: number, deadline: number) => {
    for (;;) {
      if (!isRunning(i)) throw new Error(`nats-server n${i + 1} exited:\n${procs[i].log.slice(-2000)}`);
      if (await canConnect(ports[i].port)) {
        const h = await httpJson(ports[i].httpPort, "/healthz?js-enabled-only=true").catch(() => null);
        if (h !== null && h.status === 200) return;
      }
      if (Date.now() > deadline) throw new Error(`nats-server n${i + 1} not healthy within ${START_TIMEOUT_MS} ms:\n${procs[i].log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const ready = async (timeoutMs = START_TIMEOUT_MS) => {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < NATS_NODES; i++) if (isRunning(i)) await waitNode(i, deadline);
    // A meta leader: /jsz reports meta_cluster.leader on every node once elected.
    for (;;) {
      let leader = false;
      for (let i = 0; i < NATS_NODES && !leader; i++) {
        if (!isRunning(i)) continue;
        const j = await httpJson(ports[i].httpPort, "/jsz").catch(() => null);
        const meta = (j?.body as { meta_cluster?: { leader?: string } } | undefined)?.meta_cluster;
        if (meta?.leader) leader = true;
      }
      if (leader) return;
      if (Date.now() > deadline) throw new Error(`no JetStream meta leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  for (let i = 0; i < NATS_NODES; i++) spawnNode(i);
  try {
    await ready();
  } catch (e) {
    for (let i = 0; i < NATS_NODES; i++) await halt(i, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const nodes: NatsNode[] = ports.map((p, i) => ({
    index: i,
    name: `n${i + 1}`,
    port: p.port,
    url: `nats://127.0.0.1:${p.port}`,
    mqttPort: p.mqttPort,
    routePort: p.routePort,
    httpPort: p.httpPort,
    get pid() {
      return isRunning(i) ? procs[i].child?.pid : undefined;
    },
    running: () => isRunning(i),
    log: () => procs[i].log,
  }));
  let stopped = false;
  return {
    nodes,
    partitions: opts.partitions,
    servers: nodes.map((n) => n.url),
    ready,
    kill9: (i) => halt(i, "SIGKILL"),
    restart: async (i) => {
      await halt(i, "SIGTERM");
      spawnNode(i);
      await waitNode(i, Date.now() + START_TIMEOUT_MS);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map((_, i) => halt(i, "SIGTERM")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly child: import("node:child_process").ChildProcess;
  readonly workerId: string;
  readonly statusUrl: string;
  output(): string;
  /** SIGKILL (a crash); resolves when the process is gone. */
  kill9(): Promise<void>;
}

/** Starts testkit/cluster-worker.ts as a process (a brain worker with the NumberingController). */
export async function spawnClusterWorker(o: { servers: string[]; partitions: number; leaseMs: number; name: string; keysFile: string; heartbeatMs?: number; controllerModule?: string }, timeoutMs = 30_000): Promise<WorkerProcess> {
  const script = new URL("./cluster-worker.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BS_WORKER: JSON.stringify(o) } });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => {
    running.delete(child);
    resolve();
  }));
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const m = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker ${o.name} did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const r = /worker (\S+) ready (\S+)/.exec(out);
      if (r !== null) {
        clearTimeout(t);
        resolve(r);
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`worker ${o.name} exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    workerId: m[1],
    statusUrl: m[2],
    output: () => out,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
