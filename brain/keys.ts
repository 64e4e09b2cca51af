/*
 * brain/keys: the agent registry, i.e. which agent ids exist and their device keys.
 *
 * Theory of operation: every agent shares one key K with the brain (protocol.md
 * §Authentication). The keys file is JSON:
 *     { "agents": { "<agentId>": "<hex key>", ... } }
 * (other top-level members, such as a "_comment", are ignored). `loadKeysFile` reads and
 * checks it and throws a KeysFileError whose message is one line a user can act on: file
 * missing, not JSON, wrong shape, an invalid agent id, a key that is not hex or not 16..64
 * bytes (the agent's accepted range, src/agent/config.ts). `AgentRegistry` is the lookup the
 * session service uses; it is immutable once built.
 */
import { readFileSync } from "node:fs";
import { validateAgentId } from "../src/protocol/topics";

/** Shortest and longest device key, bytes (the range the agent accepts). */
export const KEY_MIN_BYTES = 16;
export const KEY_MAX_BYTES = 64;

/** A keys file (or keys map) problem; the message is one line, fit for a CLI. */
export class KeysFileError extends Error {
  override name = "KeysFileError";
}

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})+$/;
const SHAPE_HINT = 'expected {"agents": {"<agentId>": "<hex key>"}}';

/** Checks one (id, key) pair; returns a problem text or null. */
function keyProblem(id: string, key: Uint8Array): string | null {
  if (validateAgentId(id) !== 0) return `agent id ${JSON.stringify(id)} is invalid (1..20 characters of A-Z a-z 0-9 _ -)`;
  if (key.length < KEY_MIN_BYTES || key.length > KEY_MAX_BYTES)
    return `key of agent "${id}" is ${key.length} bytes; keys must be ${KEY_MIN_BYTES}..${KEY_MAX_BYTES} bytes`;
  return null;
}

/**
 * Parses the text of a keys file. `source` names it in error messages.
 * Returns the id -> key map; throws KeysFileError.
 */
export function parseKeys(text: string, source: string): Map<string, Uint8Array> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KeysFileError(`keys file ${source} is not valid JSON: ${(e as Error).message}`);
  }
  const agents = (doc as { agents?: unknown } | null)?.agents;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || typeof agents !== "object" || agents === null || Array.isArray(agents))
    throw new KeysFileError(`keys file ${source}: ${SHAPE_HINT}`);
  const keys = new Map<string, Uint8Array>();
  for (const [id, hex] of Object.entries(agents as Record<string, unknown>)) {
    if (typeof hex !== "string" || !HEX_PATTERN.test(hex))
      throw new KeysFileError(`keys file ${source}: key of agent ${JSON.stringify(id)} must be a hex string (an even number of 0-9 a-f digits)`);
    const key = new Uint8Array(Buffer.from(hex, "hex"));
    const problem = keyProblem(id, key);
    if (problem !== null) throw new KeysFileError(`keys file ${source}: ${problem}`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeysFileError(`keys file ${source} lists no agents (${SHAPE_HINT})`);
  return keys;
}

/** Reads and parses a keys file. Throws KeysFileError (missing, unreadable, malformed). */
export function loadKeysFile(path: string): Map<string, Uint8Array> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new KeysFileError(`keys file not found: ${path}`);
    throw new KeysFileError(`cannot read keys file ${path}: ${(e as Error).message}`);
  }
  return parseKeys(text, path);
}

/** Which agents exist and their keys. */
export class AgentRegistry {
  private readonly keys: Map<string, Uint8Array>;

  /** Copies the map; throws KeysFileError for an invalid id or key length. */
  constructor(keys: Map<string, Uint8Array>) {
    this.keys = new Map();
    for (const [id, key] of keys) {
      if (!(key instanceof Uint8Array)) throw new KeysFileError(`key of agent ${JSON.stringify(id)} must be a Uint8Array`);
      const problem = keyProblem(id, key);
      if (problem !== null) throw new KeysFileError(problem);
      this.keys.set(id, new Uint8Array(key));
    }
  }

  /** Builds a registry from a map or from a keys file path. Throws KeysFileError. */
  static from(keys: Map<string, Uint8Array> | string): AgentRegistry {
    return new AgentRegistry(typeof keys === "string" ? loadKeysFile(keys) : keys);
  }

  /** The key of an agent, or undefined for an unknown agent. */
  keyOf(agentId: string): Uint8Array | undefined {
    return this.keys.get(agentId);
  }

  get size(): number {
    return this.keys.size;
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}
