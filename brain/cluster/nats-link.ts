/*
 * brain/cluster/nats-link: a brain worker's transport on a NATS cluster, with partitioned
 * ownership. It stands where the MQTT link stands for a single brain: (topic, payload) out
 * of the cluster into the session service, publish(topic, payload, qos) back.
 *
 * Theory of operation:
 *   - One NATS connection (native protocol, @nats-io/transport-node) to any of the given
 *     servers; the client reconnects to another on loss.
 *   - A JetStream key-value bucket (default "brainstem") holds `lease.<p>` for every
 *     partition and `worker.<id>` for every live worker (its status, rewritten every
 *     lease/3). A watch on the whole bucket feeds the ownership machine (ownership.ts), whose
 *     actions this link performs: lease writes and deletes with revision compare-and-set,
 *     SERVE (subscribe brain.<p>.> once), PAUSE, FORGET (unsubscribe and drop p's sessions).
 *   - Uplinks: brain.<p>.bs.1.A.up.K is handed to the service as bs/1/A/up/K only while p is
 *     served; otherwise it is counted and dropped. The agent's partition is remembered from
 *     its uplinks.
 *   - Downlinks (the fence): a publish for agent A leaves only while A's partition is served
 *     by this worker. A paused (lease not provably ours) or lost partition gets nothing from
 *     here, so a worker cut off from the cluster can never drive a device that another worker
 *     now serves, and the forgetting of a lost partition's sessions sends nothing.
 *   - Forgetting a session uses the service's forget (nothing is sent; the fence is closed too): the
 *     session ends here, the device hears nothing from this worker; when it next talks, the
 *     partition's new owner does not know its session and evicts it (`deregistered`), and
 *     the device registers again, with a new session key. Motor frames signed with the old
 *     key fail the device's MAC check; a new session restarts the motor sequence.
 *   - status() returns this worker's partitions and agents and the cluster view merged from
 *     every worker's `worker.<id>` record and the leases (cluster-status.ts).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { Logger } from "../events";
import { clusterView, type ClusterStatus, type WorkerRecord } from "./cluster-status";
import { ActionKind, CONFLICT, FAILED, LeaseOp, Ownership, type OwnershipAction } from "./ownership";
import { agentOfTopic, parseUplinkSubject, partitionSubject, subjectOfTopic, type Uplink } from "./subjects";

export const LEASE_DEFAULT_MS = 6000;
export const BUCKET_DEFAULT = "brainstem";
/** A worker record not rewritten for this many leases is not a live worker's... */
const LIVE_RECORD_LEASES = 3;
/** ...and for this many, a dead worker's: it is removed. */
const STALE_RECORD_LEASES = 10;
/** Cached subject/topic conversions; cleared when they grow past this. */
const CACHE_MAX = 20_000;

export interface ClusterOptions {
  /** nats://host:port of one or more cluster nodes. */
  servers: string[];
  /** Partitions in the server's uplink mapping (must match it). */
  partitions: number;
  /** Lease time, ms (default 6000): a dead worker's partitions move within about this. */
  leaseMs?: number;
  /** Worker name (default <hostname>-<pid>); a random suffix makes each run unique. */
  name?: string;
  /** Key-value bucket (default "brainstem"). */
  bucket?: string;
  /** Bucket replicas (default: 3, or 1 when the cluster has one node). */
  replicas?: number;
}

export interface ClusterHooks {
  onMessage(topic: string, payload: Uint8Array): void;
  /** End agentId's session without telling the device (the fence is closed). */
  forget(agentId: string): void;
  /** This worker's agents with their phases (for the worker record). */
  agents(): { id: string; phase: string }[];
  statusUrl(): string;
  log: Logger;
}

export interface ClusterLink {
  readonly clientId: string;
  readonly workerId: string;
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): void;
  connected(): boolean;
  status(): ClusterStatus;
  /** Releases every lease, removes the worker record and closes. */
  close(): Promise<void>;
  /** Test and bench use: stops at once, as if the process died (leases left to expire). */
  crash(): Promise<void>;
}

