/*
 * agent/config: the whole agent configuration, validated once, with every problem listed.
 *
 * Theory of operation: hosts build a plain object (from mc/config on a board, from JSON or
 * flags on a laptop) and call `resolveAgentConfig`. It fills defaults, checks identity,
 * broker, channel table and session timing (session/config.ts), and returns either the
 * resolved config or the full list of problems, one "field: reason" line each, so that a user
 * fixes everything in one go. `checkAgentConfig` returns that list without building
 * anything, so a board can refuse to start before it touches a timer, the Wi-Fi or a pin.
 * The Agent constructor throws one Error carrying the same list: a bad config is a setup
 * bug, and Failed is reserved for what the peer rejects.
 */
import { utf8Length } from "../codec/bytes";
import { elementBytes } from "../codec/frames/channels";
import { validateChannelName, validateChannelUnit } from "../protocol/channel-labels";
import { resolveSessionConfig, type SessionConfig } from "../session/config";

export type ElementTypeName = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";

/** RFC 8746 typed-array tag numbers (little-endian variants), which are also our wire element types. */
export const elementTags: Readonly<Record<ElementTypeName, number>> = {
  u8: 64, i8: 72, u16: 69, i16: 77, u32: 70, i32: 78, f32: 85, f64: 86,
};

export interface ChannelConfig {
  /** 0..255, unique across the table. */
  id: number;
  /** 1..32 characters of A-Z a-z 0-9 _ -, unique across the table; sent in the hello. */
  name: string;
  /** Optional unit, at most 16 UTF-8 bytes ("m", "rad/s", "deg"); sent in the hello. */
  unit?: string;
  kind: "sensor" | "motor";
  type: ElementTypeName;
  /** Elements per frame, 1..4096. */
  count: number;
  /** Nominal update rate, Hz (informational for the brain). */
  rateHz?: number;
  /** Motors only: the values applied when the outputs go safe (default all zeros). */
  safe?: number[];
}

export interface AgentConfigInput {
  agentId: string;
  /** Device key shared with the brain, 16..64 bytes. */
  key: Uint8Array;
  firmwareVersion?: string;
  /** Brokers to try in turn, "host:port" (port 1883 when absent). A failure to reach one moves on to the next. */
  brokers?: string[];
  /** A one-broker list in two fields; give either `brokers` or these. */
  brokerHost?: string;
  brokerPort?: number;
  brokerUsername?: string;
  brokerPassword?: string;
  /** Largest sensor or motor frame, bytes; also bounds the MQTT packet size. */
  maxFrameBytes?: number;
  /** Least severe log level passed to the host (0 debug, 1 info, 2 warn, 3 error). */
  logLevel?: number;
  /** Generation to start from (hosts that persist it pass the last one). */
  initialGeneration?: number;
  channels: ChannelConfig[];
  session?: Partial<SessionConfig>;
}

/** One entry of the broker list. */
export interface BrokerAddress {
  host: string;
  port: number;
}

export interface AgentConfig extends Required<Omit<AgentConfigInput, "session" | "brokers" | "brokerHost" | "brokerPort" | "brokerUsername" | "brokerPassword">> {
  /** At least one. */
  brokers: BrokerAddress[];
  brokerUsername: string | null;
  brokerPassword: string | null;
  session: SessionConfig;
}

/** 1..20 characters of A-Z a-z 0-9 _ - (a char loop, not a RegExp: cheaper on a board). */
function isAgentId(id: string): boolean {
  if (id.length < 1 || id.length > 20) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!ok) return false;
  }
  return true;
}
const TYPE_NAMES = Object.keys(elementTags);

/** Largest encoded size of a frame carrying every channel of `kind` (CBOR worst case). */
export function maxFrameSize(channels: readonly ChannelConfig[], kind: "sensor" | "motor"): number {
  let n = 1 + 5 + 5 + (kind === "motor" ? 2 + 16 : 0); // array header, seq, time, (mac)
  for (const c of channels) if (c.kind === kind) n += 2 + 3 + 5 + c.count * (elementBytes(elementTags[c.type]) || 8);
  return n;
}

const KNOWN_KEYS: readonly string[] = [
  "agentId", "key", "firmwareVersion", "brokers", "brokerHost", "brokerPort", "brokerUsername", "brokerPassword",
  "maxFrameBytes", "logLevel", "initialGeneration", "channels", "session",
];

