/*
 * brain/status-http: GET /status on a local HTTP port.
 *
 * Theory of operation: a node:http server bound to 127.0.0.1 (never the network: it shows
 * agent ids and counters) answers GET /status with the JSON report from `report()`
 * (service.ts StatusReport) and everything else with 404 (405 for other methods on
 * /status). Port 0 picks a free port. `routes`, when given, is tried first for every request
 * (the built-in page, brain/live/page-server.ts) and returns false for paths it does not serve.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface StatusServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startStatusServer(port: number, report: () => unknown, host = "127.0.0.1", routes?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    if (routes !== undefined && routes(req, res)) return;
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/status") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try GET /status\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "text/plain", allow: "GET, HEAD" }).end("method not allowed\n");
      return;
    }
    let body: string;
    try {
      body = JSON.stringify(report(), null, 2) + "\n";
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`status failed: ${(e as Error).message}\n`);
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const actual = typeof a === "object" && a !== null ? a.port : port;
  return {
    port: actual,
    url: `http://${host}:${actual}/status`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
