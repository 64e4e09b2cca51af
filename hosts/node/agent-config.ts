/*
 * hosts/node/agent-config: the laptop agent's JSON config file, checked with every problem listed.
 *
 * Theory of operation: the file holds one agent object, or {"agents": [ ... ]} for several.
 * Each agent: id, key (hex), brokers ("host:port" list, tried in turn), optional
 * firmwareVersion, maxFrameBytes, logLevel, sensorRateHz, session (timings, as the firmware's
 * `session` config), script (a module that computes sensor values) and channels. A channel
 * is the firmware's channel (id, name, unit, kind, type, count, rateHz, safe) plus, for
 * sensors, `wave`: {shape sine|triangle|square|ramp|constant, periodMs, min, max, phase}, the
 * same signal spec as the manifest's simulated IO. The file is checked in two layers: the
 * file's own shape here (JSON syntax, unknown fields, key hex, waves,
 * repeated ids), then each agent through the firmware's own resolveAgentConfig
 * (src/agent/config.ts: broker addresses too), so the laptop refuses exactly what a board
 * refuses. The firmware rotates through the brokers itself. Every problem is
 * reported as "agents[i] (id): field: reason"; the CLI prints them all and exits 2.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { resolveAgentConfig, type AgentConfigInput, type BrokerAddress, type ChannelConfig } from "../../src/agent/config";
import type { WaveSpec } from "../moddable/io-types";

/** One agent of the file, checked and ready for NodeAgent. */
export interface LaptopAgent {
  config: AgentConfigInput;
  brokers: BrokerAddress[];
  /** Per sensor channel id: its wave (default: a sine per channel). */
  waves: Map<number, WaveSpec>;
  /** Absolute path of the sensor script, if any. */
  script: string | null;
}

