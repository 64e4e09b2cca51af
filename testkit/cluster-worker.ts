/*
 * cluster-worker: one brain worker on a NATS cluster as its own process, for tests and the
 * fleet bench that must kill -9 a worker. Same as `npm run brain -- --cluster ...` but with
 * the NumberingController (so devices can check every motor frame) and the keys given in
 * the BS_WORKER environment variable as JSON:
 *   {servers, partitions, leaseMs, name, keysFile, heartbeatMs}
 * Prints "worker <id> ready <statusUrl>" once it runs; SIGTERM closes it cleanly.
 */
import { pathToFileURL } from "node:url";
import { startBrain, type Controller } from "../brain/index";
import { NumberingController } from "./numbering-controller";

const o = JSON.parse(process.env.BS_WORKER ?? "{}") as { servers: string[]; partitions: number; leaseMs: number; name: string; keysFile: string; heartbeatMs?: number; controllerModule?: string };
const controller: Controller =
  o.controllerModule === undefined ? new NumberingController() : ((await import(pathToFileURL(o.controllerModule).href)) as { createController(): Controller }).createController();
const brain = await startBrain({
  keys: o.keysFile,
  httpPort: 0,
  heartbeatMs: o.heartbeatMs ?? 1000,
  controller,
  maxSensorHz: 1000,
  connectTimeoutMs: 30_000, // a cluster that just lost or regained a node may take a while to serve JetStream
  log: (level, msg) => {
    if (level === "warn" || level === "error") console.error(`${level}: ${msg}`);
  },
  cluster: { servers: o.servers, partitions: o.partitions, leaseMs: o.leaseMs, name: o.name },
});
console.log(`worker ${brain.cluster!.workerId} ready ${brain.statusUrl}`);
process.on("SIGTERM", () => void brain.close().then(() => process.exit(0)));