/** Parses "host:port" (port optional, default 1883; no RegExp). Returns null with a problem pushed. */
function parseBroker(entry: unknown, at: string, problems: string[]): BrokerAddress | null {
  if (typeof entry !== "string" || entry.length === 0) {
    problems.push(`${at}: must be "host:port" (got ${JSON.stringify(entry)})`);
    return null;
  }
  const colon = entry.lastIndexOf(":");
  const host = colon < 0 ? entry : entry.slice(0, colon);
  const portText = colon < 0 ? "1883" : entry.slice(colon + 1);
  let port = portText.length > 0 && portText.length <= 5 ? 0 : -1;
  for (let i = 0; port >= 0 && i < portText.length; i++) {
    const c = portText.charCodeAt(i);
    port = c >= 48 && c <= 57 ? port * 10 + (c - 48) : -1;
  }
  let ok = true;
  if (host.length === 0 || host.indexOf(":") >= 0 || host.indexOf(" ") >= 0) {
    problems.push(`${at}: "${entry}" has no usable host (IPv6 literals are not supported)`);
    ok = false;
  }
  if (port < 1 || port > 65535) {
    problems.push(`${at}: "${entry}" has a port outside 1..65535`);
    ok = false;
  }
  return ok ? { host, port } : null;
}

function resolveBrokers(c: AgentConfigInput, problems: string[]): BrokerAddress[] {
  const out: BrokerAddress[] = [];
  if (c.brokers !== undefined) {
    if (c.brokerHost !== undefined || c.brokerPort !== undefined) problems.push("brokers: give either brokers or brokerHost/brokerPort, not both");
    if (!Array.isArray(c.brokers) || c.brokers.length === 0) {
      problems.push("brokers: must be a non-empty list of \"host:port\"");
      return out;
    }
    if (c.brokers.length > 16) problems.push(`brokers: at most 16 entries (got ${c.brokers.length})`);
    c.brokers.forEach((b, i) => {
      const a = parseBroker(b, `brokers[${i}]`, problems);
      if (a) out.push(a);
    });
    return out;
  }
  if (typeof c.brokerHost !== "string" || c.brokerHost.length === 0) problems.push("brokerHost: required (or brokers)");
  const brokerPort = c.brokerPort ?? 1883;
  if (!Number.isInteger(brokerPort) || brokerPort < 1 || brokerPort > 65535) problems.push(`brokerPort: ${brokerPort} is outside 1..65535`);
  if (typeof c.brokerHost === "string" && c.brokerHost.length > 0) out.push({ host: c.brokerHost, port: brokerPort });
  return out;
}

/**
 * Every problem of an agent config, the session's included (misspelt keys, out-of-range
 * timings, a bad agent id), without building anything. Empty when the config is valid. Never
 * throws, whatever the input: a board calls it before it starts its timer, Wi-Fi or pins.
 */
export function checkAgentConfig(input: unknown): string[] {
  try {
    return resolveAgentConfig(input as AgentConfigInput).problems;
  } catch (e) {
    return [`config: ${(e as Error)?.message ?? String(e)}`];
  }
}

