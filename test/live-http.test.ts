/*
 * The built-in page's HTTP side without a browser, and the plain-words sentences it and the
 * CLIs print: `/` and uPlot's files are served, the SSE feed opens with a report, operator
 * POSTs need the x-brainstem header (another site cannot drain a robot through the user's
 * browser), other methods are refused, a command for an agent the brain never heard from is a
 * 404 with its reason (the page test drains a live one); /status carries the Foxglove URL.
 */
import test from "ava";
import { request } from "node:http";
import { startBrain } from "../brain/index.ts";
import { explainClockOffset, explainRateCap } from "../brain/live/plain-words.ts";

function http(url: string, method = "GET", headers: Record<string, string> = {}, firstChunkOnly = false): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
        const data = body.indexOf("data: ");
        if (firstChunkOnly && data >= 0 && body.includes("\n\n", data)) {
          res.destroy();
          resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body });
        }
      });
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("page routes: page, uPlot, feed, guarded operator commands, /status extras", async (t) => {
  const brain = await startBrain({ keys: new Map([["a1", new Uint8Array(32)]]), brokerPort: 0, httpPort: 0, foxglovePort: 0, log: () => undefined });
  t.teardown(() => brain.close());
  const base = brain.pageUrl;
  const page = await http(base);
  t.is(page.status, 200);
  t.regex(page.type, /^text\/html/);
  t.regex(page.body, /<script src="\/uplot\/uPlot\.iife\.min\.js"><\/script>/);
  t.regex(page.body, /function explainClockOffset\(/, "the plain-words functions are embedded by their source");
  const js = await http(base + "uplot/uPlot.iife.min.js");
  t.is(js.status, 200);
  t.true(js.body.includes("uPlot"));
  t.is((await http(base + "uplot/uPlot.min.css")).status, 200);

  const feed = await http(base + "live/feed", "GET", {}, true);
  t.regex(feed.type, /^text\/event-stream/);
  const first = JSON.parse(feed.body.slice(feed.body.indexOf("data: ") + 6, feed.body.indexOf("\n\n", feed.body.indexOf("data: "))));
  t.is(first.type, "report");
  t.is(first.report.foxglove, brain.live.foxglove!.url);

  const rows: [method: string, path: string, headers: Record<string, string>, status: number][] = [
    ["POST", "api/agents/a1/drain", {}, 403],
    ["POST", "api/agents/a1/deregister", { "x-brainstem": "other" }, 403],
    ["GET", "api/agents/a1/drain", { "x-brainstem": "page" }, 405],
    ["POST", "/", {}, 405],
    ["POST", "api/agents/a1/drain", { "x-brainstem": "page" }, 404], // a1 never connected: the brain refuses, the server stays up
    ["POST", "api/agents/a1/deregister", { "x-brainstem": "page" }, 404],
    ["POST", "api/agents/not valid/drain", { "x-brainstem": "page" }, 404],
  ];
  for (const [method, path, headers, status] of rows) t.is((await http(base + path.replace(/^\//, ""), method, headers)).status, status, `${method} ${path}`);
  t.regex((await http(base + "api/agents/a1/drain", "POST", { "x-brainstem": "page" })).body, /a1/, "the brain's reason is in the answer");
  const status = JSON.parse((await http(brain.statusUrl)).body);
  t.is(status.foxglove, brain.live.foxglove!.url);
});

test("plain words: the clock offset and the rate cap", (t) => {
  t.is(explainClockOffset(null), "clock offset not known yet (the device reports it in its first status)");
  t.is(explainClockOffset(-27787), "clock offset -27787 ms = device clock minus brain clock (arbitrary: the device counts from its own boot; frames are stamped in brain time)");
  const limits = { maxSensorHz: 50, maxFrameBytes: 1024, heartbeatMs: 1000, motorDeadlineMs: 500 };
  const ch = (kind: "sensor" | "motor", rateHz: number) => ({ name: "x", unit: "", id: 0, kind, type: "f32", count: 1, rateHz });
  const rows: [channels: ReturnType<typeof ch>[], lim: typeof limits | null, text: string | null][] = [
    [[ch("sensor", 100), ch("sensor", 20), ch("motor", 500)], limits, "the brain caps the sensor rate: the device asks for 100 Hz, the brain allows 50 Hz"],
    [[ch("sensor", 50)], limits, null],
    [[ch("sensor", 20), ch("motor", 500)], limits, null],
    [[ch("sensor", 100)], null, null],
  ];
  for (const [channels, lim, text] of rows) t.is(explainRateCap({ channels, limits: lim } as never), text);
});
