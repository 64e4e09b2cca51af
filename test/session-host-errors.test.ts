/*
 * Hosts report why the broker could not be reached with distinct codes, because the session
 * escalates only on network-level evidence (src/session/evidence.ts):
 *   - the evidence class of every reason code (a table);
 *   - the Node socket errno -> code table (hosts/node/net-errors.ts);
 *   - real sockets on 127.0.0.1: a refused connect and a name that does not resolve, on the
 *     Node host and on the XS host (same bridge codes), with a broker list that alternates
 *     between them: each reconnect line names the class and host:port, no link loss is
 *     counted (no link was ever up), and the refusals keep the DNS failures from escalating.
 */
import test from "ava";
import net from "node:net";
import { Err } from "../src/errors";
import { Cause, causeOf } from "../src/session/evidence";
import { Counter } from "../src/session/counters";
import { reasonFromNodeError } from "../hosts/node/net-errors";
import { NodeAgent } from "../hosts/node/node-agent";
import { XsAgent } from "../hosts/xs/xs-agent";
import type { AgentConfigInput } from "../src/agent/config";
import { until } from "../testkit/until";

const causes: ReadonlyArray<readonly [number, number]> = [
  [Err.NetDown, Cause.Network], [Err.NetDns, Cause.Network], [Err.NetUnreachable, Cause.Network], [Err.NetConnectTimeout, Cause.Network],
  [Err.PeerRefused, Cause.Peer], [Err.PeerReset, Cause.Peer], [Err.TransportClosed, Cause.Peer], [Err.MqttConnackRefused, Cause.Peer],
  [Err.TimeoutConnect, Cause.Peer], [Err.TimeoutRegistration, Cause.Peer], [Err.RejectedBusy, Cause.Peer], [Err.AuthBadProof, Cause.Peer],
  [Err.MqttBadFlags, Cause.Peer],
  [Err.TimeoutHeartbeat, Cause.None], [Err.TimeoutSilentLink, Cause.None], [Err.TransportError, Cause.None],
  [Err.QueueFull, Cause.None], [0, Cause.None],
];

test("evidence class of each reason code", (t) => {
  for (const [code, cause] of causes) t.is(causeOf(code), cause, `code ${code}`);
});

const nodeErrors: ReadonlyArray<readonly [string | undefined, boolean, number]> = [
  ["ECONNREFUSED", false, Err.PeerRefused], ["ECONNRESET", true, Err.PeerReset], ["EPIPE", true, Err.PeerReset],
  ["ENOTFOUND", false, Err.NetDns], ["EAI_AGAIN", false, Err.NetDns],
  ["EHOSTUNREACH", false, Err.NetUnreachable], ["ENETUNREACH", false, Err.NetUnreachable], ["ENETDOWN", false, Err.NetDown],
  ["ETIMEDOUT", false, Err.NetConnectTimeout], ["ETIMEDOUT", true, Err.TransportError],
  ["DEPTH_ZERO_SELF_SIGNED_CERT", false, Err.TransportError], [undefined, false, Err.TransportError],
];

test("Node socket errors map to distinct codes", (t) => {
  for (const [code, opened, want] of nodeErrors) t.is(reasonFromNodeError(code, opened), want, `${code} (${opened ? "after" : "before"} open)`);
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function config(): Promise<AgentConfigInput> {
  return {
    agentId: "e1", key: new Uint8Array(32).fill(3), brokers: [`127.0.0.1:${await closedPort()}`, "nonexistent.invalid:1883"],
    channels: [{ id: 0, name: "imu", kind: "sensor", type: "f32", count: 4 }],
    session: { backoffBaseMs: 20, backoffMaxMs: 100, networkRestartAfter: 2 },
  };
}

function checkLines(t: import("ava").ExecutionContext, lines: string[], port: string): void {
  t.true(lines.some((l) => l.includes(`127.0.0.1:${port} peer-level PEER_REFUSED`)), "refused: peer-level, with host:port");
  t.true(lines.some((l) => l.includes("nonexistent.invalid:1883 network-level NET_DNS")), "DNS failure: network-level, with host:port");
  t.false(lines.some((l) => l.includes("escalating")), "alternating with refusals, the DNS failures never reach 2 in a row");
}

test("Node host: a refused connect and a DNS failure, rotating through the broker list", async (t) => {
  const cfg = await config();
  const lines: string[] = [];
  const a = new NodeAgent({ config: cfg, log: (_l, _c, m) => lines.push(m) });
  t.teardown(() => a.kill());
  a.start();
  await until("six failed attempts", () => a.agent.counters[Counter.ConnectFailures] >= 6, 10_000);
  a.kill();
  checkLines(t, lines, cfg.brokers![0].split(":")[1]);
  t.is(a.agent.counters[Counter.LinkLosses], 0, "no link was up: no link loss");
  t.is(a.networkRestartRequests, 0);
});

test("XS host: the same codes through the bridge", async (t) => {
  const cfg = await config();
  const lines: string[] = [];
  const xs = new XsAgent({ config: cfg, log: (_l, _c, m) => lines.push(m) });
  t.teardown(() => xs.close());
  await xs.boot();
  await xs.start();
  let status = await xs.status();
  for (const t0 = Date.now(); (status?.counters[Counter.ConnectFailures] ?? 0) < 6 && Date.now() - t0 < 15_000;) {
    await new Promise((r) => setTimeout(r, 50));
    status = await xs.status();
  }
  t.log(lines.slice(0, 6).join("\n"));
  checkLines(t, lines, cfg.brokers![0].split(":")[1]);
  t.is(status!.counters[Counter.LinkLosses], 0, "no link was up: no link loss");
  t.is(xs.networkRestartRequests, 0);
});
