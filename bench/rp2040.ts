/*
 * bench/rp2040 (section "rp2040"): cycles on an emulated RP2040 (rp2040js, tools/rp2040/run.ts).
 *
 * Two firmware images, built here from this repository with SDKs installed by hand outside it:
 *   - bench/rp2040/manifest.json, the XS firmware (`mcconfig -m -t build -p pico`): the real
 *     agent against the in-memory brain of session-loop.ts at 20 and 50 Hz, with the native C
 *     HMAC (the boards' default) and with the TypeScript one; the frame and PUBLISH codecs;
 *     both HMAC engines; the XS heap after boot (bench/rp2040/main.ts prints the lines);
 *   - bench/rp2040/hmac-bare, a Pico SDK program without XS: RFC 4231 cases 1-7 and the cycles
 *     of the same C HMAC (hmac-sha256-core.c over the Moddable SDK's fips180.c).
 * Needs: MODDABLE (with its tools built), PICO_SDK_DIR or PICO_SDK_PATH (Pico SDK 2.2.0 with
 * pioasm and picotool built under its build/), PICO_ROOT holding pico-examples (the Moddable
 * build checks for it), RP2040_BOOTROM (see tools/rp2040/run.ts), arm-none-eabi-gcc, cmake and
 * ninja. Where any is missing, the section returns its rows with null figures and a note
 * "skipped: <why>". Builds go to build/rp2040/ (incremental).
 * Rows: ours = the native C HMAC (or our codec), peer = the TypeScript HMAC where it applies
 * (ratio > 1: the C HMAC is cheaper). Share of a core = cycles per tick x rate / 133 MHz.
 * No emulated USB host is attached (rp2040js's host model keeps the device's USB stack in
 * interrupts, about two thirds of all cycles; a board on its own power has no host).
 * rp2040js counts the M0+'s instruction cycles with zero-wait memory: on a real chip, code and
 * constants fetched from XIP flash add cycles on cache misses, so these are lower bounds.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { row, type BenchContext, type Row } from "./lib";
import { loadBootrom, runImage, type UartLine } from "../tools/rp2040/run";

const SECTION = "rp2040";
const CORE_HZ = 133e6;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Env {
  moddable: string;
  picoSdk: string;
  picoRoot: string;
  bootrom: Uint32Array;
}

async function environment(): Promise<Env | string> {
  const moddable = process.env.MODDABLE;
  if (!moddable) return "MODDABLE is not set (the Moddable SDK)";
  if (!fs.existsSync(path.join(moddable, "build", "bin", "lin", "release", "mcconfig"))) return `no mcconfig under ${moddable}/build/bin/lin/release`;
  const picoSdk = process.env.PICO_SDK_DIR ?? process.env.PICO_SDK_PATH;
  if (!picoSdk) return "PICO_SDK_DIR / PICO_SDK_PATH is not set (the Pico SDK)";
  const picoRoot = process.env.PICO_ROOT ?? path.dirname(picoSdk);
  if (!fs.existsSync(path.join(picoRoot, "pico-examples"))) return `no pico-examples in PICO_ROOT=${picoRoot}`;
  for (const tool of ["arm-none-eabi-gcc", "cmake", "ninja"]) {
    if (spawnSync("which", [tool]).status !== 0) return `${tool} not found`;
  }
  const bootrom = await loadBootrom();
  if (typeof bootrom === "string") return bootrom;
  return { moddable, picoSdk, picoRoot, bootrom };
}

function sh(ctx: BenchContext, cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} failed (${code}):\n${out.slice(-4000)}`));
    });
    ctx.log(`$ ${cmd} ${args.join(" ")}`);
  });
}

async function buildXsFirmware(ctx: BenchContext, e: Env): Promise<string> {
  const out = path.join(root, "build", "rp2040", "xs");
  fs.mkdirSync(out, { recursive: true });
  const env = {
    ...process.env,
    PICO_SDK_DIR: e.picoSdk,
    PICO_ROOT: e.picoRoot,
    PICO_GCC_ROOT: process.env.PICO_GCC_ROOT ?? path.dirname(path.dirname(spawnSync("which", ["arm-none-eabi-gcc"], { encoding: "utf8" }).stdout.trim())),
    PATH: `${path.join(e.moddable, "build", "bin", "lin", "release")}:${path.join(root, "node_modules", ".bin")}:${process.env.PATH}`,
    MAKEFLAGS: "SHELL=/bin/bash",
  };
  await sh(ctx, "mcconfig", ["-m", "-t", "build", "-p", "pico", "-o", out, "bench/rp2040/manifest.json"], env);
  return path.join(out, "bin", "pico", "release", "rp2040", "xs_pico.elf");
}

async function buildBare(ctx: BenchContext, e: Env): Promise<string> {
  const out = path.join(root, "build", "rp2040", "hmac-bare");
  fs.mkdirSync(out, { recursive: true });
  const env = { ...process.env, PICO_SDK_PATH: e.picoSdk, MODDABLE: e.moddable };
  if (!fs.existsSync(path.join(out, "build.ninja"))) {
    await sh(ctx, "cmake", ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", path.join(root, "bench", "rp2040", "hmac-bare")], env, out);
  }
  await sh(ctx, "ninja", [], env, out);
  return path.join(out, "bs_hmac_bare.elf");
}

function fields(lines: UartLine[], prefix: string): string[][] {
  return lines.filter((l) => l.text.startsWith(prefix)).map((l) => l.text.slice(prefix.length).trim().split(/\s+/));
}

function pct(cycles: number, hz: number): number {
  return (100 * cycles * hz) / CORE_HZ;
}

const CASES = [
  "steady-state tick, agent, 20 Hz (cycles)",
  "steady-state tick, agent, 50 Hz (cycles)",
  "share of one 133 MHz core, agent at 20 Hz",
  "share of one 133 MHz core, agent at 50 Hz",
  "HMAC-SHA256 of the motor-frame MAC (25 bytes)",
  "frame encode 16 f32 + 8 i16",
  "frame decode 16 f32 + 8 i16",
  "XS heap in use after boot",
];

export async function run(ctx: BenchContext): Promise<Row[]> {
  const e = await environment();
  if (typeof e === "string") {
    ctx.log(`skipped: ${e}`);
    return CASES.map((c) => row(SECTION, c, null, null, "n/a", `skipped: ${e}`));
  }
  const rows: Row[] = [];
  const maxCycles = 20e9;

  const bare = await buildBare(ctx, e);
  const t0 = Date.now();
  const b = await runImage({ image: bare, bootrom: e.bootrom, maxCycles, usbHost: false, until: "done", onLine: (l) => ctx.log(`rp2040 bare [${l.cycles}] ${l.text}`) });
  ctx.log(`rp2040 bare: ${b.stopped} after ${b.cycles} cycles in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rfc = fields(b.lines, "rfc4231");
  const rfcOk = rfc.filter((f) => f[1] === "ok").length;
  const bareCycles = Object.fromEntries(fields(b.lines, "cycles").map((f) => [f[0], Number(f[1])]));
  if (rfcOk !== 7) throw new Error(`rp2040: the bare C HMAC passed ${rfcOk} of 7 RFC 4231 cases on the emulated RP2040`);

  const xs = await buildXsFirmware(ctx, e);
  const t1 = Date.now();
  const r = await runImage({ image: xs, bootrom: e.bootrom, maxCycles, usbHost: false, until: ["bench done", "bench error"], onLine: (l) => ctx.log(`rp2040 xs [${l.cycles}] ${l.text}`) });
  ctx.log(`rp2040 xs: ${r.stopped} after ${r.cycles} cycles in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const err = r.lines.find((l) => l.text.startsWith("bench error"));
  if (err) throw new Error(`rp2040: the firmware failed: ${err.text}`);
  if (r.stopped !== "until") throw new Error(`rp2040: the XS firmware did not finish (${r.stopped} after ${r.cycles} cycles; last line: ${r.lines.at(-1)?.text ?? "none"})`);

  const xsRfc = fields(r.lines, "bench rfc4231");
  const xsRfcOk = xsRfc.filter((f) => f[1] === "ok").length;
  if (xsRfc.length === 0 || xsRfcOk !== xsRfc.length) throw new Error(`rp2040: the C HMAC through XS passed ${xsRfcOk} of ${xsRfc.length} RFC 4231 cases`);
  const op = Object.fromEntries(fields(r.lines, "bench op").map((f) => [f[0], Number(f[1])]));
  const tick: Record<string, { agent: number; brain: number }> = {};
  for (const f of fields(r.lines, "bench tick ")) tick[`${f[0]}-${f[1]}`] = { agent: Number(f[3]), brain: Number(f[4]) };
  const jsCopy = fields(r.lines, "bench tick-jscopy ")[0];
  const heap = Object.fromEntries(fields(r.lines, "bench heap").map((f) => [f[0], f.slice(1).map(Number)]));
  const cyc = "cycles";
  const bareNote = `bare Pico SDK program, no XS: ${bareCycles["hmac-25"]} cycles per 25-byte HMAC, set_key ${bareCycles["set_key-32"]}; RFC 4231 on the emulated RP2040: cases 1-7 ${rfcOk}/7 ok in C, ${xsRfcOk}/${xsRfc.length} ok through the XS binding`;
  for (const hz of [20, 50]) {
    const n = tick[`native-${hz}`];
    const s = tick[`soft-${hz}`];
    const js = hz === 20 && jsCopy ? `; with the socket's copies in JS loops instead of native: ${jsCopy[3]} cycles/tick` : "";
    rows.push(row(SECTION, `steady-state tick, agent, ${hz} Hz: C HMAC vs TypeScript HMAC`, n.agent, s.agent, "cycles/tick", `in-memory brain (not device work): ${n.brain} cycles/tick; socket copies native (C memmove)${js}`));
  }
  for (const hz of [20, 50]) {
    rows.push(row(SECTION, `share of one 133 MHz core, agent at ${hz} Hz: C HMAC vs TypeScript HMAC`, pct(tick[`native-${hz}`].agent, hz), pct(tick[`soft-${hz}`].agent, hz), "% of a core"));
  }
  rows.push(row(SECTION, "HMAC-SHA256, motor-frame MAC (25 bytes), from XS: C vs TypeScript", op["hmac-native-25"], op["hmac-soft-25"], cyc, bareNote));
  rows.push(row(SECTION, "motor-frame MAC check (verifyMotorMac: 25 bytes, 16-byte compare), from XS: C vs TypeScript", op["hmac-native-verify-25"], op["hmac-soft-verify-25"], cyc));
  rows.push(row(SECTION, "HMAC-SHA256 setKey (32-byte key), from XS: C vs TypeScript", op["hmac-native-setkey"], op["hmac-soft-setkey"], cyc));
  for (const name of ["frame-encode", "frame-decode", "frame-decode-in-place", "publish-encode", "publish-decode"]) {
    rows.push(row(SECTION, `${name.replace(/-/g, " ")} 16 f32 + 8 i16 (XS)`, op[name], null, cyc));
  }
  for (const [name, cycles] of fields(r.lines, "bench micro ")) {
    rows.push(row(SECTION, `XS on the M0+: ${name} (tiny loop, per iteration${name === "empty" ? "" : ", minus the empty loop"})`, Number(cycles), null, "cycles"));
  }
  const boot = heap["boot"];
  rows.push(row(SECTION, "XS heap in use after boot (slots + chunks)", boot[0] + boot[1], null, "bytes", `slots ${boot[0]} B + chunks ${boot[1]} B of ${boot[4]} + ${boot[5]} B; after the ops ${heap["after-ops"][0] + heap["after-ops"][1]} B`));
  for (const [name, slots, chunks] of fields(r.lines, "bench growth")) {
    rows.push(row(SECTION, `XS heap growth over the tick window (${name})`, Number(slots) + Number(chunks), null, "bytes", `slots ${slots} B + chunks ${chunks} B in use after the window minus just before it, no collection in between (0: the ticks allocated nothing)`));
  }
  return rows;
}
