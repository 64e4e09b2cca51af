/*
 * brain/cluster/ownership: which partitions this brain worker serves, decided from leases in
 * a key-value bucket with revision compare-and-set. Sans-IO: (nowMs, observation) in,
 * actions out; the worker (worker.ts) performs the actions and reports their outcome.
 *
 * Theory of operation. Partition p has one key, `lease.p`, whose value names the owning
 * worker instance. Every write is a compare-and-set: a claim of a never-written or deleted
 * key is a create, any other claim, a renewal or a release (delete) names the revision it
 * replaces, so two workers can never both believe a write of theirs made them the owner.
 * Inputs:
 *   observeLease(now, p, owner | null, revision)   every change the bucket's watch delivers
 *                                                  (null owner: deleted or never written);
 *   observeWorker(now, id, present)                workers announce themselves under
 *                                                  `worker.<id>` every renewPeriod;
 *   done(now, p, op, revision | CONFLICT | FAILED) the outcome of an action;
 *   observeRead(now, p, owner | null, revision)    the key read from the stream leader after
 *                                                  a conflict.
 * Rules (all times are this process's monotonic clock, never another machine's):
 *   - Renewal: a held lease is rewritten every leaseMs/3. The holder may serve p until
 *     sentAt(last successful write) + leaseMs - guardMs; past that it is *suspended*: it
 *     keeps p's sessions but neither handles p's uplinks nor publishes for p's agents, and
 *     keeps trying to renew with its last revision. A renewal that succeeds proves nobody
 *     wrote the key in between (compare-and-set), so serving resumes with the same sessions.
 *   - Expiry: another worker's lease counts as expired when its revision has not changed
 *     for leaseMs since this worker saw it change. The holder wrote that revision before it
 *     was seen, so the holder stopped serving (sentAt + leaseMs - guard) before anyone may
 *     claim (seenAt + leaseMs).
 *   - Loss: when the watch shows another owner, or a compare-and-set on p conflicts and the
 *     key is not ours, p is *lost*: the worker forgets p's sessions (its devices register
 *     again with the new owner and get a new session key).
 *   - Fair share: with n live workers (seen within leaseMs, self included), lo = floor(P/n)
 *     and hi = ceil(P/n). A worker claims free or expired partitions while it holds fewer
 *     than hi, or, while another live worker holds fewer than lo, only while it holds fewer
 *     than lo itself. Once the set of live workers has been stable for settleMs, a worker holding
 *     more than hi releases its highest partitions down to hi, and if some live worker holds
 *     fewer than lo while nothing is free, the worker with the most partitions (ties: the
 *     greatest id) releases one. Only released partitions move: every other session stays.
 *   - A partition free or expired for two lease times is claimed by any worker whatever its
 *     share: availability first. When it is one the worker itself released for balance
 *     (whoever the share was for did not take it), it makes no balance release for
 *     BALANCE_HOLD_LEASES leases.
 *   - After a conflict the worker reads the key (the watch may lag or have missed a write of
 *     ours whose answer was lost) and feeds it to observeRead: a newer revision of our own
 *     is adopted, an older one of our own (our last write rolled back) is adopted with
 *     serving paused until a renewal from it succeeds, another owner's means the partition
 *     is lost.
 *   - One operation per partition at a time; after a conflict or failure the partition
 *     waits retryMs before the next attempt.
 */

/** The outcome `done` reports when the compare-and-set found another revision. */
export const CONFLICT = -1;
/** The outcome `done` reports when the operation failed without an answer (timeout, no JetStream). */
export const FAILED = -2;

export const LeaseOp = {
  Claim: 0,
  Renew: 1,
  Release: 2,
} as const;
export type LeaseOpCode = (typeof LeaseOp)[keyof typeof LeaseOp];

/** A worker that takes back as an orphan a partition it released for balance (whoever the
 * share was for did not claim it: handing it back would orphan it again) holds off balance
 * releases this many leases. */
export const BALANCE_HOLD_LEASES = 10;

export const ActionKind = {
  /** Write the lease: create when expect is 0, else update expecting that revision. */
  Write: 0,
  /** Delete the lease expecting that revision. */
  Delete: 1,
  /** Start (or resume) handling p's uplinks and publishing for its agents. */
  Serve: 2,
  /** Stop handling p for now; keep its sessions (the lease may still be ours). */
  Pause: 3,
  /** p is someone else's: drop its sessions without a word to its devices. */
  Forget: 4,
} as const;

export interface OwnershipAction {
  kind: (typeof ActionKind)[keyof typeof ActionKind];
  partition: number;
  op?: LeaseOpCode;
  /** Revision the write/delete expects (0: the key must not exist). */
  expect?: number;
}

