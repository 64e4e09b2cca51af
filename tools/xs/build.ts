/*
 * build: `npm run build:xs` — prepares everything the XS host, the tests and the benchmarks
 * need under build/xs/ (gitignored).
 *
 *   tsx tools/xs/build.ts                       default build:
 *       1. the metered xsnap worker (testkit/xsnap-meter.ts), used to count allocation;
 *          if it cannot be built, a warning is printed and callers use the stock worker;
 *       2. hosts/xs/firmware-entry.ts -> build/xs/firmware.js, when that entry exists.
 *   tsx tools/xs/build.ts ENTRY.ts [--out FILE] [--global NAME]
 *       bundles one entry (default output build/xs/<entry name>.js).
 *
 * Bundles are single IIFE scripts for XS (see hosts/xs/bundle.ts). Importing a Node built-in
 * fails the build with exit code 1. Test suites are bundled on demand by test/helpers/xs.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { bundleForXs, repoRoot } from "../../hosts/xs/bundle";
import { ensureMeteredXsnap } from "../../testkit/xsnap-meter";

const outDir = path.join(repoRoot, "build", "xs");

async function bundleTo(entry: string, out: string, globalName?: string): Promise<void> {
  const script = await bundleForXs(entry, { globalName });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, script);
  console.log(`build:xs: ${path.relative(repoRoot, entry)} -> ${path.relative(repoRoot, out)} (${script.length} bytes)`);
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    const meter = ensureMeteredXsnap();
    if (meter.bin) console.log(`build:xs: metered xsnap worker ${path.relative(repoRoot, meter.bin)}`);
    else console.warn(`build:xs: WARNING: metered xsnap worker not built (${meter.reason}); XS allocation figures will be unavailable`);
    const firmware = path.join(repoRoot, "hosts", "xs", "firmware-entry.ts");
    if (fs.existsSync(firmware)) await bundleTo(firmware, path.join(outDir, "firmware.js"), "brainstemFirmware");
    else console.log("build:xs: hosts/xs/firmware-entry.ts not present; no firmware bundle");
    return;
  }
  let entry: string | undefined;
  let out: string | undefined;
  let globalName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") out = argv[++i];
    else if (a === "--global") globalName = argv[++i];
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else if (entry === undefined) entry = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!entry) throw new Error("usage: tsx tools/xs/build.ts [ENTRY.ts [--out FILE] [--global NAME]]");
  const abs = path.resolve(entry);
  if (!fs.existsSync(abs)) throw new Error(`entry not found: ${entry}`);
  await bundleTo(abs, path.resolve(out ?? path.join(outDir, path.basename(abs).replace(/\.ts$/, ".js"))), globalName);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`build:xs failed: ${(e as Error).message}`);
  process.exit(1);
});
