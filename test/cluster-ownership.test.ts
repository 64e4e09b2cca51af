/*
 * Partition ownership (brain/cluster/ownership.ts) on a simulated clock: several workers, a
 * simulated key-value bucket with revision compare-and-set and a watch, operations and watch
 * events with latency, workers that crash, join, or are cut off from the bucket. Each case
 * is a row: a setup, a script of events, and what must hold. Every step also checks the
 * safety invariant: no partition is ever served by two workers at the same instant.
 */
import test from "ava";
import { ActionKind, CONFLICT, FAILED, LeaseOp, Ownership, type OwnershipAction } from "../brain/cluster/ownership";
import { Prng } from "../testkit/prng";

const STEP_MS = 10;

interface Pending {
  at: number;
  run: () => void;
}

/** A simulated bucket and the workers around it. */
class Sim {
  now = 0;
  private rev = 0;
  readonly keys = new Map<string, { owner: string | null; rev: number }>();
  readonly workers = new Map<string, { own: Ownership; cut: boolean; dead: boolean; deaf: boolean; loseReplies: boolean; serves: Set<number>; forgets: number; pauses: number }>();
  private queue: Pending[] = [];
  violations: string[] = [];
  serveLog: { at: number; worker: string; p: number }[] = [];

  constructor(readonly partitions: number, readonly leaseMs: number, readonly latencyMs: (w: string) => number) {}

  add(id: string): void {
    this.workers.set(id, { own: new Ownership({ workerId: id, partitions: this.partitions, leaseMs: this.leaseMs }), cut: false, dead: false, deaf: false, loseReplies: false, serves: new Set(), forgets: 0, pauses: 0 });
    // A new watcher gets every current value.
    for (const [k, v] of this.keys) this.deliver(id, k, v.owner, v.rev);
  }

  private later(delay: number, run: () => void): void {
    this.queue.push({ at: this.now + delay, run });
  }

  private deliver(id: string, key: string, owner: string | null, rev: number): void {
    const w = this.workers.get(id)!;
    if (w.dead || w.cut || w.deaf) return;
    this.later(this.latencyMs(id), () => {
      if (w.dead || w.cut || w.deaf) return;
      if (key.startsWith("lease.")) this.perform(id, w.own.observeLease(this.now, Number(key.slice(6)), owner, rev));
      else w.own.observeWorker(this.now, key.slice(7), owner !== null);
    });
  }

  private write(key: string, owner: string | null, expect: number | null): number {
    const cur = this.keys.get(key);
    if (expect !== null) {
      const curRev = cur === undefined || cur.owner === null ? 0 : cur.rev;
      if (expect === 0 ? cur !== undefined && cur.owner !== null : cur === undefined || cur.rev !== expect || cur.owner === null) return CONFLICT;
      void curRev;
    }
    const rev = ++this.rev;
    this.keys.set(key, { owner, rev });
    for (const id of this.workers.keys()) this.deliver(id, key, owner, rev);
    return rev;
  }

  perform(id: string, actions: OwnershipAction[]): void {
    const w = this.workers.get(id)!;
    for (const a of actions) {
      if (a.kind === ActionKind.Serve) w.serves.add(a.partition);
      else if (a.kind === ActionKind.Pause) w.pauses++;
      else if (a.kind === ActionKind.Forget) w.forgets++;
      else {
        const sendLatency = this.latencyMs(id);
        this.later(sendLatency, () => {
          // A cut-off worker's request never reaches the bucket; the answer is a timeout.
          let result = FAILED;
          if (!w.cut && !w.dead) result = this.write(`lease.${a.partition}`, a.kind === ActionKind.Delete ? null : id, a.expect!);
          // loseReplies: the write happens, its answer is lost (a timeout: outcome unknown).
          const answer = w.cut || w.loseReplies ? FAILED : result;
          this.later(w.cut ? this.leaseMs / 3 : this.latencyMs(id), () => {
            if (w.dead) return;
            this.perform(id, w.own.done(this.now, a.partition, a.op!, answer));
            if (answer === CONFLICT) {
              // As the worker does (nats-link.ts): read the key after a conflict.
              const key = `lease.${a.partition}`;
              const cur = this.keys.get(key);
              if (cur !== undefined) this.perform(id, w.own.observeRead(this.now, a.partition, cur.owner, cur.rev));
            }
          });
        });
      }
    }
  }

  run(untilMs: number): void {
    while (this.now < untilMs) {
      this.now += STEP_MS;
      const due = this.queue.filter((q) => q.at <= this.now);
      this.queue = this.queue.filter((q) => q.at > this.now);
      for (const q of due) q.run();
      for (const [id, w] of this.workers) {
        if (w.dead) continue;
        if (!w.cut && this.now % (this.leaseMs / 3) < STEP_MS) this.write(`worker.${id}`, id, null);
        this.perform(id, w.own.poll(this.now));
      }
      for (let p = 0; p < this.partitions; p++) {
        const serving = [...this.workers].filter(([, w]) => !w.dead && w.own.isServing(p)).map(([id]) => id);
        if (serving.length > 1) this.violations.push(`t=${this.now} partition ${p} served by ${serving.join(" and ")}`);
        for (const id of serving) this.serveLog.push({ at: this.now, worker: id, p });
      }
    }
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, w] of this.workers) if (!w.dead) out[id] = w.own.serving().length;
    return out;
  }

  /** When every partition was last picked up (first instant served after `since`). */
  firstServedAfter(since: number, p: number, by?: string): number {
    const e = this.serveLog.find((s) => s.at > since && s.p === p && (by === undefined || s.worker === by));
    return e === undefined ? Infinity : e.at;
  }
}