export interface OwnershipOptions {
  workerId: string;
  partitions: number;
  leaseMs: number;
  /** Safety margin subtracted from the holder's validity, ms (default leaseMs/10). */
  guardMs?: number;
  /** Wait after a conflict or failure, ms (default leaseMs/6). */
  retryMs?: number;
  /** How long the live worker set must be unchanged before releasing for balance (default leaseMs/2). */
  settleMs?: number;
}

interface Seen {
  owner: string | null;
  revision: number;
  seenMs: number;
}

const enum Mine {
  NONE,
  CLAIMING,
  HELD,
  SUSPENDED,
  RELEASING,
}

interface Own {
  state: Mine;
  revision: number;
  /** When the last successful write was sent. */
  writtenAtMs: number;
  /** When the write now in flight was sent; -1 when none. */
  inflightSinceMs: number;
  /** Send time of the oldest write since the last known outcome whose answer was lost; -1 when none. */
  unknownSinceMs: number;
  retryAtMs: number;
}

export class Ownership {
  readonly workerId: string;
  readonly partitions: number;
  readonly leaseMs: number;
  readonly renewMs: number;
  private readonly guardMs: number;
  private readonly retryMs: number;
  private readonly settleMs: number;
  private readonly seen: Seen[] = [];
  private readonly own: Own[] = [];
  private readonly workers = new Map<string, number>();
  private workerSetChangedMs = -Infinity;
  /** When this worker last took back as an orphan a partition it had released for balance. */
  private orphanClaimedMs = -Infinity;
  /** When this worker last released each partition for balance. */
  private readonly releasedForBalanceMs: number[] = [];
  private lastLiveKey = "";
  /** Counters for /status. */
  readonly counts = { claimed: 0, renewed: 0, released: 0, lost: 0, suspended: 0, resumed: 0, conflicts: 0, failures: 0 };

  constructor(o: OwnershipOptions) {
    if (!Number.isInteger(o.partitions) || o.partitions < 1) throw new RangeError("Ownership: partitions must be a whole number >= 1");
    if (!(o.leaseMs >= 30)) throw new RangeError("Ownership: leaseMs must be >= 30");
    this.workerId = o.workerId;
    this.partitions = o.partitions;
    this.leaseMs = o.leaseMs;
    this.renewMs = Math.floor(o.leaseMs / 3);
    this.guardMs = o.guardMs ?? Math.floor(o.leaseMs / 10);
    this.retryMs = o.retryMs ?? Math.floor(o.leaseMs / 6);
    this.settleMs = o.settleMs ?? Math.floor(o.leaseMs / 2);
    for (let p = 0; p < o.partitions; p++) {
      this.seen.push({ owner: null, revision: 0, seenMs: -Infinity });
      this.releasedForBalanceMs.push(-Infinity);
      this.own.push({ state: Mine.NONE, revision: 0, writtenAtMs: -Infinity, inflightSinceMs: -1, unknownSinceMs: -1, retryAtMs: -Infinity });
    }
  }