function nowMs(): number {
  return performance.now();
}

/** The owner named by a lease value, or null. */
function ownerOf(value: string): string | null {
  try {
    return (JSON.parse(value) as { w?: string }).w ?? null;
  } catch {
    return null;
  }
}

function isConflict(e: unknown): boolean {
  const m = (e as Error)?.message ?? "";
  return /wrong last sequence|key exists/i.test(m);
}

export async function connectClusterLink(o: ClusterOptions, hooks: ClusterHooks, connectTimeoutMs: number): Promise<ClusterLink> {
  const leaseMs = o.leaseMs ?? LEASE_DEFAULT_MS;
  const workerId = `${(o.name ?? `${hostname()}-${process.pid}`).replace(/[^A-Za-z0-9_-]/g, "_")}-${randomBytes(3).toString("hex")}`;
  const log = hooks.log;
  const nc: NatsConnection = await connect({
    servers: o.servers,
    name: `brain-${workerId}`,
    timeout: connectTimeoutMs,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
    pingInterval: Math.max(500, Math.floor(leaseMs / 3)),
    maxPingOut: 2,
  }).catch((e: Error) => {
    throw new Error(`cannot connect to the NATS cluster at ${o.servers.join(",")}: ${e.message}`);
  });
  const own = new Ownership({ workerId, partitions: o.partitions, leaseMs });
  const bucket = o.bucket ?? BUCKET_DEFAULT;
  let kv: KV;
  let jsm: JetStreamManager;
  // Creating a replicated bucket on a cluster that just started may take a few seconds (a
  // stream leader is elected): retry until the connect timeout. Lease operations later time
  // out after half a lease: a slow write that succeeds still counts from its send time.
  const clusterSize = (nc.info?.connect_urls?.length ?? 1) >= 3 || o.servers.length >= 3 ? 3 : 1;
  const setupDeadline = Date.now() + connectTimeoutMs;
  for (;;) {
    try {
      await new Kvm(jetstream(nc, { timeout: Math.min(5000, connectTimeoutMs) })).create(bucket, { history: 1, replicas: o.replicas ?? clusterSize });
      kv = await new Kvm(jetstream(nc, { timeout: Math.max(500, Math.floor(leaseMs / 2)) })).open(bucket);
      jsm = await jetstreamManager(nc, { timeout: Math.max(500, Math.floor(leaseMs / 2)) });
      break;
    } catch (e) {
      if (Date.now() < setupDeadline) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      await nc.close().catch(() => undefined);
      throw new Error(`cannot open the key-value bucket "${bucket}" (is JetStream on?): ${(e as Error).message}`);
    }
  }

  const subs = new Map<number, Subscription>();
  const agentPartition = new Map<string, number>();
  const uplinks = new Map<string, Uplink | null>();
  const downSubjects = new Map<string, { subject: string; agentId: string } | null>();
  const workers = new Map<string, WorkerRecord>();
  const counts = { uplinks: 0, dropped: 0, fenced: 0, published: 0, forgotten: 0, rewatched: 0 };
  let closed = false;

  const onUplink = (subject: string, data: Uint8Array) => {
    let u = uplinks.get(subject);
    if (u === undefined) {
      if (uplinks.size >= CACHE_MAX) uplinks.clear();
      u = parseUplinkSubject(subject);
      uplinks.set(subject, u);
    }
    if (u === null || !own.isServing(u.partition)) {
      counts.dropped++;
      return;
    }
    counts.uplinks++;
    if (agentPartition.get(u.agentId) !== u.partition) agentPartition.set(u.agentId, u.partition);
    hooks.onMessage(u.topic, data);
  };

  const forgetPartition = (p: number) => {
    subs.get(p)?.unsubscribe();
    subs.delete(p);
    for (const [id, q] of agentPartition) {
      if (q !== p) continue;
      agentPartition.delete(id);
      counts.forgotten++;
      try {
        hooks.forget(id);
      } catch (e) {
        log("debug", `forget ${id}: ${(e as Error).message}`);
      }
    }
  };

  const perform = (actions: OwnershipAction[]) => {
    for (const a of actions) {
      const p = a.partition;
      switch (a.kind) {
        case ActionKind.Serve:
          if (!subs.has(p)) subs.set(p, nc.subscribe(partitionSubject(p), { callback: (_e, m) => onUplink(m.subject, m.data) }));
          log("info", `cluster: serving partition ${p}`);
          break;
        case ActionKind.Pause:
          log("info", `cluster: partition ${p} paused (lease not renewed in time)`);
          break;
        case ActionKind.Forget:
          log("info", `cluster: partition ${p} is no longer ours; its sessions end here`);
          forgetPartition(p);
          break;
        case ActionKind.Write:
        case ActionKind.Delete:
          void leaseOp(a);
          break;
      }
    }
  };

  const leaseOp = async (a: OwnershipAction) => {
    const key = `lease.${a.partition}`;
    const value = JSON.stringify({ w: workerId });
    let result: number;
    try {
      if (a.kind === ActionKind.Delete) {
        await kv.delete(key, { previousSeq: a.expect });
        result = 0;
      } else if (a.expect === 0) result = await kv.create(key, value);
      else result = await kv.update(key, value, a.expect!);
    } catch (e) {
      result = isConflict(e) ? CONFLICT : FAILED;
      if (result === FAILED) log("debug", `cluster: ${key} write failed: ${(e as Error).message}`);
    }
    if (closed && a.op !== LeaseOp.Release) return;
    perform(own.done(nowMs(), a.partition, a.op!, result));
    if (result === CONFLICT && !closed) {
      // The watch may lag, or have missed a write of ours whose answer was lost: read the key,
      // from the stream leader (a key-value get may be answered by a replica that lags).
      try {
        const m = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${key}` });
        if (m !== null) {
          const op = m.header?.get("KV-Operation") ?? "";
          const owner = op === "DEL" || op === "PURGE" ? null : ownerOf(new TextDecoder().decode(m.data));
          log("debug", `cluster: ${key} ${a.kind === ActionKind.Delete ? "delete" : a.expect === 0 ? "create" : "update"} expecting revision ${a.expect} conflicted; the key is at ${m.seq} (${owner ?? "deleted"})`);
          perform(own.observeRead(nowMs(), a.partition, owner, m.seq));
        }
      } catch (err) {
        log("debug", `cluster: ${key} read after a conflict failed: ${(err as Error).message}`);
      }
    }
  };

  // The watch: leases and worker records. Our own worker record comes back through it every
  // renewMs; when it has not for a lease time, the watch is stuck (a server lost under it)
  // and is started again.
  let watchStartedMs = nowMs();
  let selfSeenMs = nowMs();
  let stopWatch: (() => void) | null = null;
  const selfKey = `worker.${workerId}`;
  const watchLoop = async () => {
    while (!closed) {
      try {
        const it = await kv.watch({ key: ">" });
        watchStartedMs = selfSeenMs = nowMs();
        stopWatch = () => it.stop();
        for await (const e of it) {
          if (closed) break;
          const t = nowMs();
          if (e.key === selfKey) selfSeenMs = t;
          const present = e.operation === "PUT";
          if (e.key.startsWith("lease.")) {
            const p = Number(e.key.slice(6));
            const owner = present ? ownerOf(e.string()) : null;
            if (Number.isInteger(p)) perform(own.observeLease(t, p, owner, e.revision));
          } else if (e.key.startsWith("worker.")) {
            const id = e.key.slice(7);
            let rec: WorkerRecord | null = null;
            if (present) {
              try {
                rec = JSON.parse(e.string()) as WorkerRecord;
              } catch {
                rec = null;
              }
            }
            // A worker that died leaves its record behind, and a new watch delivers it as if
            // fresh. By the writer's wall clock (only balance and the view depend on it, never
            // safety): a record older than LIVE_RECORD_LEASES is not a live worker, and one
            // older than STALE_RECORD_LEASES is removed, with its revision, so a record
            // rewritten meanwhile stays.
            const age = rec === null ? Infinity : Date.now() - rec.at;
            if (rec !== null && age > STALE_RECORD_LEASES * leaseMs) void kv.delete(e.key, { previousSeq: e.revision }).catch(() => undefined);
            if (age > LIVE_RECORD_LEASES * leaseMs) rec = null;
            own.observeWorker(t, id, rec !== null);
            if (rec !== null) workers.set(id, { ...rec, seenMs: t });
            else workers.delete(id);
          }
        }
      } catch (e) {
        if (!closed) log("debug", `cluster: watch ended: ${(e as Error).message}; watching again`);
      }
      if (!closed) await new Promise((r) => setTimeout(r, 200));
    }
  };
  void watchLoop();

  const record = (): WorkerRecord => {
    const agents = hooks.agents().filter((a) => agentPartition.has(a.id));
    return { id: workerId, statusUrl: hooks.statusUrl(), partitions: own.serving(), agents: agents.map((a) => ({ id: a.id, phase: a.phase, partition: agentPartition.get(a.id)! })), at: Date.now() };
  };
  let announcing = false;
  let lastAnnounceMs = -Infinity;
  const announce = async () => {
    if (announcing) return;
    announcing = true;
    lastAnnounceMs = nowMs();
    try {
      await kv.put(`worker.${workerId}`, JSON.stringify(record()));
    } catch (e) {
      log("debug", `cluster: worker record not written: ${(e as Error).message}`);
    }
    announcing = false;
  };
  const tick = () => {
    if (closed) return;
    const t = nowMs();
    if (stopWatch !== null && t - selfSeenMs > leaseMs && t - watchStartedMs > leaseMs) {
      log("info", "cluster: the bucket watch went quiet; watching again");
      counts.rewatched++;
      watchStartedMs = t;
      const stop = stopWatch;
      stopWatch = null;
      stop();
    }
    if (t - lastAnnounceMs >= own.renewMs) void announce();
    perform(own.poll(t));
  };
  await announce();
  const timer = setInterval(tick, Math.max(10, Math.floor(leaseMs / 12)));
  timer.unref();
  tick();

  (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") log("warn", `cluster: lost NATS server ${s.server}; reconnecting`);
      else if (s.type === "reconnect") log("info", `cluster: reconnected to NATS server ${s.server}`);
    }
  })().catch(() => undefined);

  const shutdown = async (graceful: boolean) => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    stopWatch?.();
    if (graceful) {
      const releases = own.releaseAll(nowMs());
      for (const a of releases) if (a.kind === ActionKind.Forget) forgetPartition(a.partition);
      await Promise.all(releases.filter((a) => a.kind === ActionKind.Delete).map((a) => leaseOp(a)));
      await kv.delete(`worker.${workerId}`).catch(() => undefined);
      await nc.drain().catch(() => undefined);
    } else await nc.close().catch(() => undefined);
  };

  return {
    clientId: `brain-${workerId}`,
    workerId,
    publish(topic, payload, _qos) {
      let d = downSubjects.get(topic);
      if (d === undefined) {
        if (downSubjects.size >= CACHE_MAX) downSubjects.clear();
        const agentId = agentOfTopic(topic);
        d = agentId === null ? null : { subject: subjectOfTopic(topic), agentId };
        downSubjects.set(topic, d);
      }
      if (d === null || closed) return;
      const p = agentPartition.get(d.agentId);
      if (p === undefined || !own.isServing(p)) {
        counts.fenced++;
        return;
      }
      counts.published++;
      nc.publish(d.subject, payload);
    },
    connected: () => !closed && !nc.isClosed(),
    status: () => clusterView(workerId, own, nowMs(), record(), workers, counts),
    close: () => shutdown(true),
    crash: () => shutdown(false),
  };
}