const LEASE = 3000;

interface Case {
  name: string;
  partitions: number;
  script: (s: Sim) => void;
  expect: (s: Sim) => string | null;
}

const fixed = () => 5;

const cases: Case[] = [
  {
    name: "one worker claims every partition within one poll and a round trip",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.run(100);
    },
    expect: (s) => (s.counts().a === 8 ? null : `a serves ${s.counts().a}`),
  },
  {
    name: "two workers end with a fair share (4/4)",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.run(500);
      s.add("b");
      s.run(6000);
    },
    expect: (s) => (s.counts().a === 4 && s.counts().b === 4 ? null : JSON.stringify(s.counts())),
  },
  {
    name: "seven partitions over three workers: 3/2/2 (a starving worker gets one)",
    partitions: 7,
    script: (s) => {
      s.add("a");
      s.run(300);
      s.add("b");
      s.run(5000);
      s.add("c");
      s.run(12_000);
    },
    expect: (s) => (Object.values(s.counts()).sort().join() === "2,2,3" ? null : JSON.stringify(s.counts())),
  },
  {
    name: "adding a worker moves only its share; the others' partitions never stop",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.add("b");
      s.run(8000);
      const before = new Map([...s.workers].map(([id, w]) => [id, w.own.serving()]));
      (s as unknown as { before: typeof before }).before = before;
      s.add("c");
      s.run(20_000);
    },
    expect: (s) => {
      const before = (s as unknown as { before: Map<string, number[]> }).before;
      const c = s.counts();
      if (c.c < 2 || c.a + c.b + c.c !== 8) return JSON.stringify(c);
      const moved = [...before].reduce((n, [id, ps]) => n + ps.filter((p) => !s.workers.get(id)!.own.isServing(p)).length, 0);
      return moved === c.c ? null : `${moved} partitions moved for a share of ${c.c}`;
    },
  },
  {
    name: "a crashed worker's partitions are taken over after one lease, not before",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.add("b");
      s.run(8000);
      const theirs = s.workers.get("b")!.own.serving();
      (s as unknown as { theirs: number[]; crashAt: number }).theirs = theirs;
      (s as unknown as { crashAt: number }).crashAt = s.now;
      s.workers.get("b")!.dead = true;
      s.run(16_000);
    },
    expect: (s) => {
      const { theirs, crashAt } = s as unknown as { theirs: number[]; crashAt: number };
      if (s.counts().a !== 8) return `a serves ${s.counts().a}`;
      for (const p of theirs) {
        const at = s.firstServedAfter(crashAt, p, "a") - crashAt;
        if (at < LEASE - LEASE / 3 || at > LEASE + LEASE / 3 + 200) return `partition ${p} taken over after ${at} ms`;
      }
      return null;
    },
  },
  {
    name: "a worker cut off from the bucket stops serving within its lease; the other takes over; healed, it forgets",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.add("b");
      s.run(8000);
      s.workers.get("b")!.cut = true;
      s.run(14_000);
      (s as unknown as { mid: Record<string, number> }).mid = s.counts();
      s.workers.get("b")!.cut = false;
      for (const [k, v] of s.keys) if (k.startsWith("lease.")) s.perform("b", s.workers.get("b")!.own.observeLease(s.now, Number(k.slice(6)), v.owner, v.rev));
      s.run(30_000);
    },
    expect: (s) => {
      const mid = (s as unknown as { mid: Record<string, number> }).mid;
      if (mid.b !== 0 || mid.a !== 8) return `while cut: ${JSON.stringify(mid)}`;
      if (s.workers.get("b")!.forgets === 0) return "b never forgot the partitions it lost";
      return s.counts().a === 4 && s.counts().b === 4 ? null : `after heal ${JSON.stringify(s.counts())}`;
    },
  },
  {
    name: "a lease that lapses while nobody claims it resumes with the same sessions (no forget)",
    partitions: 2,
    script: (s) => {
      s.add("a");
      s.run(1000);
      s.workers.get("a")!.cut = true;
      s.run(1000 + LEASE);
      (s as unknown as { paused: number }).paused = s.counts().a;
      s.workers.get("a")!.cut = false;
      s.run(1000 + 3 * LEASE);
    },
    expect: (s) => {
      const w = s.workers.get("a")!;
      if ((s as unknown as { paused: number }).paused !== 0) return "still serving past its validity";
      if (w.forgets !== 0) return `forgot ${w.forgets} partitions it could prove were still its own`;
      return s.counts().a === 2 && w.own.counts.resumed >= 1 ? null : JSON.stringify({ c: s.counts(), k: w.own.counts });
    },
  },
  {
    name: "a renewal whose answer and watch event are both lost: the conflict read adopts our own revision, no forget",
    partitions: 2,
    script: (s) => {
      s.add("a");
      s.run(1000);
      const a = s.workers.get("a")!;
      a.deaf = true;
      a.loseReplies = true;
      s.run(2000); // renewals applied, answers lost: the worker holds a stale revision
      a.loseReplies = false;
      s.run(1000 + 4 * LEASE);
    },
    expect: (s) => {
      const w = s.workers.get("a")!;
      if (w.forgets !== 0) return `forgot ${w.forgets} partitions that were its own`;
      return s.counts().a === 2 ? null : JSON.stringify({ c: s.counts(), k: w.own.counts });
    },
  },
  {
    name: "expired partitions are taken even past the fair share when their holder cannot renew (no orphan)",
    partitions: 8,
    script: (s) => {
      s.add("a");
      s.add("b");
      s.run(8000);
      // b keeps announcing itself but its lease writes all fail (e.g. its view of the bucket
      // is stale): a must not leave b's partitions unserved because b still counts as live.
      const b = s.workers.get("b")!;
      b.deaf = true;
      b.loseReplies = true;
      const writeKey = (s as unknown as { write: (k: string, o: string | null, e: number | null) => number }).write.bind(s);
      for (const [k, v] of s.keys) if (k.startsWith("lease.") && v.owner === "b") writeKey(k, "b", null); // one more write b never hears of
      s.run(8000 + 4 * LEASE);
    },
    expect: (s) => {
      let served = 0;
      for (let p = 0; p < 8; p++) if ([...s.workers.values()].some((w) => !w.dead && w.own.isServing(p))) served++;
      return served === 8 ? null : `${served} of 8 partitions served: ${JSON.stringify(s.counts())}`;
    },
  },
];

