/*
 * brokers: real MQTT brokers on 127.0.0.1 for integration tests, started and stopped by the
 * tests themselves.
 *
 * Theory of operation:
 *   startAedes()      the brain's embedded aedes (brain/broker.ts) on a free port;
 *   startMosquitto()  finds a free port, writes a temporary config (`listener PORT
 *                     127.0.0.1`, anonymous access unless a password file is given,
 *                     persistence off, log to stdout, optional ACL / password / TLS files),
 *                     spawns `mosquitto -c conf` and waits until the port accepts connections.
 * Both return {url, port, stop(), kill9(), restart()}: stop() is a clean shutdown, kill9()
 * a crash (SIGKILL for Mosquitto; every socket destroyed for aedes), restart() starts the
 * broker again on the SAME port (after a stop or kill9, or stopping it first). Callers must
 * register `t.teardown(() => broker.stop())`, which also removes the broker's temporary
 * directory; as a safety net every Mosquitto still running is SIGKILLed, and every such
 * directory still there is removed, when the test process exits. If `mosquitto` is not on PATH, startMosquitto
 * throws with the install command: the tests fail, they are not skipped.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedBroker, type EmbeddedBroker } from "../brain/broker";

export interface TestBroker {
  /** "aedes" or "mosquitto". */
  kind: string;
  /** mqtt://127.0.0.1:port (mqtts:// with TLS). */
  url: string;
  port: number;
  /** Clean shutdown; idempotent. */
  stop(): Promise<void>;
  /** Crash: no clean shutdown, no Wills published by a dying broker. */
  kill9(): Promise<void>;
  /** Starts the broker again on the same port (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Mosquitto: the broker's log so far (for assertion messages). */
  log(): string;
  /** Mosquitto: the broker's process id while it runs (e.g. to read its CPU time); else undefined. */
  readonly pid?: number;
}

export interface MosquittoOptions {
  /** An ACL file (mosquitto `acl_file`). */
  aclFile?: string;
  /** A password file (mosquitto_passwd format); disables anonymous access. */
  passwordFile?: string;
  /** TLS listener files; the url becomes mqtts://. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
}

const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 3000;
const LOG_MAX_CHARS = 20_000;

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, isDead: () => string | null): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await canConnect(port)) return;
    const dead = isDead();
    if (dead !== null) throw new Error(dead);
    if (Date.now() > until) throw new Error(`broker did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The embedded aedes broker on a free port. */
export async function startAedes(): Promise<TestBroker> {
  let broker: EmbeddedBroker | null = await startEmbeddedBroker({ port: 0 });
  const port = broker.port;
  const halt = async (crash: boolean) => {
    const b = broker;
    broker = null;
    if (b !== null) await (crash ? b.destroy() : b.close());
  };
  return {
    kind: "aedes",
    url: broker.url,
    port,
    stop: () => halt(false),
    kill9: () => halt(true),
    restart: async () => {
      await halt(false);
      broker = await startEmbeddedBroker({ port });
    },
    log: () => "",
  };
}

const running = new Set<ChildProcess>();
/** Temporary directories of Mosquitto brokers not stopped yet. */
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of running) c.kill("SIGKILL");
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}

/** Path of the mosquitto binary; throws a clear error when it is not installed. */
export function mosquittoPath(): string {
  const r = spawnSync("sh", ["-c", "command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null"], { encoding: "utf8" });
  const path = r.stdout.trim().split("\n")[0];
  if (r.status !== 0 || path === "")
    throw new Error("mosquitto is not installed (not on PATH nor in /usr/sbin): install it with `apt-get install -y mosquitto`; the broker integration tests need it");
  return path;
}

/** A Mosquitto broker on a free 127.0.0.1 port, with a temporary config. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<TestBroker> {
  const bin = mosquittoPath();
  installExitHook();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "bs-mosquitto-"));
  tempDirs.add(dir);
  const conf = join(dir, "mosquitto.conf");
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.passwordFile === undefined ? "true" : "false"}`,
    "persistence false",
    "set_tcp_nodelay true",
    "log_dest stdout",
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
  ];
  if (opts.passwordFile !== undefined) lines.push(`password_file ${opts.passwordFile}`);
  if (opts.aclFile !== undefined) lines.push(`acl_file ${opts.aclFile}`);
  if (opts.tls !== undefined) {
    lines.push(`certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`);
    if (opts.tls.caFile !== undefined) lines.push(`cafile ${opts.tls.caFile}`);
  }
  let log = "";
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const spawnBroker = async () => {
    mkdirSync(dir, { recursive: true }); // stop() removes it; restart() after stop() needs it again
    tempDirs.add(dir);
    writeFileSync(conf, lines.join("\n") + "\n", { mode: 0o644 });
    const c = spawn(bin, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    running.add(c);
    let exitText: string | null = null;
    exited = new Promise<void>((resolve) => {
      c.once("exit", (code, signal) => {
        running.delete(c);
        exitText = `mosquitto exited (code ${code}, signal ${signal}) before accepting connections on port ${port}:\n${log.slice(-2000)}`;
        resolve();
      });
    });
    const append = (d: Buffer) => {
      log += d.toString();
      if (log.length > LOG_MAX_CHARS) log = log.slice(-LOG_MAX_CHARS);
    };
    c.stdout!.on("data", append);
    c.stderr!.on("data", append);
    c.once("error", (e) => {
      exitText = `cannot run ${bin}: ${e.message}`;
    });
    await waitForPort(port, () => exitText);
  };

  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await spawnBroker();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
    throw e;
  }
  return {
    kind: "mosquitto",
    url: `${opts.tls === undefined ? "mqtt" : "mqtts"}://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await halt("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
    kill9: () => halt("SIGKILL"),
    restart: async () => {
      await halt("SIGTERM");
      await spawnBroker();
    },
    log: () => log,
    get pid() {
      return child?.pid;
    },
  };
}

/** Starts a broker by kind: "aedes" or "mosquitto". */
export function startBroker(kind: "aedes" | "mosquitto"): Promise<TestBroker> {
  return kind === "aedes" ? startAedes() : startMosquitto();
}
