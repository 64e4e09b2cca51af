/*
 * The strict MQTT 3.1.1 client on the real Node host: a fake broker on 127.0.0.1
 * (testkit/fake-broker.ts) sends each vector of test/vectors/mqtt-strict.suite.ts to a
 * NodeAgent over TCP, in the vector's place: a "fresh" vector instead of the CONNACK, a
 * "connected" one after the CONNACK, instead of the SUBACK. For every vector the test asserts
 * that the agent closed the connection, that it connected again (a new CONNECT), and that it
 * counted a decode error whose logged reason is the vector's code. Four agents share the
 * vectors, one vector per connection, with a short reconnect backoff, so the run takes a few
 * seconds.
 */
import test from "ava";
import { fromHex } from "../src/codec/bytes";
import { errorName } from "../src/errors";
import { Note } from "../src/session/actions";
import { Counter } from "../src/session/counters";
import { NodeAgent } from "../hosts/node/node-agent";
import { startFakeBroker, type FakeConnection } from "../testkit/fake-broker";
import { simConfig } from "../testkit/sim";
import { until } from "../testkit/until";
import { strictVectors } from "./vectors/mqtt-strict.suite";

const AGENTS = 4;
const CLOSE_BOUND_MS = 1_000;

test("a fake broker sends every strict vector to the Node host: the agent closes, counts, reconnects", async (t) => {
  // Agent k's client id ends in "-k"; its connection `seq` carries vector k + seq * AGENTS, while there is one.
  const agentOf = (conn: FakeConnection): number => Number(conn.clientId.slice(conn.clientId.lastIndexOf("-") + 1));
  const vectorOf = (conn: FakeConnection): number => {
    const i = agentOf(conn) + conn.seq * AGENTS;
    return i < strictVectors.length ? i : -1;
  };
  const bytesFor = (conn: FakeConnection, context: string): Uint8Array | null => {
    const i = vectorOf(conn);
    if (i < 0 || strictVectors[i][1] !== context) return null;
    const [, , lead, bad] = strictVectors[i];
    return fromHex(`${lead} ${bad}`);
  };
  const broker = await startFakeBroker({
    onConnect: (conn) => bytesFor(conn, "fresh"),
    onSubscribe: (conn) => bytesFor(conn, "connected"),
  });
  t.teardown(() => broker.stop());

  const reasons: string[][] = [];
  const agents: NodeAgent[] = [];
  for (let k = 0; k < AGENTS; k++) {
    reasons.push([]);
    const a = new NodeAgent({
      config: simConfig({
        agentId: `strict-${k}`, brokerHost: "127.0.0.1", brokerPort: broker.port, logLevel: 1,
        session: { backoffBaseMs: 10, backoffMaxMs: 100 },
      }),
      log: (_level, code, message) => {
        if (code === Note.LinkLost) reasons[k].push(message);
      },
    });
    t.teardown(() => a.kill());
    agents.push(a);
  }
  for (const a of agents) a.start();

  // Every agent is through its vectors once its next connection got the normal answers.
  const perAgent = Math.ceil(strictVectors.length / AGENTS);
  const through = (k: number) => broker.connections.some((c) => c.clientId !== "" && agentOf(c) === k && vectorOf(c) < 0 && c.received.includes(8));
  const took = await until("every agent through its vectors", () => agents.every((_, k) => through(k)), 30_000);

  const problems: string[] = [];
  const carried = broker.connections.filter((c) => c.clientId !== "" && vectorOf(c) >= 0);
  t.is(carried.length, strictVectors.length, "one connection per vector");
  for (const c of carried) {
    const i = vectorOf(c);
    const [name, , , , , code] = strictVectors[i];
    if (c.injected === null) problems.push(`${name}: never sent`);
    if (!c.closedByClient) problems.push(`${name}: the agent did not close the connection`);
    else if (c.closedAt - c.injectedAt > CLOSE_BOUND_MS) problems.push(`${name}: closed ${c.closedAt - c.injectedAt} ms after the vector`);
    const next = broker.connections.find((n) => n.clientId === c.clientId && n.seq === c.seq + 1);
    if (!next) problems.push(`${name}: no CONNECT after the close`);
    if (c.clientError !== 0) problems.push(`${name}: the agent sent a malformed packet (${errorName(c.clientError)})`);
    const k = agentOf(c);
    const logged = reasons[k][c.seq] ?? "";
    if (!logged.includes(errorName(code))) problems.push(`${name}: link lost logged as "${logged}", want ${errorName(code)}`);
  }
  t.deepEqual(problems, []);
  for (let k = 0; k < AGENTS; k++) {
    const mine = Math.min(perAgent, Math.ceil((strictVectors.length - k) / AGENTS));
    t.is(agents[k].agent.counters[Counter.DecodeErrors], mine, `agent ${k}: one decode error per vector`);
  }
  t.log(`${strictVectors.length} vectors over ${AGENTS} agents: each closed by the agent and followed by a new CONNECT; all through in ${took} ms`);
});
