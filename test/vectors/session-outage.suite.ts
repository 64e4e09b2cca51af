/*
 * session-outage.suite: long outages on the simulated clock, and what the agent does about
 * them. Runs on V8 and on XS (test/session-outage.test.ts), which also prints the figures.
 *
 * Each row of `outages` is one kind of outage held for a stretch of simulated time:
 *   - peer-level (a broker that refuses, a brain that stays silent while the broker answers):
 *     no network restart and no reboot request, ever; every backoff delay within
 *     [backoffBaseMs / 10, backoffMaxMs] and every gap between attempts within the backoff
 *     bound plus the time one failed attempt can take;
 *   - network-level (no route, no IP, DNS, connects that hang): a network restart at exactly
 *     the networkRestartAfter-th failure in a row, then a reboot request at every further
 *     rebootAfter-th failure, and nothing else.
 * The figures (attempts, max gap, restarts, reboots) come back from `outageFigures`.
 */
import { Err } from "../../src/errors";
import { Phase } from "../../src/session/automaton";
import { Counter } from "../../src/session/counters";
import type { Check } from "../helpers/suite";
import { SimWorld, checkInvariants, simConfig } from "../../testkit/sim";

export interface OutageFigures {
  name: string;
  minutes: number;
  attempts: number;
  maxGapMs: number;
  gapBoundMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  distinctBackoffs: number;
  networkRestarts: number;
  reboots: number;
  /** The failed attempt (counted from the start of the outage) at each restart request, and at each reboot request. */
  restartAt: number[];
  rebootAt: number[];
  linkLosses: number;
  connectFailures: number;
  activeAgainMs: number;
  invariantFailures: string[];
}

interface Outage {
  name: string;
  minutes: number;
  session: Record<string, number>;
  /** Starts the outage in the world. */
  begin(w: SimWorld): void;
  end(w: SimWorld): void;
  /** Longest a failed attempt can take before its backoff starts, ms. */
  attemptMs(w: SimWorld): number;
  network: boolean;
  /** Each attempt opens the transport before it fails (so each failure is a link loss). */
  linkUpPerAttempt: boolean;
}

export const outages: readonly Outage[] = [
  {
    name: "broker refuses (process down, host up)", minutes: 30, session: {}, network: false, linkUpPerAttempt: false,
    begin: (w) => (w.brokerUp = false), end: (w) => (w.brokerUp = true), attemptMs: (w) => 2 * w.latencyMs,
  },
  {
    name: "brain silent while the broker answers", minutes: 30, session: {}, network: false, linkUpPerAttempt: true,
    begin: (w) => (w.script.silent = true), end: (w) => (w.script.silent = false),
    attemptMs: (w) => w.agent.config.session.registrationDeadlineMs + 8 * w.latencyMs,
  },
  {
    name: "network down: host unreachable (defaults 5 / 5)", minutes: 30, session: {}, network: true, linkUpPerAttempt: false,
    begin: (w) => (w.networkFault = Err.NetUnreachable), end: (w) => (w.networkFault = 0), attemptMs: (w) => 2 * w.latencyMs,
  },
  {
    name: "network down: no IP (configured 3 / 4)", minutes: 30, session: { networkRestartAfter: 3, rebootAfter: 4 }, network: true, linkUpPerAttempt: false,
    begin: (w) => (w.networkFault = Err.NetDown), end: (w) => (w.networkFault = 0), attemptMs: (w) => 2 * w.latencyMs,
  },
  {
    name: "network down: connects hang until the connect timeout", minutes: 30, session: { transitionTimeoutMs: 5_000 }, network: true, linkUpPerAttempt: false,
    begin: (w) => (w.connectHangs = true), end: (w) => (w.connectHangs = false), attemptMs: (w) => w.agent.config.session.transitionTimeoutMs,
  },
];

/** Runs one outage from an active session and returns what happened. */
export function outageFigures(index: number): OutageFigures {
  const o = outages[index];
  const w = new SimWorld(simConfig({ session: o.session }), { seed: 11 + index });
  const invariantFailures: string[] = [];
  const opens: number[] = [];
  const backoffs: number[] = [];
  const restartAt: number[] = [];
  const rebootAt: number[] = [];
  let phase = -1;
  let backoffSince = -1;
  let restarts = 0;
  let reboots = 0;
  w.agent.start(w.now);
  w.runUntil(() => w.phase === Phase.Active, 5_000);
  w.onStep = () => {
    checkInvariants(w, (m) => invariantFailures.length < 3 && invariantFailures.push(m));
    const s = w.agent.status();
    if (s.phase !== phase) {
      if (s.phase === Phase.TransportOpening) opens.push(w.t);
      if (phase === Phase.BackingOff && backoffSince >= 0) backoffs.push(w.t - backoffSince);
      backoffSince = s.phase === Phase.BackingOff ? w.t : -1;
      phase = s.phase;
    }
    if (w.networkRestarts !== restarts) {
      restarts = w.networkRestarts;
      restartAt.push(w.agent.counters[Counter.ConnectAttempts] - attemptsBefore);
    }
    if (w.reboots !== reboots) {
      reboots = w.reboots;
      rebootAt.push(w.agent.counters[Counter.ConnectAttempts] - attemptsBefore);
    }
  };
  const attemptsBefore = w.agent.counters[Counter.ConnectAttempts];
  const lossesBefore = w.agent.counters[Counter.LinkLosses];
  o.begin(w);
  w.cutLink(); // the outage takes the active session's link with it
  w.run(o.minutes * 60_000, 1_000_000);
  let maxGap = 0;
  for (let i = 1; i < opens.length; i++) maxGap = Math.max(maxGap, opens[i] - opens[i - 1]);
  const cfg = w.agent.config.session;
  const attempts = w.agent.counters[Counter.ConnectAttempts] - attemptsBefore;
  const figures: OutageFigures = {
    name: o.name, minutes: o.minutes, attempts, maxGapMs: maxGap, gapBoundMs: cfg.backoffMaxMs + o.attemptMs(w),
    minBackoffMs: Math.min(...backoffs), maxBackoffMs: Math.max(...backoffs), distinctBackoffs: new Set(backoffs).size,
    networkRestarts: w.agent.counters[Counter.NetworkRestarts], reboots: w.agent.counters[Counter.RebootRequests],
    restartAt, rebootAt, linkLosses: w.agent.counters[Counter.LinkLosses] - lossesBefore,
    connectFailures: w.agent.counters[Counter.ConnectFailures], activeAgainMs: -1, invariantFailures,
  };
  o.end(w);
  figures.activeAgainMs = w.runUntil(() => w.phase === Phase.Active, cfg.backoffMaxMs + o.attemptMs(w) + 5_000);
  return figures;
}

