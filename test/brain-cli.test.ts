/*
 * `npm run brain` (brain/cli.ts), spawned as a real process:
 *   --help, a table of bad options and bad keys files (one line on stderr, exit code 2),
 *   and a full run: it prints the broker and status addresses, shows an agent registering,
 *   and on SIGINT (sent twice, as one Ctrl-C under npm arrives) drains it (operator, retry
 *   after 5 s), acknowledges its deregister and exits 0.
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCliArgs, UsageError } from "../brain/cli-args";
import { loadKeysFile } from "../brain/keys";
import { ScriptedAgent } from "../testkit/scripted-agent";
import { suiteTempDir } from "../testkit/temp-dir";
import { DeregisteredReason, DeregisterReason, MsgType } from "../src/protocol/wire";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

function runCli(args: string[]): Run {
  const child = spawn(process.execPath, ["--import=tsx", "brain/cli.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(get: () => string, re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = get().match(re);
    if (m !== null) return m;
    if (Date.now() > end) throw new Error(`no ${re} in output within ${timeoutMs} ms:\n${get()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("--help lists every option and exits 0", async (t) => {
  const run = runCli(["--help"]);
  t.is(await run.exit, 0);
  for (const opt of ["--broker URL", "--port N", "--listen HOST", "--http-port N", "--keys FILE", "--heartbeat-ms N", "--motor-deadline-ms N", "--max-sensor-hz N", "--max-frame-bytes N", "-h, --help"])
    t.true(run.stdout().includes(opt), opt);
  t.is(run.stderr(), "");
});

const dir = suiteTempDir("bs-cli-");

/** Option errors, checked in-process (parseCliArgs): each is a one-line UsageError. */
const optionErrors: readonly [args: string[], message: RegExp][] = [
  [["--bogus"], /^Unknown option '--bogus'/],
  [["extra"], /^Unexpected argument 'extra'/],
  [["--port", "abc"], /^--port must be a whole number, got "abc"$/],
  [["--port", "70000"], /^--port must be 0\.\.65535, got 70000$/],
  [["--http-port"], /^Option '--http-port <value>' argument missing/],
  [["--heartbeat-ms", "5"], /^--heartbeat-ms must be 100\.\.60000, got 5$/],
  [["--motor-deadline-ms", "-1"], /^Option '--motor-deadline-ms' argument is ambiguous\. Did you forget to specify the option argument for '--motor-deadline-ms'\?$/],
  [["--motor-deadline-ms=-1"], /^--motor-deadline-ms must be a whole number, got "-1"$/],
  [["--max-frame-bytes", "10"], /^--max-frame-bytes must be 64\.\.268435455, got 10$/],
  [["--broker", "localhost:1883"], /^--broker must look like mqtt:\/\/host:port/],
  [["--broker", "mqtt://127.0.0.1:1", "--port", "1"], /cannot be combined with --broker$/],
];

for (const [args, re] of optionErrors) {
  test(`option error: ${args.join(" ")}`, (t) => {
    const err = t.throws(() => parseCliArgs(args), { instanceOf: UsageError });
    t.regex(err!.message, re);
    t.false(err!.message.includes("\n"), "one line");
  });
}

test("options: defaults and values", (t) => {
  t.like(parseCliArgs([]), { port: 1883, httpPort: 8080, keys: "brain/keys.example.json", heartbeatMs: 1000, motorDeadlineMs: 500, listen: "127.0.0.1", broker: undefined, help: false });
  t.like(parseCliArgs(["--broker", "mqtt://10.0.0.2:1884", "--http-port", "0", "--keys", "k.json", "--heartbeat-ms", "250", "--motor-deadline-ms", "80", "-h"]), {
    broker: "mqtt://10.0.0.2:1884",
    httpPort: 0,
    keys: "k.json",
    heartbeatMs: 250,
    motorDeadlineMs: 80,
    help: true,
  });
});

