/*
 * fault-proxy tests: each fault of testkit/fault-proxy.ts against a tiny local TCP echo
 * server. Assertions are about behaviour (what arrives, in what order, what stays open) and
 * only loose lower bounds on time, never tight wall-clock thresholds. Every server, proxy and
 * socket is closed in t.teardown.
 */
import test, { type ExecutionContext } from "ava";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { isLoopbackHost, startFaultProxy, type FaultProxy } from "../testkit/fault-proxy";
import { Prng } from "../testkit/prng";
import { until } from "../testkit/until";

interface Echo {
  port: number;
  /** Bytes the server received, over all connections. */
  received: () => Buffer;
  /** 'data' events the server saw. */
  dataEvents: () => number;
  /** Server-side sockets, in accept order. */
  sockets: net.Socket[];
  /** Per server socket: did it see 'end' (a FIN from the proxy)? */
  ended: boolean[];
  /** Set to false to stop echoing (the server then only records). */
  echo: boolean;
}

async function startEcho(t: ExecutionContext): Promise<Echo> {
  const chunks: Buffer[] = [];
  let events = 0;
  const echo: Echo = {
    port: 0,
    received: () => Buffer.concat(chunks),
    dataEvents: () => events,
    sockets: [],
    ended: [],
    echo: true,
  };
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const i = echo.sockets.length;
    echo.sockets.push(s);
    echo.ended.push(false);
    s.setNoDelay(true);
    s.on("error", () => {});
    s.on("data", (b: Buffer) => {
      events++;
      chunks.push(b);
      if (echo.echo) s.write(b);
    });
    s.on("end", () => {
      echo.ended[i] = true;
      s.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  echo.port = (server.address() as net.AddressInfo).port;
  t.teardown(async () => {
    for (const s of echo.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return echo;
}

async function proxyTo(t: ExecutionContext, echo: Echo, maxQueueBytes?: number): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: echo.port }, maxQueueBytes });
  t.teardown(() => proxy.close());
  return proxy;
}

interface Client {
  socket: net.Socket;
  received: () => Buffer;
  dataEvents: () => number;
  ended: () => boolean;
  closed: () => boolean;
  /** The peer went away: a FIN ('end') or a close/reset. */
  gone: () => boolean;
}

async function connect(t: ExecutionContext, port: number): Promise<Client> {
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  let events = 0;
  let ended = false;
  let closed = false;
  socket.setNoDelay(true);
  socket.on("error", () => {});
  socket.on("data", (b: Buffer) => {
    events++;
    chunks.push(b);
  });
  socket.on("end", () => (ended = true));
  socket.on("close", () => (closed = true));
  t.teardown(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("close", () => reject(new Error("closed before connect")));
  });
  return { socket, received: () => Buffer.concat(chunks), dataEvents: () => events, ended: () => ended, closed: () => closed, gone: () => ended || closed };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("forwards bytes both ways unchanged and counts them", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  t.is(proxy.url, `mqtt://127.0.0.1:${proxy.port}`);
  const c = await connect(t, proxy.port);
  await until("the pair", () => proxy.connections === 1);
  const data = randomBytes(200_000);
  c.socket.write(data);
  await until("the echo", () => c.received().length >= data.length);
  t.true(c.received().equals(data));
  t.true(echo.received().equals(data));
  t.is(proxy.stats.up.forwarded, data.length);
  t.is(proxy.stats.down.forwarded, data.length);
  t.is(proxy.stats.accepted, 1);
  c.socket.end();
  await until("both sides to close", () => c.closed() && proxy.connections === 0);
  t.true(echo.ended[0], "the client's FIN reached the server");
  t.is(proxy.stats.closed, 1);
  t.is(proxy.stats.up.queued + proxy.stats.down.queued, 0);
});

test("delay: adds latency and keeps byte order when the delay changes mid-stream", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  proxy.delay(120, "up");
  const start = Date.now();
  c.socket.write("x");
  await until("the delayed echo", () => c.received().length === 1);
  t.true(Date.now() - start >= 120 * 0.5, "the round trip took at least half the added delay");
  // 30 numbered chunks; the delay drops from 150 ms to 0 halfway: later chunks must wait.
  const sent: Buffer[] = [];
  proxy.delay(150, "both");
  for (let i = 0; i < 30; i++) {
    if (i === 15) proxy.delay(0, "both");
    const b = Buffer.from(`<${i}>`);
    sent.push(b);
    c.socket.write(b);
    await sleep(2);
  }
  const want = Buffer.concat([Buffer.from("x"), ...sent]);
  await until("all chunks", () => c.received().length >= want.length);
  t.is(c.received().toString(), want.toString());
  t.is(echo.received().toString(), want.toString());
});