export function run(check: Check): void {
  outages.forEach((o, i) => {
    const f = outageFigures(i);
    const cfg = { ...simConfig().session, ...o.session } as Record<string, number>;
    const base = 1_000, max = 60_000; // the session defaults simConfig keeps
    const what = (s: string) => `${o.name}: ${s}`;
    check.is(f.invariantFailures.length, 0, what(`invariants held (${f.invariantFailures.join("; ")})`));
    check.ok(f.attempts >= 20, what(`kept trying: ${f.attempts} attempts`));
    check.ok(f.maxGapMs <= f.gapBoundMs, what(`max gap ${f.maxGapMs} ms within ${f.gapBoundMs} ms`));
    check.ok(f.minBackoffMs >= base / 10 && f.maxBackoffMs <= max, what(`backoffs in [${base / 10}, ${max}]: ${f.minBackoffMs}..${f.maxBackoffMs}`));
    check.ok(f.distinctBackoffs >= f.attempts / 2, what(`jittered: ${f.distinctBackoffs} distinct delays`));
    if (o.linkUpPerAttempt) check.ok(f.linkLosses >= f.attempts - 1, what(`every attempt opened a link and lost it: ${f.linkLosses} losses`));
    else check.is(f.linkLosses, 1, what(`one link loss, the link that was up (${f.connectFailures} connect failures)`));
    check.ok(f.activeAgainMs >= 0, what(`active again within the backoff bound (${f.activeAgainMs} ms)`));
    if (!o.network) {
      check.is(f.networkRestarts, 0, what("no network restart"));
      check.is(f.reboots, 0, what("no reboot request"));
      return;
    }
    const restartAfter = cfg.networkRestartAfter ?? 5, rebootAfter = cfg.rebootAfter ?? 5;
    check.is(f.networkRestarts, 1, what("one network restart"));
    check.is(f.restartAt.join(","), String(restartAfter), what(`network restart at failure ${restartAfter} in a row`));
    const reboots: number[] = [];
    for (let n = restartAfter + rebootAfter; n <= f.attempts; n += rebootAfter) reboots.push(n);
    check.is(f.rebootAt.join(","), reboots.join(","), what(`reboot requests at failures ${reboots.join(",")}`));
    check.is(f.reboots, reboots.length, what("every reboot request counted"));
  });

  // Peer-level evidence proves the network works: it clears the network escalation.
  const w = new SimWorld(simConfig({ session: { networkRestartAfter: 3 } }), { seed: 5 });
  w.agent.start(w.now);
  w.runUntil(() => w.phase === Phase.Active, 5_000);
  w.networkFault = Err.NetUnreachable;
  w.cutLink();
  w.runUntil(() => w.agent.status().networkFailures === 2, 600_000);
  w.networkFault = 0;
  w.brokerUp = false; // the network is back, the broker is not
  w.runUntil(() => w.agent.status().networkFailures === 0, 600_000);
  w.networkFault = Err.NetUnreachable;
  w.brokerUp = true;
  w.runUntil(() => w.agent.status().networkFailures === 2, 600_000);
  check.is(w.networkRestarts, 0, "2 network failures, a refusal, 2 more: no restart (the refusal proved the network)");
  w.runUntil(() => w.networkRestarts === 1, 600_000);
  check.is(w.agent.status().networkFailures, 3, "the third network failure in a row restarts the network");
  const line = w.logs.find((l) => l[3].includes("escalating"));
  check.ok(line !== undefined && line[3].includes("restart-network after 3 network-level failures") && line[3].includes("broker.sim:1883"),
    `the escalation line gives the true count and the broker: ${line?.[3]}`);
  const backoff = w.logs.find((l) => l[3].includes("reconnecting in") && l[3].includes("PEER_REFUSED"));
  check.ok(backoff !== undefined && backoff[3].includes("broker.sim:1883 peer-level PEER_REFUSED"), `the reconnect line names the class and the broker: ${backoff?.[3]}`);
}