  /** Partitions this worker serves now (held and within validity). */
  serving(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.partitions; p++) if (this.own[p].state === Mine.HELD) out.push(p);
    return out;
  }

  /** True when p's uplinks may be handled and its agents published to. */
  isServing(p: number): boolean {
    return this.own[p]?.state === Mine.HELD;
  }

  /** The owner the bucket last showed for p (null: none). */
  ownerOf(p: number): string | null {
    return this.seen[p].owner;
  }

  /** Live workers (self included), sorted. */
  liveWorkers(nowMs: number): string[] {
    const ids = new Set<string>([this.workerId]);
    for (const [id, at] of this.workers) if (nowMs - at < this.leaseMs) ids.add(id);
    return [...ids].sort();
  }

  observeWorker(nowMs: number, id: string, present: boolean): void {
    if (id === this.workerId) return;
    if (present) this.workers.set(id, nowMs);
    else this.workers.delete(id);
  }

  observeLease(nowMs: number, p: number, owner: string | null, revision: number): OwnershipAction[] {
    const out: OwnershipAction[] = [];
    if (p < 0 || p >= this.partitions) return out;
    const s = this.seen[p];
    if (revision <= s.revision && revision !== 0) return out; // a replay of what we saw
    s.owner = owner;
    s.revision = revision;
    s.seenMs = nowMs;
    const m = this.own[p];
    if (owner === this.workerId) {
      // Our own write, perhaps one whose answer was lost: adopt its revision. Writes are
      // compare-and-set from our previous revision, so nobody wrote in between. It was sent
      // no earlier than the oldest write whose answer was lost: validity counts from there.
      if (m.state === Mine.HELD || m.state === Mine.SUSPENDED) {
        if (revision > m.revision && m.unknownSinceMs >= 0) {
          m.writtenAtMs = Math.max(m.writtenAtMs, m.unknownSinceMs);
          m.unknownSinceMs = -1;
        }
        m.revision = Math.max(m.revision, revision);
        if (m.state === Mine.SUSPENDED && nowMs < m.writtenAtMs + this.leaseMs - this.guardMs) {
          m.state = Mine.HELD;
          this.counts.resumed++;
          out.push({ kind: ActionKind.Serve, partition: p });
        }
      } else if (m.state === Mine.CLAIMING) m.revision = Math.max(m.revision, revision);
      return out;
    }
    if (owner !== null && m.state !== Mine.NONE) this.lose(p, out);
    else if (owner === null && m.state !== Mine.NONE && m.state !== Mine.RELEASING && m.state !== Mine.CLAIMING) this.lose(p, out); // deleted under us
    return out;
  }

  /**
   * The key as read from the stream leader after a conflict: authoritative, so it is taken even
   * when its revision is older than one already seen. When the key is ours at another revision
   * than the one we hold, our last write did not survive (a leader change after a network
   * partition rolled it back): adopt the stored revision, and stop serving until a renewal
   * from it succeeds, since others count our validity from that older write. Otherwise the
   * read is an ordinary observation.
   */
  observeRead(nowMs: number, p: number, owner: string | null, revision: number): OwnershipAction[] {
    if (p < 0 || p >= this.partitions) return [];
    const m = this.own[p];
    if (owner !== this.workerId || revision >= m.revision || (m.state !== Mine.HELD && m.state !== Mine.SUSPENDED))
      return this.observeLease(nowMs, p, owner, revision);
    const out: OwnershipAction[] = [];
    this.seen[p] = { owner, revision, seenMs: nowMs };
    m.revision = revision;
    m.writtenAtMs = -Infinity;
    m.unknownSinceMs = -1;
    this.checkValidity(nowMs, p, out);
    return out;
  }

  /** Outcome of the write/delete sent for p: the new revision, CONFLICT or FAILED. */
  done(nowMs: number, p: number, op: LeaseOpCode, result: number): OwnershipAction[] {
    const out: OwnershipAction[] = [];
    const m = this.own[p];
    const sentMs = m.inflightSinceMs;
    m.inflightSinceMs = -1;
    if (result === CONFLICT || result === FAILED) {
      if (result === CONFLICT) this.counts.conflicts++;
      else {
        this.counts.failures++;
        if (op === LeaseOp.Renew && m.unknownSinceMs < 0) m.unknownSinceMs = sentMs;
      }
      m.retryAtMs = nowMs + this.retryMs;
      if (op === LeaseOp.Claim && m.state === Mine.CLAIMING) m.state = Mine.NONE;
      else if (op === LeaseOp.Release && m.state === Mine.RELEASING) {
        // The delete did not happen (or we cannot tell): p is no longer served either way;
        // the lease runs out by itself if it was ours.
        m.state = Mine.NONE;
      } else if (op === LeaseOp.Renew && result === CONFLICT && this.seen[p].owner !== this.workerId) this.lose(p, out);
      return out;
    }
    // Success: result is the new revision (0 for a delete).
    if (op === LeaseOp.Release) {
      m.state = Mine.NONE;
      m.revision = 0;
      this.counts.released++;
      return out;
    }
    if (m.state === Mine.NONE) return out; // lost meanwhile: a later watch event settles it
    m.revision = result;
    m.writtenAtMs = sentMs;
    m.unknownSinceMs = -1;
    if (result > this.seen[p].revision) this.seen[p] = { owner: this.workerId, revision: result, seenMs: nowMs };
    if (op === LeaseOp.Claim) this.counts.claimed++;
    else this.counts.renewed++;
    if (m.state === Mine.CLAIMING || m.state === Mine.SUSPENDED) {
      if (m.state === Mine.SUSPENDED) this.counts.resumed++;
      m.state = Mine.HELD;
      out.push({ kind: ActionKind.Serve, partition: p });
    }
    // A write that came back after validity ran out still proves continuity: resume (above).
    this.checkValidity(nowMs, p, out);
    return out;
  }

  /** Timer tick: renewals, expiries, claims and balance releases due at nowMs. */
  poll(nowMs: number): OwnershipAction[] {
    const out: OwnershipAction[] = [];
    const live = this.liveWorkers(nowMs);
    const liveKey = live.join(",");
    if (liveKey !== this.lastLiveKey) {
      this.lastLiveKey = liveKey;
      this.workerSetChangedMs = nowMs;
    }
    for (let p = 0; p < this.partitions; p++) {
      this.checkValidity(nowMs, p, out);
      const m = this.own[p];
      if ((m.state === Mine.HELD || m.state === Mine.SUSPENDED) && m.inflightSinceMs < 0 && nowMs >= m.retryAtMs && nowMs - m.writtenAtMs >= this.renewMs) {
        m.inflightSinceMs = nowMs;
        out.push({ kind: ActionKind.Write, partition: p, op: LeaseOp.Renew, expect: m.revision });
      }
    }
    // Fair share.
    const n = live.length;
    const lo = Math.floor(this.partitions / n);
    const hi = Math.ceil(this.partitions / n);
    const held = new Map<string, number>();
    const free: number[] = [];
    let mine = 0;
    for (let p = 0; p < this.partitions; p++) {
      const m = this.own[p];
      if (m.state === Mine.CLAIMING || m.state === Mine.HELD || m.state === Mine.SUSPENDED) {
        mine++;
        continue;
      }
      if (m.state === Mine.RELEASING) continue;
      const s = this.seen[p];
      if (s.owner === null || s.owner === this.workerId || nowMs - s.seenMs >= this.leaseMs) free.push(p);
      else held.set(s.owner, (held.get(s.owner) ?? 0) + 1);
    }
    // While another live worker holds fewer than lo, only such workers claim: a worker at
    // lo or above leaves free partitions to them (else a release for balance could be taken
    // back by a worker that has enough, and the starving one would never get one).
    const starving = live.some((id) => id !== this.workerId && (held.get(id) ?? 0) < lo);
    const claimUpTo = starving ? Math.max(lo, mine) : hi;
    for (const p of free) {
      const s = this.seen[p];
      // A partition nobody has served for two leases is claimed whatever the share:
      // serving it comes before balance (a later release restores the balance).
      const orphan = nowMs - s.seenMs >= 2 * this.leaseMs;
      if (mine >= claimUpTo && !orphan) continue;
      const m = this.own[p];
      if (m.inflightSinceMs >= 0 || nowMs < m.retryAtMs) continue;
      if (orphan && mine >= claimUpTo && nowMs - this.releasedForBalanceMs[p] < BALANCE_HOLD_LEASES * this.leaseMs) this.orphanClaimedMs = nowMs;
      m.state = Mine.CLAIMING;
      m.inflightSinceMs = nowMs;
      out.push({ kind: ActionKind.Write, partition: p, op: LeaseOp.Claim, expect: s.owner === null ? 0 : s.revision });
      mine++;
    }
    if (nowMs - this.workerSetChangedMs >= this.settleMs && free.length === 0 && nowMs - this.orphanClaimedMs >= BALANCE_HOLD_LEASES * this.leaseMs) {
      let release = mine > hi ? mine - hi : 0;
      if (release === 0 && mine > lo) {
        if (starving) {
          let top = true;
          for (const id of live) {
            if (id === this.workerId) continue;
            const c = held.get(id) ?? 0;
            if (c > mine || (c === mine && id > this.workerId)) top = false;
          }
          if (top) release = 1;
        }
      }
      for (let p = this.partitions - 1; p >= 0 && release > 0; p--) {
        const m = this.own[p];
        if (m.state !== Mine.HELD || m.inflightSinceMs >= 0) continue;
        m.state = Mine.RELEASING;
        m.inflightSinceMs = nowMs;
        this.releasedForBalanceMs[p] = nowMs;
        out.push({ kind: ActionKind.Pause, partition: p });
        out.push({ kind: ActionKind.Forget, partition: p });
        out.push({ kind: ActionKind.Delete, partition: p, op: LeaseOp.Release, expect: m.revision });
        release--;
      }
    }
    return out;
  }

  /** Every partition held now, for a clean shutdown: pause, forget and delete each. */
  releaseAll(nowMs: number): OwnershipAction[] {
    const out: OwnershipAction[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const m = this.own[p];
      if (m.state !== Mine.HELD && m.state !== Mine.SUSPENDED) continue;
      const rev = m.revision;
      m.state = Mine.RELEASING;
      m.inflightSinceMs = nowMs;
      out.push({ kind: ActionKind.Pause, partition: p }, { kind: ActionKind.Forget, partition: p }, { kind: ActionKind.Delete, partition: p, op: LeaseOp.Release, expect: rev });
    }
    return out;
  }

  private checkValidity(nowMs: number, p: number, out: OwnershipAction[]): void {
    const m = this.own[p];
    if (m.state === Mine.HELD && nowMs >= m.writtenAtMs + this.leaseMs - this.guardMs) {
      m.state = Mine.SUSPENDED;
      this.counts.suspended++;
      out.push({ kind: ActionKind.Pause, partition: p });
    }
  }

  private lose(p: number, out: OwnershipAction[]): void {
    const m = this.own[p];
    const wasServing = m.state === Mine.HELD;
    const hadSessions = m.state === Mine.HELD || m.state === Mine.SUSPENDED;
    m.state = Mine.NONE;
    m.revision = 0;
    m.inflightSinceMs = -1;
    if (!hadSessions) return;
    this.counts.lost++;
    if (wasServing) out.push({ kind: ActionKind.Pause, partition: p });
    out.push({ kind: ActionKind.Forget, partition: p });
  }
}
