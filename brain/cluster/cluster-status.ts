/*
 * brain/cluster/cluster-status: the `cluster` part of a worker's /status.
 *
 * Theory of operation: every worker rewrites its record `worker.<id>` in the bucket every
 * lease/3 (id, status URL, the partitions it serves, its agents with phase and partition,
 * wall-clock time of writing). Each worker watches the bucket, so any worker can merge the
 * records into one cluster view without asking the others: the workers seen within one
 * lease time, the owner of every partition as the leases show it, and the agents of the
 * whole cluster (agent -> worker, partition, phase). This worker's own part is always fresh
 * (taken at the call, not from the bucket).
 */
import type { Ownership } from "./ownership";

export interface WorkerRecord {
  id: string;
  statusUrl: string;
  partitions: number[];
  agents: { id: string; phase: string; partition: number }[];
  /** Wall-clock time the record was written (Date.now()). */
  at: number;
  /** Local monotonic time it was seen (set by the reader). */
  seenMs?: number;
}

export interface ClusterStatus {
  worker: string;
  partitions: number;
  leaseMs: number;
  /** Partitions this worker serves now. */
  serving: number[];
  /** Owner of each partition as the leases show it (null: free). */
  owners: (string | null)[];
  workers: { id: string; statusUrl: string; partitions: number[]; agents: number; self: boolean }[];
  /** Every agent in the cluster: id -> where it is served. */
  agents: { id: string; worker: string; partition: number; phase: string }[];
  counters: Record<string, number>;
}

export function clusterView(
  workerId: string,
  own: Ownership,
  nowMs: number,
  self: WorkerRecord,
  records: ReadonlyMap<string, WorkerRecord>,
  counts: Record<string, number>,
): ClusterStatus {
  const live: WorkerRecord[] = [self];
  for (const [id, r] of records) if (id !== workerId && r.seenMs !== undefined && nowMs - r.seenMs < own.leaseMs) live.push(r);
  live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const owners: (string | null)[] = [];
  for (let p = 0; p < own.partitions; p++) owners.push(own.ownerOf(p));
  const agents: ClusterStatus["agents"] = [];
  for (const r of live) for (const a of r.agents) agents.push({ id: a.id, worker: r.id, partition: a.partition, phase: a.phase });
  agents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    worker: workerId,
    partitions: own.partitions,
    leaseMs: own.leaseMs,
    serving: self.partitions,
    owners,
    workers: live.map((r) => ({ id: r.id, statusUrl: r.statusUrl, partitions: r.partitions, agents: r.agents.length, self: r.id === workerId })),
    agents,
    counters: { ...counts, ...own.counts },
  };
}