const badKeys = join(dir, "bad.json");
writeFileSync(badKeys, '{"agents": {"demo1": "xyz"}}');

/** The process: a bad option and bad keys files print one line on stderr and exit 2. */
const usageErrors: readonly [args: string[], stderr: RegExp][] = [
  [["--bogus"], /^brain: Unknown option '--bogus'.* \(see --help\)$/],
  [["--keys", join(dir, "missing.json"), "--port", "0", "--http-port", "0"], /^brain: keys file not found: .*missing\.json \(use --keys FILE; see brain\/keys\.example\.json for the format\)$/],
  [["--keys", badKeys, "--port", "0", "--http-port", "0"], /^brain: keys file .*bad\.json: key of agent "demo1" must be a hex string/],
];

for (const [args, re] of usageErrors) {
  test(`usage error: ${args.join(" ")} -> one line on stderr, exit 2`, async (t) => {
    const run = runCli(args);
    t.is(await run.exit, 2);
    const lines = run.stderr().trimEnd().split("\n");
    t.is(lines.length, 1, run.stderr());
    t.regex(lines[0], re);
    t.is(run.stdout(), "");
  });
}

test("a full run: addresses printed, an agent registers, SIGINT drains it and the brain exits 0", async (t) => {
  const run = runCli(["--port", "0", "--http-port", "0", "--foxglove-port", "0", "--heartbeat-ms", "500"]);
  t.teardown(() => run.child.kill("SIGKILL"));
  const broker = (await waitFor(run.stdout, /broker {2}(mqtt:\/\/127\.0\.0\.1:\d+) \(embedded aedes/))[1];
  const status = (await waitFor(run.stdout, /status {2}(http:\/\/127\.0\.0\.1:\d+\/status)/))[1];
  t.regex(run.stdout(), /keys {4}brain\/keys\.example\.json \(DEMO keys/);
  const key = loadKeysFile(join(ROOT, "brain/keys.example.json")).get("demo1")!;
  const agent = await ScriptedAgent.connect({ url: broker, agentId: "demo1", key, generation: 3 });
  t.teardown(() => agent.close());
  const reg = await agent.register();
  t.is(reg.heartbeatMs, 500);
  await waitFor(run.stdout, new RegExp(`agent demo1 registered: session 0x${reg.sessionId.toString(16).padStart(8, "0")}, generation 3, 4 channels`));
  const report = (await (await fetch(status)).json()) as { agents: { id: string; phase: string }[] };
  t.deepEqual(report.agents.map((a) => [a.id, a.phase]), [["demo1", "registered"]]);

  const ghost = await ScriptedAgent.connect({ url: broker, agentId: "ghost", key });
  t.teardown(() => ghost.close());
  await ghost.sendHello();
  t.is((await ghost.nextControl(5000)).type, MsgType.Rejected);
  await waitFor(run.stderr, /warn: agent ghost rejected: unknown-agent: unknown agent "ghost": no key for it in the brain's keys file/);

  // One Ctrl-C in a terminal under `npm run` arrives two or three times within milliseconds.
  run.child.kill("SIGINT");
  await new Promise((r) => setTimeout(r, 30));
  run.child.kill("SIGINT");
  const drain = await agent.nextControl(5000);
  t.deepEqual([drain.type, drain.reason, drain.retryAfterMs], [MsgType.Drain, 2, 5000], "operator drain, retry after 5 s");
  await agent.sendDeregister(DeregisterReason.Drain);
  const ack = await agent.nextControl(5000);
  t.deepEqual([ack.type, ack.reason], [MsgType.Deregistered, DeregisteredReason.DrainComplete]);
  t.is(await run.exit, 0);
  t.regex(run.stdout(), /SIGINT: draining 1 agent\(s\)/);
  t.regex(run.stdout(), /agent demo1 deregistered \(drain complete\)/);
  t.regex(run.stdout(), /brain stopped\n$/);
});