test("fragment: one-byte writes arrive as many 'data' events, intact, in each direction", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  const data = randomBytes(200);
  proxy.fragment(true, "up");
  c.socket.write(data);
  await until("the echo", () => c.received().length >= data.length);
  t.true(echo.received().equals(data));
  t.true(echo.dataEvents() >= data.length / 2, `server saw ${echo.dataEvents()} data events for ${data.length} bytes`);
  // Now only down: the server gets few reads, the client many.
  proxy.fragment(false, "up");
  proxy.fragment(true, "down");
  const serverEventsBefore = echo.dataEvents();
  const clientEventsBefore = c.dataEvents();
  c.socket.write(data);
  await until("the second echo", () => c.received().length >= 2 * data.length);
  t.true(c.received().equals(Buffer.concat([data, data])));
  t.true(c.dataEvents() - clientEventsBefore >= data.length / 2, `client saw ${c.dataEvents() - clientEventsBefore} data events`);
  t.true(echo.dataEvents() - serverEventsBefore < data.length / 2, "up is no longer fragmented");
});

test("dropBytes: drops exactly the bytes the seeded generator picks", async (t) => {
  const echo = await startEcho(t);
  echo.echo = false;
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  const n = 5_000;
  const p = 0.3;
  const seed = 42;
  const data = randomBytes(n);
  // The proxy makes one Prng(seed).chance(p) draw per byte, in arrival order.
  const rng = new Prng(seed);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (!rng.chance(p)) kept.push(data[i]);
  proxy.dropBytes(p, "up", seed);
  // Several writes, so the proxy sees several chunks: the draws do not depend on chunking.
  for (let off = 0; off < n; off += 700) c.socket.write(data.subarray(off, Math.min(n, off + 700)));
  await until("all bytes to be forwarded or dropped", () => proxy.stats.up.forwarded + proxy.stats.up.dropped === n);
  await until("the kept bytes", () => echo.received().length >= kept.length);
  t.true(kept.length < n && kept.length > 0);
  t.is(proxy.stats.up.dropped, n - kept.length);
  t.true(echo.received().equals(Buffer.from(kept)));
  // The other direction is untouched.
  t.is(proxy.stats.down.dropped, 0);
});

test("cut: closes the client and the server side, and new connections are still accepted", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const a = await connect(t, proxy.port);
  const b = await connect(t, proxy.port);
  await until("two pairs", () => proxy.connections === 2 && echo.sockets.length === 2);
  proxy.cut();
  await until("the clients to close", () => a.gone() && b.gone());
  await until("the server sides to close", () => echo.sockets.every((s) => s.destroyed || s.readableEnded));
  await until("no live pairs", () => proxy.connections === 0);
  t.is(proxy.stats.cut, 2);
  t.is(proxy.stats.closed, 2);
  const c = await connect(t, proxy.port);
  c.socket.write("again");
  await until("an echo after the cut", () => c.received().length === 5);
  t.is(c.received().toString(), "again");
  // The RST variant closes too.
  proxy.cut({ reset: true });
  await until("the client to close after a reset", () => c.gone());
  t.is(proxy.stats.cut, 3);
});

test("blackHole: accepts and swallows bytes and FINs, keeps sockets open, delivers after healing", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  await until("the server side", () => echo.sockets.length === 1);
  proxy.blackHole(true);
  const data = randomBytes(1_000);
  c.socket.write(data);
  c.socket.end(); // a FIN: must not cross a black hole either
  echo.sockets[0].write("from-server");
  // A new connection is accepted while black-holed.
  const late = await connect(t, proxy.port);
  late.socket.write("late");
  await sleep(300);
  t.is(echo.received().length, 0, "nothing reached the server");
  t.is(c.received().length, 0, "nothing reached the client");
  t.false(echo.ended[0], "no FIN reached the server");
  t.false(c.ended() || c.closed(), "the client socket is still open");
  t.false(late.ended() || late.closed());
  t.is(proxy.connections, 2);
  t.is(proxy.stats.up.queued, 1_004);
  t.is(proxy.stats.up.forwarded + proxy.stats.down.forwarded, 0);
  proxy.blackHole(false);
  await until("the held FIN", () => echo.ended[0]);
  await until("the held bytes and their echoes", () => c.received().length >= 11 + 1_000 && late.received().length === 4);
  t.true(echo.received().includes(data));
  t.is(c.received().subarray(0, 11).toString(), "from-server");
  t.true(c.received().subarray(11).equals(data));
});

