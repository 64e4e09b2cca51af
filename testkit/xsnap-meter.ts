/*
 * xsnap-meter: builds a copy of the @agoric/xsnap worker binary with one extra global,
 * `memoryStats(arrayBuffer)`, so that benchmarks and tests can count what XS allocates.
 *
 * Theory of operation: the stock worker's meter cannot measure allocation (see
 * testkit/native/memory-stats.c for what `allocate` and `currentHeapCount` really are).
 * This module copies the package's xsnap sources into build/xs/xsnap-meter-<hash>/, patches
 * xsnap-worker.c and xsnapPlatform.c with the fragments in native/memory-stats.c, seeds the
 * object directory with the package's prebuilt release objects (timestamps preserved, so make
 * recompiles only the two patched files) and runs the package's own makefile with the same
 * flags it was installed with. The result is cached by a hash of the inputs; concurrent
 * builders each build in a private directory and rename it into place.
 * If anything fails (no cc, no make, an unexpected source layout), `ensureMeteredXsnap`
 * returns `{ bin: null, reason }` and callers fall back to the stock binary, which can still
 * count slots but not chunk bytes. Node-only (build tooling).
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..");
const patchFile = path.join(here, "native", "memory-stats.c");

export interface MeteredXsnap {
  /** Path of the patched xsnap-worker binary, or null when it could not be built. */
  bin: string | null;
  /** Why bin is null. */
  reason?: string;
}

function xsnapPackageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("@agoric/xsnap/package.json"));
}

function platformDir(): string | null {
  const t = os.type();
  return t === "Linux" ? "lin" : t === "Darwin" ? "mac" : null;
}

/** Replaces exactly one occurrence of anchor; throws when the source layout is not the expected one. */
function replaceOnce(src: string, anchor: string, replacement: string, file: string): string {
  const first = src.indexOf(anchor);
  if (first < 0 || src.indexOf(anchor, first + 1) >= 0) {
    throw new Error(`xsnap-meter: anchor not found exactly once in ${file}: ${JSON.stringify(anchor)}`);
  }
  return src.slice(0, first) + replacement + src.slice(first + anchor.length);
}

function patchFragments(): { platform: string; worker: string } {
  const text = fs.readFileSync(patchFile, "utf8");
  const p = text.indexOf("/* ==== appended to xsnapPlatform.c ==== */");
  const w = text.indexOf("/* ==== appended to xsnap-worker.c ==== */");
  if (p < 0 || w < 0 || w < p) throw new Error(`xsnap-meter: markers missing in ${patchFile}`);
  return { platform: text.slice(p, w), worker: text.slice(w) };
}

function patchWorker(src: string, fragment: string): string {
  const f = "xsnap-worker.c";
  // The host function must also be listed in the snapshot callback table (appended last, so
  // the indices of the stock callbacks do not move).
  src = replaceOnce(src, "#define mxSnapshotCallbackCount 18", "#define mxSnapshotCallbackCount 19", f);
  src = replaceOnce(
    src,
    "static void xs_resetMeter(xsMachine* the);",
    "static void xs_resetMeter(xsMachine* the);\nstatic void xs_memoryStats(xsMachine* the); /* brainstem */",
    f,
  );
  src = replaceOnce(src, "\tfx_harden, // 17\n", "\tfx_harden, // 17\n\txs_memoryStats, // 18 (brainstem)\n", f);
  src = replaceOnce(
    src,
    '\txsDefine(xsGlobal, xsID("resetMeter"), xsResult, xsDontEnum);\n',
    '\txsDefine(xsGlobal, xsID("resetMeter"), xsResult, xsDontEnum);\n' +
      '\txsResult = xsNewHostFunction(xs_memoryStats, 2); /* brainstem */\n' +
      '\txsDefine(xsGlobal, xsID("memoryStats"), xsResult, xsDontEnum);\n',
    f,
  );
  return src + "\n" + fragment;
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

function copyDirPreservingTimes(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    const a = path.join(from, name);
    const b = path.join(to, name);
    if (fs.statSync(a).isFile()) {
      fs.copyFileSync(a, b);
      const st = fs.statSync(a);
      fs.utimesSync(b, st.atime, st.mtime);
    }
  }
}

