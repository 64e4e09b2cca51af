/*
 * manifest.json's platform sections: each one that builds must define, in its own config,
 * every pin name that the channel table uses.
 *
 * mcconfig deep-merges the matching platform section's "config" into the base config, so a
 * pin that a section leaves out would silently take the base's (another board's) GPIO. The
 * base config therefore defines no pins, the channel table names pins only through "pins",
 * and for every buildable section the merged config parses (hosts/moddable/settings.ts) with
 * exactly the section's own pins, no two names on one GPIO.
 */
import test from "ava";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import manifest from "../manifest.json";
import { parseSettings } from "../hosts/moddable/settings";
import { manifestConfigFor } from "./vectors/moddable-settings.suite";

type Json = Record<string, unknown>;
const PIN_FIELDS = ["pin", "pins", "dirPin", "dirPin2", "pinB"];

/** Every pin reference in a channel table, as [where, value]. */
function pinReferences(channels: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  (channels as Json[]).forEach((ch, i) => {
    const specs = Array.isArray(ch.io) ? (ch.io as Json[]) : ch.io === undefined ? [] : [ch.io as Json];
    specs.forEach((spec, j) => {
      for (const field of PIN_FIELDS) {
        const v = spec[field];
        if (v === undefined) continue;
        const at = `channels[${i}]${Array.isArray(ch.io) ? `.io[${j}]` : ".io"}.${field}`;
        if (Array.isArray(v)) v.forEach((p, k) => out.push([`${at}[${k}]`, p]));
        else out.push([at, v]);
      }
    });
  });
  return out;
}

const sections = Object.entries(manifest.platforms as Record<string, Json>);
const buildable = sections.filter(([, s]) => s.error === undefined);

test("manifest: the base config defines no pins, and the channel table uses pin names only", (t) => {
  t.is((manifest.config as Json).pins, undefined);
  const refs = pinReferences(manifest.config.channels);
  t.true(refs.length >= 8, `pin references found: ${refs.length}`);
  for (const [at, v] of refs) t.is(typeof v, "string", `${at} is a name from "pins", not a GPIO number`);
});

test("manifest: every platform section that builds defines every pin the channel table uses", (t) => {
  t.deepEqual(buildable.map(([name]) => name).sort(), ["esp32", "lin", "mac", "pico/pico_2_w", "pico/pico_w", "win"]);
  for (const [name, section] of buildable) {
    const own = ((section.config as Json | undefined)?.pins ?? {}) as Record<string, number>;
    const merged = manifestConfigFor(name);
    for (const [at, pin] of pinReferences(merged.channels)) t.true(Object.hasOwn(own, pin as string), `${name}: ${at} = ${JSON.stringify(pin)} is not in the section's config.pins`);
    t.deepEqual(merged.pins, own, `${name}: the merged pins are the section's own`);
    const gpios = Object.values(own);
    t.is(new Set(gpios).size, gpios.length, `${name}: no GPIO has two names (${JSON.stringify(own)})`);
    t.notThrows(() => parseSettings(merged), `${name}: the merged config parses`);
  }
});

test("manifest: the Pico 2 W is wired like the Pico W (the two boards are pin-compatible)", (t) => {
  t.deepEqual(manifestConfigFor("pico/pico_2_w").pins, manifestConfigFor("pico/pico_w").pins);
});

/** Every .ts file under dir, as a path relative to the repository without ".ts". */
function modulesUnder(dir: string): string[] {
  const root = fileURLToPath(new URL("..", import.meta.url));
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `${dir}/${f.slice(0, -3)}`);
}

test("manifest: every src/ module is preloaded, and every hosts/moddable module is built", (t) => {
  const preload = manifest.preload as string[];
  for (const m of modulesUnder("src")) t.true(preload.includes(m), `${m} is in "preload" (XS keeps preloaded modules in flash)`);
  const modules = new Set(Object.keys(manifest.modules));
  for (const s of buildable) for (const m of Object.keys((s[1].modules ?? {}) as Json)) modules.add(m);
  // Platform sections map "hosts/moddable/board" to board-device or board-sim; native/ is C.
  const platformOnly = ["hosts/moddable/board-device", "hosts/moddable/board-sim", "hosts/moddable/board-types", "hosts/moddable/io-types"];
  for (const m of modulesUnder("hosts/moddable").filter((m) => !m.startsWith("hosts/moddable/native/") && !platformOnly.includes(m)))
    t.true(modules.has(m), `${m} is in "modules" (of the base or of every board's section)`);
});