test("blackHole: the queue is bounded and the overflow is counted", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo, 4_096);
  const c = await connect(t, proxy.port);
  proxy.blackHole(true);
  c.socket.write(randomBytes(10_000));
  await until("the bytes to be taken", () => proxy.stats.up.queued + proxy.stats.up.overflow === 10_000);
  t.is(proxy.stats.up.queued, 4_096);
  t.is(proxy.stats.up.maxQueued, 4_096);
  t.is(proxy.stats.up.overflow, 10_000 - 4_096);
  t.is(echo.received().length, 0);
});

test("throttle: delivery takes at least about size / rate", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  const rate = 4_000;
  const data = randomBytes(2_000);
  proxy.throttle(rate, "down");
  const start = Date.now();
  c.socket.write(data);
  await until("the throttled echo", () => c.received().length >= data.length);
  const elapsed = Date.now() - start;
  t.true(elapsed >= (data.length / rate) * 1000 * 0.5, `took ${elapsed} ms`);
  t.true(c.received().equals(data));
  t.true(echo.received().equals(data));
});

test("refuse: new sockets are closed at once; live ones keep working; refuse(false) restores", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const live = await connect(t, proxy.port);
  proxy.refuse(true);
  const refused = net.connect({ host: "127.0.0.1", port: proxy.port });
  refused.on("error", () => {});
  t.teardown(() => {
    refused.destroy();
  });
  let gotData = false;
  let refusedClosed = false;
  refused.on("data", () => (gotData = true));
  refused.on("close", () => (refusedClosed = true));
  await until("the refused socket to close", () => refusedClosed);
  t.false(gotData);
  t.is(proxy.stats.refused, 1);
  t.is(echo.sockets.length, 1, "no target connection was made for the refused client");
  live.socket.write("still");
  await until("the live echo", () => live.received().length === 5);
  proxy.refuse(false);
  const again = await connect(t, proxy.port);
  again.socket.write("ok");
  await until("an echo after refuse(false)", () => again.received().length === 2);
  t.is(again.received().toString(), "ok");
});

test("reset: clears every fault", async (t) => {
  const echo = await startEcho(t);
  const proxy = await proxyTo(t, echo);
  const c = await connect(t, proxy.port);
  proxy.delay(10_000);
  proxy.fragment(true);
  proxy.dropBytes(0.9, "both", 3);
  proxy.throttle(1);
  proxy.blackHole(true);
  proxy.refuse(true);
  proxy.reset();
  const data = randomBytes(5_000);
  c.socket.write(data);
  await until("an unfaulted echo", () => c.received().length >= data.length, 3_000);
  t.true(c.received().equals(data));
  t.is(proxy.stats.up.dropped + proxy.stats.down.dropped, 0);
  const d = await connect(t, proxy.port);
  d.socket.write("new");
  await until("a new connection", () => d.received().length === 3);
});

test("only loopback targets are accepted", async (t) => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) t.true(isLoopbackHost(host), host);
  for (const host of ["10.0.0.1", "192.0.2.1", "0.0.0.0", "example.com", "127.0.0.256", "128.0.0.1", ""]) t.false(isLoopbackHost(host), host);
  await t.throwsAsync(startFaultProxy({ target: { host: "192.0.2.1", port: 1883 } }), { instanceOf: RangeError });
  await t.throwsAsync(startFaultProxy({ target: { host: "example.com", port: 1883 } }), { instanceOf: RangeError });
  await t.throwsAsync(startFaultProxy({ target: { host: "127.0.0.1", port: 0 } }), { instanceOf: RangeError });
});

test("a target that refuses makes the proxy close the client", async (t) => {
  // Find a closed port: listen, note the port, close.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port } });
  t.teardown(() => proxy.close());
  const c = await connect(t, proxy.port);
  await until("the client to be closed", () => c.gone());
  await until("no live pairs", () => proxy.connections === 0);
  t.pass();
});

test("close: destroys live connections and stops listening", async (t) => {
  const echo = await startEcho(t);
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: echo.port } });
  const c = await connect(t, proxy.port);
  proxy.blackHole(true);
  await proxy.close();
  await until("the client to close", () => c.gone());
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port: proxy.port });
    s.once("error", resolve);
    s.once("connect", () => {
      s.destroy();
      resolve(Object.assign(new Error("connected"), { code: "CONNECTED" }));
    });
  });
  t.is(err.code, "ECONNREFUSED");
});