const AGENT_FIELDS = ["id", "key", "brokers", "firmwareVersion", "maxFrameBytes", "logLevel", "sensorRateHz", "session", "script", "channels", "_comment"];
const CHANNEL_FIELDS = ["id", "name", "unit", "kind", "type", "count", "rateHz", "safe", "wave", "_comment"];
const WAVE_FIELDS = ["shape", "periodMs", "min", "max", "phase"];
const SHAPES = ["sine", "triangle", "square", "ramp", "constant"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownFields(o: Record<string, unknown>, known: readonly string[], at: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${at}${k}: unknown field (known: ${known.filter((f) => f !== "_comment").join(", ")})`);
}

function parseWave(w: unknown, at: string, problems: string[]): WaveSpec | null {
  if (!isObject(w)) {
    problems.push(`${at}: must be an object {shape, periodMs, min, max, phase}`);
    return null;
  }
  unknownFields(w, WAVE_FIELDS, `${at}.`, problems);
  const n = problems.length;
  const shape = w.shape ?? "sine";
  if (typeof shape !== "string" || !SHAPES.includes(shape)) problems.push(`${at}.shape: must be one of ${SHAPES.join(", ")} (got ${JSON.stringify(shape)})`);
  const periodMs = w.periodMs ?? 2000;
  if (typeof periodMs !== "number" || !(periodMs > 0)) problems.push(`${at}.periodMs: must be a number > 0 (got ${JSON.stringify(periodMs)})`);
  const min = w.min ?? 0;
  const max = w.max ?? 1;
  if (typeof min !== "number" || !Number.isFinite(min)) problems.push(`${at}.min: must be a number (got ${JSON.stringify(min)})`);
  if (typeof max !== "number" || !Number.isFinite(max)) problems.push(`${at}.max: must be a number (got ${JSON.stringify(max)})`);
  const phase = w.phase ?? 0;
  if (typeof phase !== "number" || phase < 0 || phase > 1) problems.push(`${at}.phase: must be 0..1 (got ${JSON.stringify(phase)})`);
  if (problems.length > n) return null;
  return { shape: shape as WaveSpec["shape"], periodMs: periodMs as number, min: min as number, max: max as number, phase: phase as number };
}

function parseKey(k: unknown, at: string, problems: string[]): Uint8Array {
  if (typeof k !== "string" || !/^([0-9a-fA-F]{2})+$/.test(k)) {
    problems.push(`${at}key: must be an even number of hex digits (got ${typeof k === "string" ? `${k.length} characters` : JSON.stringify(k)}); make one with: openssl rand -hex 32`);
    return new Uint8Array(0);
  }
  return Uint8Array.from(Buffer.from(k, "hex")); // length 16..64 is checked by resolveAgentConfig
}

function parseAgent(o: unknown, i: number, baseDir: string, problems: string[]): LaptopAgent | null {
  const at0 = `agents[${i}]`;
  if (!isObject(o)) {
    problems.push(`${at0}: must be an object`);
    return null;
  }
  const at = `${at0}${typeof o.id === "string" ? ` (${o.id})` : ""}: `;
  const before = problems.length;
  unknownFields(o, AGENT_FIELDS, at, problems);
  const key = parseKey(o.key, at, problems);
  let script: string | null = null;
  if (o.script !== undefined) {
    if (typeof o.script !== "string" || o.script.length === 0) problems.push(`${at}script: must be the path of a module (relative to the config file)`);
    else script = resolve(baseDir, o.script);
  }
  const waves = new Map<number, WaveSpec>();
  const channels: ChannelConfig[] = [];
  if (Array.isArray(o.channels)) {
    o.channels.forEach((c, j) => {
      const cat = `${at}channels[${j}]`;
      if (!isObject(c)) {
        problems.push(`${cat}: must be an object`);
        return;
      }
      unknownFields(c, CHANNEL_FIELDS, `${cat}.`, problems);
      const { wave, _comment, ...rest } = c;
      if (wave !== undefined) {
        if (c.kind !== "sensor") problems.push(`${cat}.wave: only sensor channels have a wave`);
        else {
          const w = parseWave(wave, `${cat}.wave`, problems);
          if (w !== null && typeof c.id === "number") waves.set(c.id, w);
        }
      }
      channels.push(rest as unknown as ChannelConfig);
    });
  }
  if (o.sensorRateHz !== undefined && isObject(o.session) && o.session.sensorRateHz !== undefined) problems.push(`${at}sensorRateHz: given twice (also in session)`);
  if (o.session !== undefined && !isObject(o.session)) problems.push(`${at}session: must be an object of session timings`);
  const session = { ...(isObject(o.session) ? o.session : {}), ...(o.sensorRateHz !== undefined ? { sensorRateHz: o.sensorRateHz } : {}) } as AgentConfigInput["session"];
  const config: AgentConfigInput = {
    agentId: o.id as string,
    key,
    firmwareVersion: (o.firmwareVersion as string | undefined) ?? "brainstem-laptop/0.1.0",
    brokers: o.brokers as string[],
    maxFrameBytes: o.maxFrameBytes as number | undefined,
    logLevel: o.logLevel as number | undefined,
    channels: Array.isArray(o.channels) ? channels : (o.channels as ChannelConfig[]),
    session,
  };
  // The firmware's own validation; its key problem repeats ours when the hex was bad.
  const resolved = resolveAgentConfig(config);
  for (const p of resolved.problems) if (!(p.startsWith("key:") && key.length === 0)) problems.push(`${at}${p}`);
  if (problems.length > before || resolved.config === null) return null;
  return { config, brokers: resolved.config.brokers, waves, script };
}

/** Checks the text of a config file; baseDir resolves `script` paths. */
export function parseAgentFile(text: string, baseDir: string): { agents: LaptopAgent[]; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { agents: [], problems: [`not valid JSON: ${(e as Error).message}`] };
  }
  const problems: string[] = [];
  let list: unknown[];
  if (isObject(doc) && Array.isArray(doc.agents)) {
    unknownFields(doc, ["agents", "_comment"], "", problems);
    list = doc.agents;
  } else if (isObject(doc) && doc.agents === undefined) list = [doc];
  else return { agents: [], problems: ['must be one agent object, or {"agents": [ ... ]}'] };
  if (list.length === 0) problems.push("agents: the list is empty");
  const agents: LaptopAgent[] = [];
  const ids = new Set<string>();
  list.forEach((o, i) => {
    const a = parseAgent(o, i, baseDir, problems);
    if (isObject(o) && typeof o.id === "string") {
      if (ids.has(o.id)) problems.push(`agents[${i}] (${o.id}): id: used by another agent of this file`);
      ids.add(o.id);
    }
    if (a !== null) agents.push(a);
  });
  return { agents: problems.length === 0 ? agents : [], problems };
}

/** Reads and checks a config file. A missing file is one problem. */
export function loadAgentFile(path: string): { agents: LaptopAgent[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { agents: [], problems: [`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] };
  }
  const r = parseAgentFile(text, dirname(resolve(path)));
  return { agents: r.agents, problems: r.problems.map((p) => `${path}: ${p}`) };
}
