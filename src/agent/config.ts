/*
 * agent/config: the whole agent configuration, validated once, with every problem listed.
 *
 * Theory of operation: hosts build a plain object (from mc/config on a board, from JSON or
 * flags on a laptop) and call `resolveAgentConfig`. It fills defaults, checks identity,
 * broker, channel table and session timing (session/config.ts), and returns either the
 * resolved config or the full list of problems, one "field: reason" line each, so that a user
 * fixes everything in one go. The Agent constructor throws one Error carrying that list:
 * a bad config is a setup bug, and Failed is reserved for what the peer rejects.
 */
import { utf8Length } from "../codec/bytes";
import { validateChannelName, validateChannelUnit } from "../protocol/channel-labels";
import { resolveSessionConfig, type SessionConfig } from "../session/config";

export type ElementTypeName = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";

/** RFC 8746 typed-array tag numbers (little-endian variants), which are also our wire element types. */
export const elementTags: Readonly<Record<ElementTypeName, number>> = {
  u8: 64, i8: 72, u16: 69, i16: 77, u32: 70, i32: 78, f32: 85, f64: 86,
};

export const elementBytes: Readonly<Record<ElementTypeName, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8,
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
  brokerHost: string;
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

export interface AgentConfig extends Required<Omit<AgentConfigInput, "session" | "brokerUsername" | "brokerPassword">> {
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
  for (const c of channels) if (c.kind === kind) n += 2 + 3 + 5 + c.count * (elementBytes[c.type] ?? 8);
  return n;
}

/** Fills defaults and validates. Returns the config, or null with every problem listed. */
export function resolveAgentConfig(input: AgentConfigInput): { config: AgentConfig | null; problems: string[] } {
  const problems: string[] = [];
  const c = input ?? ({} as AgentConfigInput);
  if (typeof c.agentId !== "string" || !isAgentId(c.agentId))
    problems.push(`agentId: must be 1..20 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(c.agentId)})`);
  if (!(c.key instanceof Uint8Array) || c.key.length < 16 || c.key.length > 64)
    problems.push(`key: must be 16..64 bytes (got ${c.key instanceof Uint8Array ? c.key.length + " bytes" : typeof c.key})`);
  if (typeof c.brokerHost !== "string" || c.brokerHost.length === 0) problems.push("brokerHost: required");
  const brokerPort = c.brokerPort ?? 1883;
  if (!Number.isInteger(brokerPort) || brokerPort < 1 || brokerPort > 65535) problems.push(`brokerPort: ${brokerPort} is outside 1..65535`);
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
  if (channels.length > 0 && !channels.some((ch) => ch.kind === "sensor")) problems.push("channels: at least one sensor channel is required");
  for (const kind of ["sensor", "motor"] as const) {
    const size = maxFrameSize(channels, kind);
    if (problems.length === 0 && size > maxFrameBytes) problems.push(`channels: a full ${kind} frame takes up to ${size} bytes, over maxFrameBytes ${maxFrameBytes}`);
  }

  const session = resolveSessionConfig(c.session);
  for (const p of session.problems) problems.push(`session.${p}`);
  if (problems.length > 0) return { config: null, problems };
  return {
    config: {
      agentId: c.agentId,
      key: c.key,
      firmwareVersion,
      brokerHost: c.brokerHost,
      brokerPort,
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