for (const c of cases)
  test(`ownership: ${c.name}`, (t) => {
    const s = new Sim(c.partitions, LEASE, fixed);
    c.script(s);
    t.deepEqual(s.violations.slice(0, 3), [], "never two servers for one partition");
    t.is(c.expect(s), null);
  });

test("ownership: random latencies, crashes, joins and cuts never give a partition two servers", (t) => {
  for (let seed = 1; seed <= 12; seed++) {
    const rng = new Prng(seed);
    const s = new Sim(8, LEASE, () => rng.int(1, 400));
    s.add("w0");
    let next = 1;
    for (let round = 0; round < 20; round++) {
      const live = [...s.workers].filter(([, w]) => !w.dead).map(([id]) => id);
      const r = rng.int(0, 9);
      if (r < 3 || live.length === 0) s.add(`w${next++}`);
      else if (r < 5 && live.length > 1) s.workers.get(rng.pick(live))!.dead = true;
      else if (r < 7) {
        const w = s.workers.get(rng.pick(live))!;
        w.cut = !w.cut;
      }
      s.run(s.now + rng.int(500, 4000));
    }
    t.deepEqual(s.violations.slice(0, 3), [], `seed ${seed}`);
  }
});

test("our last write rolled back by the store (the conflict read shows our key at an older revision): pause, renew from that revision, serve again", (t) => {
  const o = new Ownership({ workerId: "w1", partitions: 1, leaseMs: 3000 });
  const kinds = (acts: OwnershipAction[]) => acts.map((a) => a.kind).join(",");
  const writes = (acts: OwnershipAction[]) => acts.filter((a) => a.kind === ActionKind.Write);
  let now = 0;
  let claim: OwnershipAction | undefined;
  for (; now < 10_000 && claim === undefined; now += 10) claim = writes(o.poll(now))[0];
  t.truthy(claim, "the lone worker claims the partition");
  t.true(o.done(now, 0, LeaseOp.Claim, 5).some((a) => a.kind === ActionKind.Serve), "serving after the claim");
  let renew: OwnershipAction | undefined;
  for (; renew === undefined; now += 10) renew = writes(o.poll(now))[0];
  t.is(renew.expect, 5);
  o.done(now, 0, LeaseOp.Renew, 7); // we believe the key is at 7 ...
  let second: OwnershipAction | undefined;
  for (; second === undefined; now += 10) second = writes(o.poll(now))[0];
  t.is(second.expect, 7);
  t.deepEqual(o.done(now, 0, LeaseOp.Renew, CONFLICT), [], "... but the store lost that write: conflict");
  const read = o.observeRead(now, 0, "w1", 5);
  t.true(read.some((a) => a.kind === ActionKind.Pause), `serving pauses: ${kinds(read)}`);
  let retry: OwnershipAction | undefined;
  for (const end = now + 3_000; retry === undefined && now < end; now += 10) retry = writes(o.poll(now))[0];
  t.is(retry?.expect, 5, "the renewal expects the stored revision, not the lost one");
  t.true(o.done(now, 0, LeaseOp.Renew, 9).some((a) => a.kind === ActionKind.Serve), "serving again once the renewal from the stored revision succeeds");
});
