/*
 * brain/live/page-server: the HTTP side of the built-in page: `/`, uPlot's files, the
 * server-sent-event feed and the operator buttons.
 *
 * Theory of operation: `handle(req, res)` is tried by the status server (status-http.ts)
 * before its own routes and returns false for paths it does not serve:
 *   GET  /                               the page (page.ts)
 *   GET  /uplot/uPlot.iife.min.js, .css  from node_modules/uplot/dist
 *   GET  /live/feed                      text/event-stream: a report and every session at
 *                                        once, then telemetry records and a report a second
 *   POST /api/agents/<id>/drain          drain (operator, retry after 5 s)
 *   POST /api/agents/<id>/deregister     deregister now
 * POSTs must carry the header `x-brainstem: page`: a page of another origin cannot set it
 * without a CORS preflight, which this server never grants, so another site cannot drain a
 * robot through the user's browser. A command the brain refuses (an agent it never heard
 * from) is answered 404 with the brain's reason. As a telemetry Sink it forwards records to every feed
 * client: sessions, statuses and events always; frames at most 20 per second per agent and
 * kind, and never to a client whose socket has more than 1 MB unsent (it skips frames
 * until that drains).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Record, Sink, Telemetry } from "./telemetry";
import { pageHtml } from "./page";

/** Frames per agent and kind sent to the page, at most, per second. */
export const PAGE_FRAME_HZ = 20;
const BACKLOG_MAX_BYTES = 1 << 20;
const REPORT_EVERY_MS = 1000;
const RECENT_EVENTS_MAX = 50;
const DRAIN_RETRY_AFTER_MS = 5000;

export interface PageActions {
  report(): object;
  drain(agentId: string): void;
  deregister(agentId: string): void;
}

function uplotDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));
}

export class PageServer implements Sink {
  private readonly clients = new Set<ServerResponse>();
  private readonly lastFrameMs = new Map<string, number>();
  /** The last events, sent to a page that connects late. */
  private readonly recentEvents: Record[] = [];
  private readonly files = new Map<string, { type: string; body: Buffer | string }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly actions: PageActions,
    private readonly telemetry: Telemetry,
  ) {
    const dir = uplotDir();
    this.files.set("/uplot/uPlot.iife.min.js", { type: "text/javascript", body: readFileSync(join(dir, "uPlot.iife.min.js")) });
    this.files.set("/uplot/uPlot.min.css", { type: "text/css", body: readFileSync(join(dir, "uPlot.min.css")) });
    this.files.set("/", { type: "text/html; charset=utf-8", body: pageHtml() });
    this.timer = setInterval(() => this.sendReport(), REPORT_EVERY_MS);
    this.timer.unref();
  }

  wantsFrames(): boolean {
    return this.clients.size > 0;
  }

  /** Records in; events are also kept (the last 50) for a page that opens later. */
  push(rec: Record): void {
    if (rec.type === "event") {
      this.recentEvents.push(rec);
      if (this.recentEvents.length > RECENT_EVENTS_MAX) this.recentEvents.shift();
    }
    if (this.clients.size === 0) return;
    if (rec.type === "sensor" || rec.type === "motor") {
      const key = `${rec.type}/${rec.agentId}`;
      const now = Date.now();
      if (now - (this.lastFrameMs.get(key) ?? -Infinity) < 1000 / PAGE_FRAME_HZ) return;
      this.lastFrameMs.set(key, now);
      this.broadcast(rec, true);
    } else this.broadcast(rec, false);
  }

  /** Serves the page's routes; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").split("?")[0];
    const file = this.files.get(path);
    if (file !== undefined) {
      if (req.method !== "GET" && req.method !== "HEAD") return this.fail(res, 405, "method not allowed");
      res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : file.body);
      return true;
    }
    if (path === "/live/feed") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(": brainstem live feed\n\n");
      this.clients.add(res);
      req.on("close", () => this.clients.delete(res));
      this.write(res, { type: "report", report: this.actions.report() });
      for (const s of this.telemetry.sessions()) this.write(res, s);
      for (const e of this.recentEvents) this.write(res, e);
      return true;
    }
    const m = /^\/api\/agents\/([A-Za-z0-9_-]{1,20})\/(drain|deregister)$/.exec(path);
    if (m === null) return false;
    if (req.method !== "POST") return this.fail(res, 405, "use POST");
    if (req.headers["x-brainstem"] !== "page") return this.fail(res, 403, "missing x-brainstem header");
    const [, id, what] = m;
    try {
      if (what === "drain") this.actions.drain(id); // the brain records it as an event, which the page shows
      else this.actions.deregister(id);
    } catch (e) {
      return this.fail(res, 404, (e as Error).message); // e.g. no such agent
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, agentId: id, command: what }) + "\n");
    return true;
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private sendReport(): void {
    if (this.clients.size === 0) return;
    let report: object;
    try {
      report = this.actions.report();
    } catch {
      return;
    }
    this.broadcast({ type: "report", report }, false);
  }

  private broadcast(rec: object, skippable: boolean): void {
    const line = `data: ${JSON.stringify(rec)}\n\n`;
    for (const c of this.clients) {
      if (skippable && c.writableLength > BACKLOG_MAX_BYTES) continue;
      c.write(line);
    }
  }

  private write(res: ServerResponse, rec: object): void {
    res.write(`data: ${JSON.stringify(rec)}\n\n`);
  }

  private fail(res: ServerResponse, status: number, text: string): true {
    res.writeHead(status, { "content-type": "text/plain" }).end(text + "\n");
    return true;
  }
}

export { DRAIN_RETRY_AFTER_MS };