/** Fills defaults and validates. Returns the config, or null with every problem listed. */
export function resolveAgentConfig(input: AgentConfigInput): { config: AgentConfig | null; problems: string[] } {
  const problems: string[] = [];
  if (input === null || typeof input !== "object") return { config: null, problems: ["config: must be an object"] };
  const c = input;
  for (const key of Object.keys(c)) if (!KNOWN_KEYS.includes(key)) problems.push(`${key}: unknown setting`);
  if (typeof c.agentId !== "string" || !isAgentId(c.agentId))
    problems.push(`agentId: must be 1..20 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(c.agentId)})`);
  if (!(c.key instanceof Uint8Array) || c.key.length < 16 || c.key.length > 64)
    problems.push(`key: must be 16..64 bytes (got ${c.key instanceof Uint8Array ? c.key.length + " bytes" : typeof c.key})`);
  const brokers = resolveBrokers(c, problems);
  if (c.brokerUsername !== undefined && typeof c.brokerUsername !== "string") problems.push("brokerUsername: must be a string");
  if (c.brokerPassword !== undefined && typeof c.brokerPassword !== "string") problems.push("brokerPassword: must be a string");
  const maxFrameBytes = c.maxFrameBytes ?? 1024;
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 64 || maxFrameBytes > 65536)
    problems.push(`maxFrameBytes: ${maxFrameBytes} is outside 64..65536`);
  const firmwareVersion = c.firmwareVersion ?? "brainstem/0.1.0";
  if (typeof firmwareVersion !== "string" || utf8Length(firmwareVersion) > 64) problems.push("firmwareVersion: must be a string of at most 64 bytes");
  const logLevel = c.logLevel ?? 1;
  if (!Number.isInteger(logLevel) || logLevel < 0 || logLevel > 3) problems.push(`logLevel: ${logLevel} is outside 0..3`);
  const initialGeneration = c.initialGeneration ?? 0;
  if (!Number.isInteger(initialGeneration) || initialGeneration < 0 || initialGeneration > 0xffffffff)
    problems.push(`initialGeneration: must be a u32`);

  const channels = Array.isArray(c.channels) ? c.channels : [];
  if (!Array.isArray(c.channels) || channels.length === 0) problems.push("channels: at least one channel is required");
  const seen = new Set<number>();
  const names = new Set<string>();
  channels.forEach((ch, i) => {
    const at = `channels[${i}]`;
    if (ch === null || typeof ch !== "object") {
      problems.push(`${at}: must be an object`);
      return;
    }
    if (validateChannelName(ch.name) !== 0) problems.push(`${at}.name: must be 1..32 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(ch.name)})`);
    else if (names.has(ch.name)) problems.push(`${at}.name: "${ch.name}" is used twice`);
    else names.add(ch.name);
    if (validateChannelUnit(ch.unit) !== 0) problems.push(`${at}.unit: must be a text of at most 16 bytes (got ${JSON.stringify(ch.unit)})`);
    if (!Number.isInteger(ch.id) || ch.id < 0 || ch.id > 255) problems.push(`${at}.id: ${ch.id} is outside 0..255`);
    else if (seen.has(ch.id)) problems.push(`${at}.id: ${ch.id} is used twice`);
    else seen.add(ch.id);
    if (ch.kind !== "sensor" && ch.kind !== "motor") problems.push(`${at}.kind: must be "sensor" or "motor" (got ${JSON.stringify(ch.kind)})`);
    if (!TYPE_NAMES.includes(ch.type)) problems.push(`${at}.type: must be one of ${TYPE_NAMES.join(", ")} (got ${JSON.stringify(ch.type)})`);
    if (!Number.isInteger(ch.count) || ch.count < 1 || ch.count > 4096) problems.push(`${at}.count: ${ch.count} is outside 1..4096`);
    if (ch.rateHz !== undefined && !(ch.rateHz > 0 && ch.rateHz <= 1000)) problems.push(`${at}.rateHz: ${ch.rateHz} is outside (0, 1000]`);
    if (ch.safe !== undefined) {
      if (ch.kind !== "motor") problems.push(`${at}.safe: only motor channels have safe values`);
      else if (!Array.isArray(ch.safe) || ch.safe.length !== ch.count) problems.push(`${at}.safe: needs exactly ${ch.count} values`);
    }
  });
  if (channels.length > 0 && !channels.some((ch) => ch !== null && typeof ch === "object" && ch.kind === "sensor")) problems.push("channels: at least one sensor channel is required");
  for (const kind of ["sensor", "motor"] as const) {
    if (problems.length > 0) break;
    const size = maxFrameSize(channels, kind);
    if (size > maxFrameBytes) problems.push(`channels: a full ${kind} frame takes up to ${size} bytes, over maxFrameBytes ${maxFrameBytes}`);
  }

  if (c.session !== undefined && (c.session === null || typeof c.session !== "object")) problems.push("session: must be an object");
  const session = resolveSessionConfig(c.session !== null && typeof c.session === "object" ? c.session : undefined);
  for (const p of session.problems) problems.push(`session.${p}`);
  if (problems.length > 0) return { config: null, problems };
  return {
    config: {
      agentId: c.agentId,
      key: c.key,
      firmwareVersion,
      brokers,
      brokerUsername: c.brokerUsername ?? null,
      brokerPassword: c.brokerPassword ?? null,
      maxFrameBytes,
      logLevel,
      initialGeneration,
      channels: channels.map((ch) => ({ ...ch, rateHz: ch.rateHz ?? session.config.sensorRateHz })),
      session: session.config,
    },
    problems,
  };
}
