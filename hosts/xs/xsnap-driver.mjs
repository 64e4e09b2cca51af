/*
 * xsnap-driver: a dedicated Node process that owns one @agoric/xsnap worker (Moddable's XS
 * engine in its own OS process) and relays requests to it over Node IPC.
 *
 * Why a separate process: @agoric/xsnap needs SES initialised (`import '@endo/init'`), and
 * that calls lockdown(), which freezes every intrinsic of the process that imports it. The
 * test runner and the tools must not be locked down, so they fork this plain .mjs file
 * (hosts/xs/worker.ts does) and talk to it with messages:
 *
 *   parent -> driver  { id, op: "evaluate", code }      -> { id, ok, reply: Uint8Array, meter }
 *                     { id, op: "issueCommand", data }   -> same shape (XS globalThis.handleCommand)
 *                     { id, op: "close" }                -> { id, ok } and the driver exits
 *                     { op: "xsreply", cid, data }       answer to an XS -> host command
 *   driver -> parent  { op: "ready", xsnapPid }
 *                     { op: "xscommand", cid, data }     XS called issueCommand(arrayBuffer)
 *                     { op: "fatal", error }             the worker could not start
 *
 * Start-up options come as one JSON argument: { bin?: string, name?: string, stdout?: "inherit"
 * | "ignore" }. `bin` replaces the stock xsnap-worker binary (testkit/xsnap-meter.ts builds a
 * copy with a memoryStats() global); the stock package launches its binary through the
 * `spawn` we pass in, so swapping the path there is all it takes.
 * If the parent goes away (IPC disconnect) the driver terminates the worker and exits, and
 * the worker itself exits when its command pipe closes, so no process outlives its owner.
 */
import '@endo/init'; // must come first: SES lockdown, required by @agoric/xsnap
import { xsnap } from '@agoric/xsnap';
import { spawn as nodeSpawn } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import fsp from 'node:fs/promises';

const CLOSE_GRACE_MS = 3000;

const options = JSON.parse(process.argv[2] || '{}');
let xsnapPid = 0;

const send = (msg) => {
  if (process.connected) process.send(msg);
};

// XS -> host commands are answered by the parent; XS blocks in issueCommand() meanwhile.
const pendingCommands = new Map();
let nextCommandId = 1;
const handleCommand = (data) =>
  new Promise((resolve) => {
    const cid = nextCommandId++;
    pendingCommands.set(cid, resolve);
    send({ op: 'xscommand', cid, data: Uint8Array.from(data) });
  });

const spawn = (bin, args, opts) => {
  const child = nodeSpawn(options.bin || bin, args, opts);
  xsnapPid = child.pid;
  return child;
};

let worker;
try {
  worker = await xsnap({
    os: os.type(),
    spawn,
    fs: { ...fs, ...fsp, tmpName: () => {} },
    name: options.name || 'brainstem-xs',
    meteringLimit: 0,
    stdout: options.stdout || 'inherit',
    stderr: 'inherit',
    handleCommand,
  });
  await worker.isReady();
} catch (e) {
  send({ op: 'fatal', error: String(e && e.stack ? e.stack : e) });
  process.exit(1);
}

const meterOf = (m) => ({
  compute: m.compute,
  allocate: m.allocate,
  currentHeapCount: m.currentHeapCount,
  timestamps: m.timestamps || [],
});

async function settle(id, promise) {
  try {
    const r = await promise;
    send({ id, ok: true, reply: Uint8Array.from(r.reply), meter: meterOf(r.meterUsage) });
  } catch (e) {
    send({ id, ok: false, error: String(e && e.message ? e.message : e) });
  }
}

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS));
  const closed = worker.close().then(
    () => 'closed',
    () => 'closed',
  );
  if ((await Promise.race([closed, timer])) === 'timeout') await worker.terminate();
}

process.on('message', (msg) => {
  switch (msg.op) {
    case 'evaluate':
      void settle(msg.id, worker.evaluate(msg.code));
      break;
    case 'issueCommand':
      void settle(msg.id, worker.issueCommand(msg.data));
      break;
    case 'xsreply': {
      const resolve = pendingCommands.get(msg.cid);
      pendingCommands.delete(msg.cid);
      if (resolve) resolve(Uint8Array.from(msg.data));
      break;
    }
    case 'close':
      void shutdown().then(() => {
        if (process.connected) process.send({ id: msg.id, ok: true }, () => process.exit(0));
        else process.exit(0);
      });
      break;
    default:
      send({ id: msg.id, ok: false, error: `xsnap-driver: unknown op ${msg.op}` });
  }
});

process.on('disconnect', () => {
  void shutdown().then(() => process.exit(0));
});

send({ op: 'ready', xsnapPid });
