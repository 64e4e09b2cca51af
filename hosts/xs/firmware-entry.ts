/*
 * firmware-entry: the brainstem firmware as it runs inside XS on a laptop (bundled by
 * `npm run build:xs` into build/xs/firmware.js and evaluated in an xsnap worker).
 *
 * Theory of operation: this is the XS side of the bridge (bridge.ts). It installs
 * `globalThis.handleCommand(request)`; each request carries the time, the bytes the socket
 * received and fresh entropy; the agent runs exactly as on a board, and everything it asks
 * of its host (send bytes, open, close, drive motors, log) is recorded into one reply buffer
 * that goes back to Node. The sensors are simulated waveforms, as in the Moddable simulator.
 * The reply buffer is preallocated; when it is full, `send` reports "would block" and the
 * agent's own bounded outbox takes over, exactly as with a slow socket.
 */
import { Agent, type AgentHost, type SensorArrays } from "../../src/agent/agent";
import type { AgentConfigInput } from "../../src/agent/config";
import type { TypedArray } from "../../src/agent/channels";
import { fromHex, readUtf8, writeUtf8, utf8Length } from "../../src/codec/bytes";
import { simulatedSensors } from "../node/sensors";
import { ENTROPY_BYTES, Op, REQUEST_HEADER_BYTES, Rec, readU32LE, writeU32LE } from "./bridge";

const REPLY_BYTES = 256 * 1024;

const reply = new Uint8Array(REPLY_BYTES);
let replyLen = 0;
let inbound = new Uint8Array(0);
let inboundOff = 0;
let inboundEnd = 0;
const entropy = new Uint8Array(ENTROPY_BYTES);
let entropyOff = ENTROPY_BYTES;
let agent: Agent | null = null;
let sampleCount = 0;
let counterChannel: TypedArray | null | undefined;

function findCounterChannel(sensors: SensorArrays): TypedArray | null {
  const c = agent!.config.channels.find((ch) => ch.kind === "sensor" && ch.name === "counter");
  return c ? sensors.sensorArray(c.id) : null;
}

function record(kind: number, len: number): number {
  if (replyLen + 5 + len > REPLY_BYTES) return -1;
  reply[replyLen] = kind;
  writeU32LE(reply, replyLen + 1, len);
  const at = replyLen + 5;
  replyLen = at + len;
  return at;
}

function recordBytes(kind: number, src: Uint8Array, off: number, len: number): boolean {
  const at = record(kind, len);
  if (at < 0) return false;
  reply.set(src.subarray(off, off + len), at);
  return true;
}

function recordText(kind: number, prefix: number, level: number, code: number, text: string): void {
  const n = utf8Length(text);
  const at = record(kind, prefix + n);
  if (at < 0) return;
  if (prefix > 0) {
    reply[at] = level;
    writeU32LE(reply, at + 1, code >>> 0);
  }
  writeUtf8(reply, at + prefix, text);
}

function makeHost(): AgentHost {
  let sample: ((nowMs: number, sensors: SensorArrays) => void) | null = null;
  return {
    transport: {
      open: (host, port) => recordText(Rec.Open, 0, 0, 0, `${host}\u0000${port}`),
      close: () => void record(Rec.Close, 0),
      send: (src, off, len) => (recordBytes(Rec.Send, src, off, len) ? len : 0),
      recv: (dst, off, len) => {
        const n = Math.min(len, inboundEnd - inboundOff);
        for (let i = 0; i < n; i++) dst[off + i] = inbound[inboundOff + i];
        inboundOff += n;
        return n;
      },
    },
    io: {
      sampleSensors: (nowMs, sensors) => {
        (sample ??= simulatedSensors(agent!.config.channels))(nowMs, sensors);
        // Latency probe: a sensor channel named "counter" carries the sample count, and Node is
        // told when each sample leaves (SAMPLE record), so loops can be timed end to end.
        sampleCount = (sampleCount + 1) >>> 0;
        if (counterChannel === undefined) counterChannel = findCounterChannel(sensors);
        if (counterChannel !== null) counterChannel[0] = sampleCount;
        const at = record(Rec.Sample, 4);
        if (at >= 0) writeU32LE(reply, at, sampleCount);
      },
      applyMotor: (id, values) => {
        const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        const at = record(Rec.Motor, 1 + bytes.length);
        if (at < 0) return;
        reply[at] = id;
        reply.set(bytes, at + 1);
      },
      motorsSafe: () => void record(Rec.Safe, 0),
    },
    platform: {
      random: (dst) => {
        // Node sends fresh entropy with every request (crypto.randomFillSync); one request never
        // needs more than a nonce and a jitter draw. Past that, XS's Math.random is mixed in.
        for (let i = 0; i < dst.length; i++) dst[i] = entropyOff < ENTROPY_BYTES ? entropy[entropyOff++] : (Math.random() * 256) | 0;
      },
      log: (level, code, message) => recordText(Rec.Log, 5, level, code, message),
      restartNetwork: () => void record(Rec.NetRestart, 0),
      reboot: () => void record(Rec.Reboot, 0),
    },
  };
}

function configure(json: string): void {
  const { keyHex, ...raw } = JSON.parse(json) as AgentConfigInput & { keyHex: string };
  agent = new Agent({ ...raw, key: fromHex(keyHex) }, makeHost());
}

function statusJson(): string {
  if (!agent) return "{}";
  const s = agent.status();
  return JSON.stringify({
    phase: agent.phaseName, generation: s.generation, sessionId: s.sessionId, rttMs: s.rttMs,
    clockOffsetMs: s.clockOffsetMs, lastReason: s.lastReason, counters: Array.from(agent.counters),
  });
}

function handleCommand(request: ArrayBuffer): ArrayBuffer {
  const req = new Uint8Array(request);
  const op = req[0];
  const now = readU32LE(req, 1);
  const arg = readU32LE(req, 5) | 0;
  entropy.set(req.subarray(9, 9 + ENTROPY_BYTES));
  entropyOff = 0;
  replyLen = 0;
  inbound = req;
  inboundOff = REQUEST_HEADER_BYTES;
  inboundEnd = op === Op.Tick ? req.length : REQUEST_HEADER_BYTES;
  try {
    if (op === Op.Configure) configure(readUtf8(req, REQUEST_HEADER_BYTES, req.length));
    else if (agent === null) throw new Error("bridge: configure first");
    else if (op === Op.Start) agent.start(now);
    else if (op === Op.Tick) agent.tick(now);
    else if (op === Op.Opened) agent.handleTransportOpened(now);
    else if (op === Op.Closed) agent.handleTransportClosed(now, arg);
    else if (op === Op.Stop) agent.stop(now);
    else if (op === Op.Status) recordText(Rec.Status, 0, 0, 0, statusJson());
  } catch (e) {
    recordText(Rec.Log, 5, 3, -1, `xs firmware: ${(e as Error)?.message ?? String(e)}`);
  }
  if (agent && inboundOff < inboundEnd && op === Op.Tick) agent.tick(now); // drain what a bounded pump left
  const at = record(Rec.State, 9);
  if (at >= 0 && agent) {
    writeU32LE(reply, at, agent.nextDeadline());
    reply[at + 4] = agent.phase;
    writeU32LE(reply, at + 5, agent.status().generation);
  }
  return reply.buffer.slice(0, replyLen);
}

(globalThis as unknown as { handleCommand: typeof handleCommand }).handleCommand = handleCommand;
