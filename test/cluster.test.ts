/*
 * The brain on a real NATS cluster: three nats-server nodes (JetStream, MQTT, routes, the
 * partition mapping; testkit/nats-cluster.ts), brain workers on the native NATS protocol
 * (two in this process, one more as `npm run brain -- --cluster ...` in a child process),
 * and real firmware agents on the Node host speaking MQTT 3.1.1 to the nodes, each with the
 * list of all three nodes' MQTT ports (its own first), rotating on a failure.
 * The controller numbers its commands per session and writes [n, sessionId] into every
 * motor frame; each device checks every frame it applies: it must carry the device's current
 * session id and a number above the last one of that session. A frame of another session or
 * an out-of-order number counts as stale. One cluster, scenarios in order; each measures how
 * long the fault took to be noticed and until every agent was active again with fresh motor
 * frames, asserts a bound on the latter and zero stale frames, and logs a fault table.
 */
import test from "ava";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBrain, type Brain } from "../brain/index";
import { NodeAgent } from "../hosts/node/node-agent";
import type { AgentConfigInput } from "../src/agent/config";
import { Phase } from "../src/session/automaton";
import { Counter } from "../src/session/counters";
import { startFaultProxy, type FaultProxy } from "../testkit/fault-proxy";
import { spawnClusterWorker, startNatsCluster, NATS_NODES, type NatsCluster, type WorkerProcess } from "../testkit/nats-cluster";
import { MotorCheck, NumberingController } from "../testkit/numbering-controller";
import { until } from "../testkit/until";

const PARTITIONS = 8;
const LEASE_MS = 3000;
const AGENTS = 6;
/** Every scenario must have every agent active with fresh motor frames within this, ms. */
const RESUME_BOUND_MS = 15_000;
/** A NATS node crash: the MQTT sessions' JetStream streams elect new leaders first, ms. */
const NODE_RESUME_BOUND_MS = 40_000;
/** Rebalancing onto an added worker right after that node crash: lease writes wait until the
 *  restarted node's key-value bucket has a leader again (seconds on a loaded machine), ms. */
const REBALANCE_AFTER_NODE_CRASH_BOUND_MS = 30_000;

interface Device {
  id: string;
  agent: NodeAgent;
  check: MotorCheck;
  /** Index of the NATS node the device's MQTT connection is on (-1: none), from the nodes' /connz. */
  node: number;
}

const channels: AgentConfigInput["channels"] = [
  { id: 0, name: "range", kind: "sensor", type: "f32", count: 1 },
  { id: 10, name: "wheels", kind: "motor", type: "i32", count: 2, safe: [0, 0] },
];

/** Device i's broker list: every node, starting with node i mod 3, each reached through its
 * fault proxy (`mqttProxies[n]`), so a test can cut the devices off one node. */
function brokersFor(i: number, mqttProxies: FaultProxy[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < NATS_NODES; k++) out.push(`127.0.0.1:${mqttProxies[(i + k) % NATS_NODES].port}`);
  return out;
}

/** Which node each MQTT client id is connected to, as the nodes report it. */
async function locate(cluster: NatsCluster, devices: Device[]): Promise<void> {
  const where = new Map<string, number>();
  for (const n of cluster.nodes) {
    if (!n.running()) continue;
    const j = (await (await fetch(`http://127.0.0.1:${n.httpPort}/connz?limit=1000`)).json()) as { connections?: { mqtt_client?: string }[] };
    for (const c of j.connections ?? []) if (c.mqtt_client) where.set(c.mqtt_client, n.index);
  }
  for (const d of devices) d.node = where.get(`bs-${d.id}`) ?? -1;
}

function startDevice(id: string, key: Uint8Array, brokers: string[]): Device {
  const d: Device = { id, agent: null as unknown as NodeAgent, check: new MotorCheck(), node: -1 };
  d.agent = new NodeAgent({
    config: {
      agentId: id, key, brokers, channels,
      // The device tolerates about 5 s of brain silence (more than one lease) before it
      // reconnects: a worker takeover then costs a re-registration, not an MQTT reconnect.
      session: { sensorRateHz: 20, transitionTimeoutMs: 5000, registrationDeadlineMs: 3000, heartbeatIntervalMs: 250, heartbeatTimeoutMinMs: 600, heartbeatMissLimit: 8, linkSilenceMs: 6000, backoffBaseMs: 100, backoffMaxMs: 1000 },
    },
    applyMotor: (_ch, values) => d.check.apply(d.agent.agent.status().sessionId, values),
  });
  d.agent.start();
  return d;
}

function active(d: Device): boolean {
  return d.agent.agent.phase === Phase.Active;
}

