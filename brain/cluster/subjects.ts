/*
 * brain/cluster/subjects: how brainstem's MQTT topics look on NATS, and the partition mapping.
 *
 * Theory of operation: nats-server's MQTT port turns a topic into a subject by replacing "/"
 * with "." (agent ids are [A-Za-z0-9_-], so no other escaping ever applies): the device's
 * bs/1/A/up/ctl is the subject bs.1.A.up.ctl. The account mapping in `uplinkMapping(P)`
 * rewrites every uplink to brain.<p>.bs.1.A.up.<kind>, where p = partition(P, A) is a
 * deterministic hash of the agent id computed by the server, so all of one agent's uplinks
 * (control, sensor frames and its Last Will) arrive in one partition, in order. A worker
 * subscribes brain.<p>.> for each partition it owns. Downlinks need no mapping: a NATS
 * publish on bs.1.A.dn.ctl reaches the device subscribed to bs/1/A/dn/# (delivered at QoS 0,
 * because a NATS message carries no MQTT QoS).
 * The parse results are cached by the caller; nothing here is on a per-frame path uncached.
 */
import { validateAgentId } from "../../src/protocol/topics";

/** Subject prefix of mapped uplinks. */
export const UPLINK_PREFIX = "brain.";

/** The account mapping (nats-server `mappings` block) for P partitions. */
export function uplinkMapping(partitions: number): Record<string, string> {
  return { "bs.1.*.up.*": `brain.{{partition(${partitions},1)}}.bs.1.{{wildcard(1)}}.up.{{wildcard(2)}}` };
}

/** What a worker subscribes to for partition p. */
export function partitionSubject(p: number): string {
  return `${UPLINK_PREFIX}${p}.>`;
}

/** The NATS subject of an MQTT topic ("/" -> "."). */
export function subjectOfTopic(topic: string): string {
  return topic.replaceAll("/", ".");
}

export interface Uplink {
  partition: number;
  /** The device's MQTT topic, bs/1/A/up/K. */
  topic: string;
  agentId: string;
}

/** Parses brain.<p>.bs.1.A.up.K; null for anything else. */
export function parseUplinkSubject(subject: string): Uplink | null {
  if (!subject.startsWith(UPLINK_PREFIX)) return null;
  const dot = subject.indexOf(".", UPLINK_PREFIX.length);
  if (dot < 0) return null;
  const digits = subject.slice(UPLINK_PREFIX.length, dot);
  if (!/^\d{1,4}$/.test(digits)) return null;
  const rest = subject.slice(dot + 1);
  const parts = rest.split(".");
  if (parts.length !== 5 || parts[0] !== "bs" || parts[1] !== "1" || parts[3] !== "up" || validateAgentId(parts[2]) !== 0) return null;
  return { partition: Number(digits), topic: parts.join("/"), agentId: parts[2] };
}

/** The agent id of a brain downlink topic bs/1/A/dn/K, or null. */
export function agentOfTopic(topic: string): string | null {
  if (!topic.startsWith("bs/1/")) return null;
  const slash = topic.indexOf("/", 5);
  return slash < 0 ? null : topic.slice(5, slash);
}
