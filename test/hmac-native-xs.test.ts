/*
 * The native modules as the firmware loads them: hosts/moddable/native/check (the HMAC-SHA256:
 * RFC 4231 cases 1-7 whole and chunked at offsets, finishAndCompare, matchesTag, misuse
 * throws; the byte copy: against a loop, overlaps, misuse throws) built
 * with the Moddable SDK for its command-line Linux target (mcconfig -p x-cli-lin: XS plus the
 * module's C, compiled by the host cc) and run. Needs $MODDABLE with its tools built (build/bin/lin/release/mcconfig);
 * skipped, with the reason in its title, elsewhere. The build goes to build/moddable-check and
 * is incremental (the first one takes minutes on a small machine).
 */
import test from "ava";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sdk = process.env.MODDABLE;
const tools = sdk ? path.join(sdk, "build", "bin", "lin", "release") : "";
const missing = !sdk ? "$MODDABLE is not set" : !fs.existsSync(path.join(tools, "mcconfig")) ? `no mcconfig in ${tools}` : null;
const title = "native HMAC-SHA256 and byte copy under XS (Moddable x-cli-lin build): RFC 4231 cases, finishAndCompare, matchesTag, copyBytes and misuse";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, out }));
  });
}

if (missing) test.skip(`${title} (skipped: ${missing})`, () => {});
else
  test(title, async (t) => {
    t.timeout(15 * 60_000);
    const outDir = path.join(root, "build", "moddable-check");
    fs.mkdirSync(outDir, { recursive: true });
    const env = { ...process.env, PATH: `${tools}:${process.env.PATH}`, MAKEFLAGS: "SHELL=/bin/bash" };
    const built = await run(path.join(tools, "mcconfig"), ["-m", "-p", "x-cli-lin", "-o", outDir, "hosts/moddable/native/check/manifest.json"], env);
    t.is(built.code, 0, `mcconfig failed:\n${built.out.slice(-3000)}`);
    if (built.code !== 0) return;
    const ran = await run(path.join(outDir, "bin", "lin", "release", "check"), [], env);
    t.log(ran.out.trim().split("\n").slice(-1)[0]);
    t.is(ran.code, 0, ran.out);
    t.regex(ran.out, /^native checks: 42 passed, 0 failed$/m);
    t.notRegex(ran.out, /^FAIL/m);
  });
