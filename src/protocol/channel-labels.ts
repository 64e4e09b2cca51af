/*
 * protocol/channel-labels: the names and units a hello gives its channels (protocol.md §5.1 `cn`).
 *
 * Theory of operation: every channel has a name, 1..32 bytes of [A-Za-z0-9_-] (the agent id
 * alphabet, so a name is safe in a topic, a file name and a URL), unique in the agent's table,
 * and an optional unit, 0..16 UTF-8 bytes of free text ("" = none). The brain and its tools
 * address channels by name; the wire ids stay the frames' compact keys. These checks are
 * shared by the config validator, the hello encoder and the decoder, so a name that one side
 * accepts the other side accepts too.
 */
import { Err } from "../errors";
import { utf8Length } from "../codec/bytes";
import { isAgentIdChar } from "./topics";
import { MAX_CHANNEL_NAME_BYTES, MAX_CHANNEL_UNIT_BYTES } from "./wire";

/** A channel's label as hosts and the brain pass it around. */
export interface ChannelLabel {
  name: string;
  /** Free text such as "m", "rad/s", "deg"; absent or "" = none. */
  unit?: string;
}

/** 0 when name is a valid channel name, else CONFIG_INVALID. */
export function validateChannelName(name: string): number {
  if (typeof name !== "string" || name.length < 1 || name.length > MAX_CHANNEL_NAME_BYTES) return Err.ConfigInvalid;
  for (let i = 0; i < name.length; i++) if (!isAgentIdChar(name.charCodeAt(i))) return Err.ConfigInvalid;
  return 0;
}

/** 0 when unit is absent or a text of at most 16 UTF-8 bytes, else CONFIG_INVALID. */
export function validateChannelUnit(unit: string | undefined): number {
  if (unit === undefined) return 0;
  if (typeof unit !== "string" || utf8Length(unit) > MAX_CHANNEL_UNIT_BYTES) return Err.ConfigInvalid;
  return 0;
}

/** True when bytes[off..off+len) is a valid channel name (decoder side, no string made). */
export function isChannelNameBytes(bytes: Uint8Array, off: number, len: number): boolean {
  if (len < 1 || len > MAX_CHANNEL_NAME_BYTES) return false;
  for (let i = off; i < off + len; i++) if (!isAgentIdChar(bytes[i])) return false;
  return true;
}