/** Resolves when every device is active and applied a motor frame after `since`. */
function allFresh(devices: Device[], since: number): () => boolean {
  return () => devices.every((d) => active(d) && d.check.lastAt > since);
}

interface Row {
  scenario: string;
  detectedMs: number | string;
  activeAgainMs: number;
  moved: string;
  stale: number;
  /** Motor frames the devices' gates refused during the scenario (old session's MAC, replay, order, late). */
  refused: number;
}

test.serial("a NATS cluster: node crash, added worker, worker crash, worker and device network partitions; no stale motor frame", async (t) => {
  const cluster = await startNatsCluster({ partitions: PARTITIONS });
  t.teardown(() => cluster.stop());
  const keys = new Map<string, Uint8Array>();
  for (let i = 0; i < AGENTS; i++) keys.set(`c${i}`, crypto.randomBytes(32));
  const dir = mkdtempSync(join(tmpdir(), "bs-cluster-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keysFile = join(dir, "keys.json");
  writeFileSync(keysFile, JSON.stringify({ agents: Object.fromEntries([...keys].map(([id, k]) => [id, Buffer.from(k).toString("hex")])) }));

  // Worker w1 reaches the cluster only through a fault proxy to node 1 (for the partition
  // scenario); w2 knows every node.
  const w1Proxy: FaultProxy = await startFaultProxy({ target: { host: "127.0.0.1", port: cluster.nodes[0].port } });
  t.teardown(() => w1Proxy.close());
  const logs: string[] = [];
  const brainOpts = (servers: string[], name: string) => ({
    keys, httpPort: 0, heartbeatMs: 250, controller: new NumberingController(), log: (l: string, m: string) => logs.push(`${(Date.now() % 1e6).toString().padStart(6)} ${name} ${l}: ${m}`),
    cluster: { servers, partitions: PARTITIONS, leaseMs: LEASE_MS, name },
  });
  const w1: Brain = await startBrain(brainOpts([`nats://127.0.0.1:${w1Proxy.port}`], "w1"));
  t.teardown(() => w1.close());
  const w2: Brain = await startBrain(brainOpts(cluster.servers, "w2"));
  t.teardown(() => w2.close());

  const mqttProxies: FaultProxy[] = [];
  for (const n of cluster.nodes) {
    const p = await startFaultProxy({ target: { host: "127.0.0.1", port: n.mqttPort } });
    t.teardown(() => p.close());
    mqttProxies.push(p);
  }
  const devices: Device[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const d = startDevice(`c${i}`, keys.get(`c${i}`)!, brokersFor(i, mqttProxies));
    t.teardown(() => d.agent.kill());
    devices.push(d);
  }
  const rows: Row[] = [];
  const diag = () =>
    devices.map((d) => `${d.id} ${d.agent.agent.phaseName} node n${d.node + 1} session ${d.agent.agent.status().sessionId} motor ${Date.now() - d.check.lastAt} ms ago`).join("\n") +
    `\nw1 ${JSON.stringify(w1.cluster!.status().serving)} w2 ${JSON.stringify(w2.cluster!.status().serving)} owners ${JSON.stringify(w2.cluster!.status().owners)}\n` +
    `w1 ${JSON.stringify(w1.cluster!.status().counters)}\nw2 ${JSON.stringify(w2.cluster!.status().counters)}\n` +
    logs.filter((l) => l.includes("cluster:")).slice(-60).join("\n") + "\n" + devices.flatMap((d) => d.check.notes.map((n) => `${d.id}: ${n}`)).join("\n") + "\n" + cluster.nodes.map((n) => n.log().split("\n").filter((l) => /mqtt|MQTT|\[ERR\]|\[WRN\]/.test(l)).slice(-15).join("\n")).join("\n");
  t.teardown(() => {
    if (!t.passed) console.error(diag());
  });
  const staleTotal = () => devices.reduce((s, d) => s + d.check.stale, 0);
  const GATE = [Counter.MotorDroppedMac, Counter.MotorDroppedReplay, Counter.MotorDroppedOrder, Counter.MotorDroppedStale];
  const refusedTotal = () => devices.reduce((s, d) => s + GATE.reduce((g, c) => g + d.agent.agent.counters[c], 0), 0);
  let refusedBefore = 0;
  const refused = () => {
    const now = refusedTotal();
    const delta = now - refusedBefore;
    refusedBefore = now;
    return delta;
  };
  const sessions = () => new Map(devices.map((d) => [d.id, d.agent.agent.status().sessionId]));
  const linkLosses = () => new Map(devices.map((d) => [d.id, d.agent.agent.counters[Counter.LinkLosses]]));
  const ownerOf = (b: Brain) => b.cluster!.status().owners.slice();
  const agentPartition = (b: Brain) => new Map(b.cluster!.status().agents.map((a) => [a.id, a.partition]));

  refused();
  // 0. Start: both workers share the partitions, every agent registers and gets motor frames.
  const t0 = Date.now();
  await until("every agent active with motor frames", allFresh(devices, 0), 30_000);
  await until("partitions split 4/4", () => {
    const s = w2.cluster!.status();
    return s.workers.length === 2 && s.workers.every((w) => w.partitions.length === PARTITIONS / 2) && s.agents.length === AGENTS;
  }, 15_000);
  t.log(`start: ${AGENTS} agents active after ${Date.now() - t0} ms; partitions ${JSON.stringify(w2.cluster!.status().workers.map((w) => w.partitions))}`);
  // GET /status of one worker: its own partitions and agents, and the merged cluster view.
  {
    type St = { cluster: { worker: string; serving: number[]; workers: { id: string; agents: number }[]; agents: { id: string; worker: string }[] } };
    let st: St | null = null;
    // Worker records are rewritten every lease/3: the view catches up within that (10 s cap).
    const poll = async () => {
      for (let i = 0; i < 50 && st?.cluster.agents.length !== AGENTS; i++) {
        st = (await (await fetch(w1.statusUrl)).json()) as St;
        if (st.cluster.agents.length !== AGENTS) await new Promise((r) => setTimeout(r, 200));
      }
      return st!;
    };
    st = await poll();
    t.is(st.cluster.worker, w1.cluster!.workerId);
    t.deepEqual(st.cluster.serving, w1.cluster!.status().serving);
    t.is(st.cluster.workers.length, 2);
    t.deepEqual(st.cluster.agents.map((a) => a.id), devices.map((d) => d.id), "the cluster view lists every agent once");
    t.is(st.cluster.workers.reduce((n, w) => n + w.agents, 0), AGENTS);
  }

  // 1. kill -9 the NATS node that carries the most devices: they move to another node.
  {
    await locate(cluster, devices);
    const perNode = [0, 0, 0];
    for (const d of devices) if (d.node >= 0) perNode[d.node]++;
    const victim = perNode[1] >= perNode[2] ? 1 : 2; // not n1: worker w1 reaches the cluster only through n1
    const onVictim = devices.filter((d) => d.node === victim);
    const since = Date.now();
    await cluster.kill9(victim);
    const detected = await until("devices on the dead node leave active", () => onVictim.every((d) => !active(d)), RESUME_BOUND_MS);
    const again = await until("every agent active again with fresh motor frames", allFresh(devices, Date.now()), NODE_RESUME_BOUND_MS);
    await locate(cluster, devices);
    t.true(onVictim.every((d) => d.node >= 0 && d.node !== victim), "the dead node's devices now use another node");
    rows.push({ scenario: `kill -9 NATS node n${victim + 1} (${onVictim.length} devices on it)`, detectedMs: detected, activeAgainMs: Date.now() - since, moved: `${onVictim.length} devices to other nodes`, stale: staleTotal(), refused: refused() });
    void again;
    await cluster.restart(victim);
    await cluster.ready();
    await until("w1 and w2 serve every partition again", () => w1.cluster!.status().serving.length + w2.cluster!.status().serving.length === PARTITIONS, NODE_RESUME_BOUND_MS);
  }

  // 2. Add a worker (a real process): partitions rebalance 3/3/2; sessions of partitions that
  //    did not move keep their session, unless the device's own MQTT link dropped meanwhile
  //    (the node restart above can still move MQTT sessions inside the NATS cluster): then it
  //    registers again, as it must. An eviction by the brain is not a link loss, so a takeover
  //    that touched a partition it does not own would still fail here.
  let w3: WorkerProcess;
  {
    // Settle first: a partition whose lease lapsed while the node was down was taken again,
    // and its devices register again; the snapshot is of sessions that are all in place.
    const settling = Date.now();
    const fresh = allFresh(devices, settling);
    await until("every agent registered with a worker and getting fresh motor frames", () => agentPartition(w2).size === AGENTS && fresh(), NODE_RESUME_BOUND_MS);
    const before = sessions();
    const lossesBefore = linkLosses();
    const ownersBefore = ownerOf(w2);
    const parts = agentPartition(w2);
    const since = Date.now();
    w3 = await spawnClusterWorker({ servers: cluster.servers, partitions: PARTITIONS, leaseMs: LEASE_MS, name: "w3", keysFile, heartbeatMs: 250 });
    t.teardown(() => w3.kill9());
    const started = Date.now() - since;
    await until("three workers share the partitions 3/3/2", () => {
      const s = w2.cluster!.status();
      return s.workers.length === 3 && s.workers.map((w) => w.partitions.length).sort().join() === "2,3,3" && s.owners.every((o) => o !== null);
    }, REBALANCE_AFTER_NODE_CRASH_BOUND_MS);
    await until("every agent active again with fresh motor frames", allFresh(devices, Date.now()), RESUME_BOUND_MS);
    const ownersAfter = ownerOf(w2);
    const movedParts = new Set(ownersAfter.flatMap((o, p) => (o !== ownersBefore[p] ? [p] : [])));
    const after = sessions();
    const lossesAfter = linkLosses();
    let kept = 0;
    let moved = 0;
    let relinked = 0;
    for (const d of devices) {
      const p = parts.get(d.id)!;
      if (movedParts.has(p)) moved++;
      else if (lossesAfter.get(d.id) !== lossesBefore.get(d.id)) relinked++;
      else {
        t.is(after.get(d.id), before.get(d.id), `${d.id} (partition ${p} did not move, its link stayed up) keeps its session`);
        kept++;
      }
    }
    t.true(kept > 0, `some sessions were there to keep (${kept} kept, ${moved} moved, ${relinked} relinked)`);
    t.true(movedParts.size > 0 && movedParts.size <= 3, `only the new worker's share moved (${[...movedParts]})`);
    rows.push({ scenario: "add worker w3 (process)", detectedMs: `${started} (start)`, activeAgainMs: Date.now() - since, moved: `${movedParts.size} partitions, ${moved} sessions moved, ${kept} kept${relinked ? `, ${relinked} re-registered after their own link dropped` : ""}`, stale: staleTotal(), refused: refused() });
  }

  // 3. kill -9 worker w3: its partitions are taken over within about one lease.
  {
    // w2's list of live workers is read from their lease records, which can trail the owners
    // table by a renewal: a w3 seen with no partitions would make the takeover "happen" at 0 ms
    const w3Partitions = () => w2.cluster!.status().workers.find((w) => w.id === w3.workerId)?.partitions.length ?? 0;
    await until("w2 sees w3 serving its partitions", () => w3Partitions() > 0, RESUME_BOUND_MS);
    const theirs = w2.cluster!.status().workers.find((w) => w.id === w3.workerId)!;
    const since = Date.now();
    await w3.kill9();
    const detected = await until("w3's partitions owned by w1/w2", () => {
      const s = w2.cluster!.status();
      return theirs.partitions.every((p) => s.owners[p] !== null && s.owners[p] !== theirs.id);
    }, RESUME_BOUND_MS);
    await until("every agent active again with fresh motor frames", allFresh(devices, Date.now()), RESUME_BOUND_MS);
    t.true(detected >= LEASE_MS * 0.8, `no takeover before the lease ran out (${detected} ms)`);
    rows.push({ scenario: "kill -9 brain worker w3", detectedMs: detected, activeAgainMs: Date.now() - since, moved: `partitions ${theirs.partitions} taken over`, stale: staleTotal(), refused: refused() });
  }

  // 4. Network partition: worker w1 cut off from the cluster (fault proxy black hole). It
  //    must stop serving within its lease (the fence), w2 takes everything over, and once the
  //    partition heals w1 forgets what it lost and never drives a device of w2's.
  {
    const w1Parts = w1.cluster!.status().serving.slice();
    const since = Date.now();
    w1Proxy.blackHole(true);
    const detected = await until("w1 stops serving", () => w1.cluster!.status().serving.length === 0, RESUME_BOUND_MS);
    await until("w2 owns every partition", () => w2.cluster!.status().owners.every((o) => o === w2.cluster!.workerId), RESUME_BOUND_MS);
    await until("every agent active again with fresh motor frames", allFresh(devices, Date.now()), RESUME_BOUND_MS);
    const activeAgain = Date.now() - since;
    const mid = sessions();
    const parts = agentPartition(w2);
    w1Proxy.blackHole(false); // the heal: what the black hole held is delivered, as TCP would
    await until("partitions shared by w1 and w2 again", () => {
      const s = w2.cluster!.status();
      return s.workers.length === 2 && s.workers.every((w) => w.partitions.length === PARTITIONS / 2);
    }, RESUME_BOUND_MS);
    await until("every agent active again after the heal", allFresh(devices, Date.now()), RESUME_BOUND_MS);
    // What w1 had to say while cut off (the sessions it forgot) must never reach a device
    // that w2 serves now: devices that stayed with w2 keep their session through the heal.
    const owners = ownerOf(w2);
    const after = sessions();
    for (const d of devices) if (owners[parts.get(d.id)!] === w2.cluster!.workerId) t.is(after.get(d.id), mid.get(d.id), `${d.id} stayed with w2 and keeps its session`);
    const lost = w1.cluster!.status().counters;
    t.true(lost.lost + lost.suspended > 0, "w1 noticed it lost its leases");
    rows.push({ scenario: `partition worker w1 from NATS (held ${w1Parts.length}), then heal`, detectedMs: detected, activeAgainMs: activeAgain, moved: `w1 forgot ${lost.forgotten} sessions, fenced ${lost.fenced} publishes`, stale: staleTotal(), refused: refused() });
  }

  // 5. Network partition between devices and the node that has the most of them (a black
  //    hole: no FIN, no RST). Its devices notice the silence, give up the half-open link and
  //    rotate to the next node.
  {
    await locate(cluster, devices);
    const perNode = [0, 0, 0];
    for (const d of devices) if (d.node >= 0) perNode[d.node]++;
    const victim = perNode.indexOf(Math.max(...perNode));
    const cut = devices.filter((d) => d.node === victim);
    const since = Date.now();
    mqttProxies[victim].blackHole(true);
    const detected = await until("the cut-off devices leave active", () => cut.every((d) => !active(d)), RESUME_BOUND_MS);
    await until("every agent active again with fresh motor frames", allFresh(devices, Date.now()), RESUME_BOUND_MS);
    const activeAgain = Date.now() - since;
    await locate(cluster, devices);
    t.true(cut.every((d) => d.node >= 0 && d.node !== victim), `n${victim + 1}'s devices moved to other nodes (${cut.map((d) => d.node)})`);
    mqttProxies[victim].blackHole(false);
    mqttProxies[victim].cut();
    rows.push({ scenario: `partition devices from NATS node n${victim + 1} (${cut.length} devices, black hole)`, detectedMs: detected, activeAgainMs: activeAgain, moved: `${cut.length} devices to other nodes`, stale: staleTotal(), refused: refused() });
  }

  // `npm run brain -- --cluster ...`: the CLI worker joins, shows the cluster in /status,
  // and on Ctrl-C releases its leases and exits 0.
  {
    const cli = spawn(process.execPath, ["--import", "tsx", "brain/cli.ts", "--cluster", cluster.servers.join(","), "--partitions", String(PARTITIONS), "--lease-ms", String(LEASE_MS), "--worker-name", "cli", "--keys", keysFile, "--http-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    t.teardown(() => void cli.kill("SIGKILL"));
    let out = "";
    cli.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    cli.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    await until("the CLI worker prints its status URL", () => /status\s+(http:\S+)/.test(out), 20_000);
    const url = /status\s+(http:\S+)/.exec(out)![1];
    t.regex(out, /worker\s+cli-[0-9a-f]{6} \(8 partitions, lease 3000 ms\)/);
    await until("the CLI worker holds a share", () => w2.cluster!.status().workers.some((w) => w.id.startsWith("cli-") && w.partitions.length > 0), RESUME_BOUND_MS);
    let view = "";
    await until("the CLI worker's /status shows the three live workers", () => {
      void fetch(url).then((r) => r.json() as Promise<{ cluster: { worker: string; workers: { id: string }[] } }>).then((st) => {
        view = JSON.stringify(st.cluster.workers.map((w) => w.id));
        if (st.cluster.worker.startsWith("cli-") && st.cluster.workers.length === 3) view = "ok";
      }, () => undefined);
      return view === "ok";
    }, RESUME_BOUND_MS, 250).catch((e: Error) => t.fail(`${e.message}: ${view}`));
    cli.kill("SIGINT");
    t.is(await exited, 0, out);
    await until("its leases are gone", () => w2.cluster!.status().owners.every((o) => o !== null && !o.startsWith("cli-")), RESUME_BOUND_MS);
    await until("every agent active again", allFresh(devices, Date.now()), RESUME_BOUND_MS);
  }

  t.log("| scenario | detected after (ms) | active again after (ms) | what moved | refused by the motor gate | stale applied |");
  t.log("|---|---|---|---|---|---|");
  for (const r of rows) t.log(`| ${r.scenario} | ${r.detectedMs} | ${r.activeAgainMs} | ${r.moved} | ${r.refused} | ${r.stale} |`);
  for (const r of rows) t.true(r.activeAgainMs <= RESUME_BOUND_MS * 2, `${r.scenario}: resumed within bound`);
  t.is(staleTotal(), 0, "no stale or replayed motor frame was applied");
  t.true(devices.every((d) => d.check.applied > 0));
});