function build(pkg: string, plat: string, outDir: string): string {
  const native = path.join(pkg, "xsnap-native", "xsnap");
  const sources = path.join(outDir, "sources");
  const buildDir = path.join(outDir, "build");
  copyDirPreservingTimes(path.join(native, "sources"), sources);
  const prebuilt = path.join(native, "build", "tmp", plat, "release", "xsnap-worker");
  const objDir = path.join(buildDir, "tmp", plat, "release", "xsnap-worker");
  if (fs.existsSync(prebuilt)) copyDirPreservingTimes(prebuilt, objDir); // else make compiles everything
  const { platform, worker } = patchFragments();
  const workerPath = path.join(sources, "xsnap-worker.c");
  fs.writeFileSync(workerPath, patchWorker(fs.readFileSync(workerPath, "utf8"), worker));
  const platPath = path.join(sources, "xsnapPlatform.c");
  fs.writeFileSync(platPath, fs.readFileSync(platPath, "utf8") + "\n" + platform);
  // The objects of the two patched files must be rebuilt even if their mtimes tie.
  for (const o of ["xsnap-worker.o", "xsnapPlatform.o"]) fs.rmSync(path.join(objDir, o), { force: true });
  const xsnapVersion = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).version;
  run(
    "make",
    [
      "-f",
      path.join(native, "makefiles", plat, "xsnap-worker.mk"),
      `MODDABLE=${path.join(pkg, "moddable")}`,
      "GOAL=release",
      `BUILD_DIR=${buildDir}`,
      `TLS_DIR=${sources}`,
      `XSNAP_VERSION=${xsnapVersion}`,
      "-j2",
    ],
    path.join(native, "makefiles", plat),
  );
  const bin = path.join(buildDir, "bin", plat, "release", "xsnap-worker");
  if (!fs.existsSync(bin)) throw new Error(`xsnap-meter: make succeeded but ${bin} is missing`);
  return bin;
}

let cached: MeteredXsnap | undefined;

/**
 * Returns the patched worker binary, building it on first use (about 2 s with the package's
 * prebuilt objects, a minute or two without). Never throws: failures come back as
 * `{ bin: null, reason }`.
 */
export function ensureMeteredXsnap(): MeteredXsnap {
  if (cached) return cached;
  try {
    const plat = platformDir();
    if (!plat) return (cached = { bin: null, reason: `unsupported platform ${os.type()}` });
    const pkg = xsnapPackageDir();
    const hash = createHash("sha256")
      .update(fs.readFileSync(patchFile))
      .update(fs.readFileSync(path.join(pkg, "package.json")))
      .update(fs.readFileSync(path.join(pkg, "xsnap-native", "xsnap", "sources", "xsnap-worker.c")))
      .update(fs.readFileSync(fileURLToPath(import.meta.url)))
      .update(plat)
      .digest("hex")
      .slice(0, 12);
    const finalDir = path.join(repoRoot, "build", "xs", `xsnap-meter-${hash}`);
    const finalBin = path.join(finalDir, "build", "bin", plat, "release", "xsnap-worker");
    if (fs.existsSync(finalBin)) return (cached = { bin: finalBin });
    const tmpDir = `${finalDir}.tmp-${process.pid}`;
    fs.rmSync(tmpDir, { recursive: true, force: true });
    try {
      build(pkg, plat, tmpDir);
      try {
        fs.renameSync(tmpDir, finalDir);
      } catch (e) {
        // Another process won the race; use its copy.
        if (!fs.existsSync(finalBin)) throw e;
      }
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    // Drop builds from older inputs (only complete ones; another builder may own a .tmp dir).
    for (const name of fs.readdirSync(path.dirname(finalDir))) {
      if (/^xsnap-meter-[0-9a-f]+$/.test(name) && name !== path.basename(finalDir)) {
        fs.rmSync(path.join(path.dirname(finalDir), name), { recursive: true, force: true });
      }
    }
    return (cached = { bin: finalBin });
  } catch (e) {
    return (cached = { bin: null, reason: (e as Error).message });
  }
}
