/*
 * protocol/topics: MQTT topic names, client id and connection constants (protocol.md §Topics).
 *
 * Theory of operation: everything an agent publishes or subscribes to is derived from its
 * agent id A (1..20 characters of [A-Za-z0-9_-]):
 *     bs/1/A/up/ctl   agent -> brain control, QoS 1 (also the Last Will topic)
 *     bs/1/A/dn/ctl   brain -> agent control, QoS 1
 *     bs/1/A/up/sns   sensor frames, QoS 0 (default; `registered` names the real one)
 *     bs/1/A/dn/mot   motor frames, QoS 0 (default; `registered` names the real one)
 * and the MQTT client id is `bs-A`. AgentTopics builds these once at setup as UTF-8 byte
 * arrays (what the MQTT encoders take), so nothing is formatted on the hot path.
 * The id alphabet keeps topics free of MQTT wildcards (+ #) and separators (/).
 */
import { Err } from "../errors";
import { utf8Bytes } from "../codec/bytes";

/** Protocol version carried in topics ("bs/1/") and in hello's `v`. */
export const PROTOCOL_VERSION = 1;
/** Topic prefix for protocol version 1. */
export const TOPIC_PREFIX = "bs/1/";
/** Agent ids are 1..20 characters of [A-Za-z0-9_-]. */
export const AGENT_ID_MAX_CHARS = 20;
/** What the brain subscribes to: every agent's upward topics. */
export const BRAIN_SUBSCRIPTION = "bs/1/+/up/#";
/** The same as an MQTT 5 shared subscription, for several brain workers. */
export const BRAIN_SHARED_SUBSCRIPTION = "$share/brain/bs/1/+/up/#";
/** MQTT keep-alive in seconds: default and the range a config may choose. */
export const KEEP_ALIVE_DEFAULT_S = 30;
export const KEEP_ALIVE_MIN_S = 5;
export const KEEP_ALIVE_MAX_S = 600;
/** QoS of control messages (and the Last Will) and of data frames. */
export const CONTROL_QOS = 1;
export const FRAME_QOS = 0;

/** The four per-agent topics. */
export const TopicKind = {
  UpCtl: 0,
  DnCtl: 1,
  UpSns: 2,
  DnMot: 3,
} as const;

const SUFFIX: readonly string[] = Object.freeze(["/up/ctl", "/dn/ctl", "/up/sns", "/dn/mot"]);

/** True for the id characters [A-Za-z0-9_-]. */
export function isAgentIdChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
}

/** 0 when id is a valid agent id, else CONFIG_INVALID. */
export function validateAgentId(id: string): number {
  if (typeof id !== "string" || id.length < 1 || id.length > AGENT_ID_MAX_CHARS) return Err.ConfigInvalid;
  for (let i = 0; i < id.length; i++) if (!isAgentIdChar(id.charCodeAt(i))) return Err.ConfigInvalid;
  return 0;
}

/** The topic of the given kind for agent id (setup and brain use; allocates). */
export function topicFor(agentId: string, kind: number): string {
  return TOPIC_PREFIX + agentId + SUFFIX[kind];
}

/** The MQTT client id for agent id: "bs-" + id. */
export function clientIdFor(agentId: string): string {
  return "bs-" + agentId;
}

/** An agent's topics and MQTT identity as UTF-8 bytes, built once at setup. */
export class AgentTopics {
  readonly agentId: string;
  readonly upCtl: Uint8Array;
  readonly dnCtl: Uint8Array;
  readonly upSns: Uint8Array;
  readonly dnMot: Uint8Array;
  /** MQTT client id "bs-A". */
  readonly clientId: Uint8Array;
  /** MQTT user name: the agent id. */
  readonly username: Uint8Array;

  /** Throws on an invalid id: check validateAgentId when validating the config. */
  constructor(agentId: string) {
    if (validateAgentId(agentId) !== 0) throw new RangeError("AgentTopics: invalid agent id");
    this.agentId = agentId;
    this.upCtl = utf8Bytes(topicFor(agentId, TopicKind.UpCtl));
    this.dnCtl = utf8Bytes(topicFor(agentId, TopicKind.DnCtl));
    this.upSns = utf8Bytes(topicFor(agentId, TopicKind.UpSns));
    this.dnMot = utf8Bytes(topicFor(agentId, TopicKind.DnMot));
    this.clientId = utf8Bytes(clientIdFor(agentId));
    this.username = utf8Bytes(agentId);
  }
}

/**
 * Splits a brainstem topic "bs/1/A/(up|dn)/(ctl|sns|mot)" into its agent id and TopicKind,
 * or returns null when it is not one of the four per-agent topics with a valid id.
 * Allocates: brain side and tests.
 */
export function parseAgentTopic(topic: string): { agentId: string; kind: number } | null {
  if (!topic.startsWith(TOPIC_PREFIX)) return null;
  const slash = topic.indexOf("/", TOPIC_PREFIX.length);
  if (slash < 0) return null;
  const agentId = topic.slice(TOPIC_PREFIX.length, slash);
  if (validateAgentId(agentId) !== 0) return null;
  const kind = SUFFIX.indexOf(topic.slice(slash));
  return kind < 0 ? null : { agentId, kind };
}
