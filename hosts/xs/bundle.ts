/*
 * bundle: turns a TypeScript entry (and everything it imports) into one plain script that
 * XS can `eval` inside @agoric/xsnap.
 *
 * Theory of operation: esbuild bundles the entry as an IIFE (optionally assigning its exports
 * to globalThis[globalName]), strict mode, target es2022, platform "neutral", in memory. A resolver plugin refuses every
 * Node built-in ("fs", "node:crypto", ...) with a loud error naming the importer, unless the
 * caller maps that built-in to an npm polyfill (e.g. `{ buffer: "buffer/" }` for peers such as
 * mqtt-packet). Firmware code and test suites never get polyfills: src/ must run unchanged.
 *
 * What the xsnap global scope offers (checked with @agoric/xsnap 0.15, see
 * test/xs-harness.test.ts): print(...), gc(), performance.now() (µs resolution),
 * Date.now(), TextEncoder, TextDecoder, Base64, harden, setImmediate, issueCommand(buffer),
 * WeakRef, FinalizationRegistry, SharedArrayBuffer, Atomics, currentMeterLimit, resetMeter,
 * and, in the binary testkit/xsnap-meter.ts builds, memoryStats(buffer, resetPeaks).
 * There is NO console, setTimeout, setInterval, queueMicrotask, process or Buffer.
 * Node-only (build tooling).
 */
import { build, type Plugin } from "esbuild";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");

const builtins = new Set(builtinModules.filter((m) => !m.startsWith("_")));

export interface BundleOptions {
  /** Assign the entry's exports to this global (`var NAME = ...`). Omit for a side-effect script. */
  globalName?: string;
  /** Node built-in name -> module specifier (resolved from the repo root) to use instead. */
  polyfills?: Record<string, string>;
  /** esbuild `platform`: "neutral" (default) or "browser" (honours package.json "browser" maps). */
  platform?: "neutral" | "browser";
  /** Compile-time constants, as esbuild `define`. */
  define?: Record<string, string>;
  /** Modules whose exports become free globals (esbuild `inject`), e.g. a Buffer shim. */
  inject?: string[];
  /** Script text placed before the bundle (e.g. global shims a peer library expects). */
  banner?: string;
}

/** Entry given as source text instead of a file (used for the generated suite runners). */
export interface InlineEntry {
  contents: string;
  /** Directory that relative imports in `contents` resolve from. */
  resolveDir: string;
}

function noNodeBuiltins(polyfills: Record<string, string>): Plugin {
  const require = createRequire(path.join(repoRoot, "package.json"));
  return {
    name: "no-node-builtins",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        // "fs", "fs/promises", "node:anything" are built-ins; "process/" (trailing slash) names
        // the npm package of that name and resolves normally.
        const name = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!builtins.has(name) && !args.path.startsWith("node:")) return undefined;
        const replacement = polyfills[name];
        if (replacement !== undefined) return { path: require.resolve(replacement) };
        return {
          errors: [
            {
              text:
                `Node built-in "${args.path}" imported by ${path.relative(repoRoot, args.importer) || "<entry>"}: ` +
                `XS bundles may not use Node built-ins`,
            },
          ],
        };
      });
    },
  };
}

/**
 * Bundles `entry` (a path relative to the repo root or absolute, or inline source) into one
 * script for XS. Throws with esbuild's messages when bundling fails, including any use of a
 * Node built-in.
 */
export async function bundleForXs(entry: string | InlineEntry, opts: BundleOptions = {}): Promise<string> {
  const g = opts.globalName;
  if (g !== undefined && !/^[A-Za-z_$][\w$]*$/.test(g)) throw new Error(`bundleForXs: bad globalName ${g}`);
  const result = await build({
    ...(typeof entry === "string"
      ? { entryPoints: [path.resolve(repoRoot, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, loader: "ts", sourcefile: "xs-entry.ts" } }),
    bundle: true,
    write: false,
    format: "iife",
    globalName: opts.globalName,
    target: "es2022",
    platform: opts.platform ?? "neutral",
    mainFields: opts.platform === "browser" ? ["browser", "module", "main"] : ["module", "main"],
    conditions: opts.platform === "browser" ? ["browser"] : [],
    define: opts.define,
    inject: opts.inject,
    plugins: [noNodeBuiltins(opts.polyfills ?? {})],
    logLevel: "silent",
    // esbuild starts the script with "use strict", so an eval of it keeps its `var` local:
    // publish the exports explicitly.
    footer: g ? { js: `globalThis.${g} = ${g};` } : undefined,
    banner: opts.banner ? { js: opts.banner } : undefined,
    legalComments: "none",
    charset: "utf8",
  });
  if (result.outputFiles.length !== 1) throw new Error(`bundleForXs: expected one output, got ${result.outputFiles.length}`);
  return result.outputFiles[0].text;
}
