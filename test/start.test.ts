/*
 * `npm start` (tools/start.ts), spawned as a real process, with an external broker:
 *   - --broker mqtts:// against a Mosquitto that listens with TLS only: the brain, the XS
 *     device and a Node device all get active, so every one of them spoke TLS and verified
 *     the broker's certificate against --ca;
 *   - without --ca the test CA is unknown, and npm start refuses in one line;
 *   - stdout that is not a terminal gets plain status lines, no cursor codes;
 *   - a Ctrl-C during the start-up (sent twice, as npm delivers one) stops cleanly with 0;
 *   - option errors are one line on stderr and exit code 2.
 * Needs build/xs (npm test builds it first).
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMosquitto } from "../testkit/brokers";
import { tempDir } from "../testkit/temp-dir";
import { writeTestCerts } from "../testkit/test-certs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Runs npm start; `onOut` sees stdout so far after each chunk (and may signal the child). */
function start(args: string[], onOut?: (out: string, child: ChildProcess) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import=tsx", join(ROOT, "tools/start.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      onOut?.(out, child);
    });
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

test("--broker mqtts:// with --ca: the brain and every device connect over TLS", async (t) => {
  const certs = writeTestCerts(tempDir(t, "bs-start-tls-"));
  const broker = await startMosquitto({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  t.teardown(() => broker.stop());
  t.true(broker.url.startsWith("mqtts://"));
  const r = await start(["--broker", broker.url, "--ca", certs.caFile, "--agents", "1", "--seconds", "5", "--quiet"]);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /brain: broker mqtts:\/\/127\.0\.0\.1:\d+ \(TLS, certificate verified\)/);
  t.regex(r.out, /xs1 active gen \d+ \| sensor [1-9]/, "the XS device is active over TLS");
  t.regex(r.out, /node fleet: 1\/1 active/, "the Node device is active over TLS");
  t.regex(r.out, /xs1 (deregistered|idle|stopped); 1 node devices stopped; brain closed/);
  // stdout is a pipe here: plain lines, no cursor codes, the clock offset explained once.
  t.false(/[\r\x1b]/.test(r.out), JSON.stringify(r.out));
  t.is(r.out.split("clock offset = the device's clock minus the brain's").length, 2);
});

test("Ctrl-C during the start-up (delivered twice, as under npm) stops what has started and exits 0", async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  let sent = false;
  const r = await start(["--broker", broker.url, "--quiet"], (out, child) => {
    if (sent || !out.includes("brain: broker")) return; // the XS device is booting now
    sent = true;
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGINT"), 30);
  });
  t.true(sent);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /stopping: deregistering every device/);
  t.regex(r.out, /0 node devices stopped; brain closed\. bye\.\n$/);
});

test("--broker mqtts:// whose certificate does not verify: refused in one line, nothing runs", async (t) => {
  const certs = writeTestCerts(tempDir(t, "bs-start-tls-"));
  const broker = await startMosquitto({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  t.teardown(() => broker.stop());
  const r = await start(["--broker", broker.url, "--seconds", "5"]); // no --ca: the test CA is not a system CA
  t.is(r.code, 2, r.out + r.err);
  t.regex(r.err, /^npm start: cannot connect to the MQTT broker at mqtts:\/\/127\.0\.0\.1:\d+: .*certificate/);
  t.notRegex(r.out, /device xs1/);
});

/** [arguments, the one-line error]. */
const BAD: [string[], RegExp][] = [
  [["--broker", "mqtt://127.0.0.1:1883", "--ca", "ca.crt"], /^npm start: --ca is for a TLS broker: use it with --broker mqtts:\/\/host:port$/m],
  [["--broker", "mqtts://127.0.0.1:8883", "--ca", "/nonexistent/ca.crt"], /^npm start: --ca: cannot read \/nonexistent\/ca\.crt: ENOENT$/m],
  [["--broker", "mqtts://127.0.0.1:8883", "--ca", fileURLToPath(new URL("../package.json", import.meta.url))], /^npm start: --ca: .*package\.json holds no PEM certificate$/m],
  [["--broker", "ws://127.0.0.1:1883"], /^npm start: --broker must look like mqtt:\/\/host:port or mqtts:\/\/host:port \(got ws:\/\/127\.0\.0\.1:1883\)$/m],
  [["--broker", "mqtts://127.0.0.1:8883/path"], /^npm start: --broker must look like/m],
  [["--bogus"], /^npm start: Unknown option '--bogus'/m],
];

for (const [args, want] of BAD)
  test(`npm start ${args.join(" ")}: one-line error, exit 2`, async (t) => {
    const r = await start(args);
    t.is(r.code, 2);
    t.regex(r.err, want);
    t.is(r.err.trim().split("\n").length, 2, `the error and the --help hint: ${r.err}`);
    t.is(r.out, "");
  });
