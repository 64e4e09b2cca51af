/*
 * MCAP recording and replay, end to end: a brain with --record's option and a laptop agent
 * (the firmware core on the Node host, configured from examples/agent.json) run for a while;
 * the file is read back with @mcap/core's McapIndexedReader (brain/recording/reader.ts) and
 * McapStreamReader, and every sensor and motor frame the brain's own events showed must be
 * in it with the same values, with JSON Schemas. Then the replay: the demo controller
 * reproduces the recording exactly, a different controller is reported frame by frame, two
 * replays give the same report, and the CLI's exit codes. The recorder's bounded queue drops
 * frames (and counts them) instead of growing.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Decoder } from "cbor-x";
import { McapStreamReader } from "@mcap/core";
import { startBrain } from "../brain/index.ts";
import { DemoController } from "../brain/demo-controller.ts";
import type { Controller } from "../brain/controller.ts";
import { readRecording, type Recording } from "../brain/recording/reader.ts";
import { McapRecorder } from "../brain/recording/recorder.ts";
import { formatReport, replay } from "../brain/recording/replay.ts";
import { parseAgentFile } from "../hosts/node/agent-config.ts";
import { NodeAgent } from "../hosts/node/node-agent.ts";
import { until } from "../testkit/until.ts";
import { suiteTempDir, tempDir } from "../testkit/temp-dir.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Seen {
  sensors: Map<number, Record<string, number[]>>;
  motors: Map<number, Record<string, number[]>>;
}

async function recordRun(path: string, frames: number): Promise<Seen> {
  const spec = parseAgentFile(readFileSync(join(ROOT, "examples/agent.json"), "utf8"), ROOT);
  if (spec.problems.length > 0) throw new Error(spec.problems.join("\n"));
  const a = spec.agents[0];
  const brain = await startBrain({ keys: new Map([[a.config.agentId, a.config.key]]), brokerPort: 0, httpPort: 0, record: path, log: () => undefined, controller: new DemoController({ log: () => undefined }) });
  const seen: Seen = { sensors: new Map(), motors: new Map() };
  const dec = new Decoder({ mapsAsObjects: true, useRecords: false });
  const names = new Map(a.config.channels.map((c) => [c.id, c.name]));
  brain.on("sensor", (ctx) => {
    const v: Record<string, number[]> = {};
    for (const [id, arr] of ctx.channels) v[names.get(id)!] = Array.from(arr);
    seen.sensors.set(ctx.seq, v);
  });
  brain.on("motor", (m) => {
    const items = dec.decode(m.frame) as unknown[];
    const v: Record<string, number[]> = {};
    for (let i = 2; i + 1 < items.length; i += 2) v[names.get(items[i] as number)!] = Array.from(items[i + 1] as ArrayLike<number>);
    seen.motors.set(m.seq, v);
  });
  const port = Number(new URL(brain.brokerUrl).port);
  const agent = new NodeAgent({ config: { ...a.config, brokers: [`127.0.0.1:${port}`], session: { ...a.config.session, sensorRateHz: 50 } } });
  agent.start();
  try {
    await until("frames recorded", () => seen.sensors.size >= frames, 15_000);
  } finally {
    await agent.stop();
    await brain.whenIdle(3000);
    await brain.close();
  }
  return seen;
}

const recordingDir = suiteTempDir("bs-rec-");
let recording: { path: string; seen: Seen; rec: Recording } | null = null;
async function theRecording(): Promise<{ path: string; seen: Seen; rec: Recording }> {
  if (recording === null) {
    const path = join(recordingDir, "run.mcap");
    const seen = await recordRun(path, 40);
    recording = { path, seen, rec: await readRecording(path) };
  }
  return recording;
}

test.serial("MCAP round trip: every sensor and motor frame, with JSON Schemas, read back by the indexed reader", async (t) => {
  const { path, seen, rec } = await theRecording();
  const topics = new Map(rec.channels.map((c) => [c.topic, c]));
  for (const topic of ["/demo1/distance", "/demo1/bumpers", "/demo1/wheels", "/demo1/status", "/brainstem/sessions", "/brainstem/events"]) t.true(topics.has(topic), `${topic} recorded`);
  t.false(topics.has("/demo1/head"), "head is never commanded by the demo, so never recorded");
  for (const c of rec.channels) t.deepEqual([c.schemaEncoding, c.messageEncoding], ["jsonschema", "json"], c.topic);
  const sensorMsgs = rec.messages.filter((m) => m.schema === "brainstem.SensorChannel");
  const motorMsgs = rec.messages.filter((m) => m.schema === "brainstem.MotorChannel");
  t.is(sensorMsgs.length, seen.sensors.size * 2, "two sensor channels per frame");
  t.is(motorMsgs.length, seen.motors.size, "one motor channel (wheels) per motor frame");
  for (const [seq, values] of seen.sensors)
    for (const [name, v] of Object.entries(values)) {
      const m = sensorMsgs.find((x) => x.body.seq === seq && x.body.channel === name);
      t.deepEqual(m?.body.values, v, `sensor frame ${seq} ${name}`);
      t.is(m?.topic, `/demo1/${name}`);
    }
  for (const [seq, values] of seen.motors) {
    const m = motorMsgs.find((x) => x.body.seq === seq);
    t.deepEqual(m?.body.values, values.wheels, `motor frame ${seq}`);
  }
  const phases = rec.messages.filter((m) => m.topic === "/demo1/status").map((m) => m.body.phase);
  t.true(phases.includes("active") && phases.includes("deregistered"), `status changes recorded: ${phases.join(",")}`);
  const events = rec.messages.filter((m) => m.topic === "/brainstem/events").map((m) => m.body.event);
  t.deepEqual(events, ["registered", "deregistered"]);
  const session = rec.messages.find((m) => m.topic === "/brainstem/sessions")!.body as { channels: { name: string; unit: string }[] };
  t.deepEqual(session.channels.map((c) => [c.name, c.unit]), [["distance", "m"], ["bumpers", ""], ["wheels", ""], ["head", "deg"]]);
  t.is(rec.messageCount, rec.messages.length);
  t.is(rec.sizeBytes, statSync(path).size);
});

test.serial("MCAP round trip: the stream reader sees the same records and valid schemas", async (t) => {
  const { path, rec } = await theRecording();
  const reader = new McapStreamReader({ validateCrcs: true });
  reader.append(readFileSync(path));
  const schemas = new Map<number, { name: string; encoding: string; data: Uint8Array }>();
  let messages = 0;
  let footer = false;
  for (let r; (r = reader.nextRecord()) !== undefined; ) {
    if (r.type === "Schema") schemas.set(r.id, r);
    if (r.type === "Message") messages++;
    if (r.type === "Footer") footer = true;
  }
  t.true(footer, "the file ends with a footer (closed cleanly)");
  t.is(messages, rec.messages.length);
  t.deepEqual([...schemas.values()].map((s) => s.name).sort(), ["brainstem.AgentStatus", "brainstem.Event", "brainstem.MotorChannel", "brainstem.SensorChannel", "brainstem.Session"]);
  for (const s of schemas.values()) {
    t.is(s.encoding, "jsonschema");
    const schema = JSON.parse(new TextDecoder().decode(s.data));
    t.is(schema.title, s.name);
    t.is(schema.type, "object");
  }
});

test.serial("replay: the demo controller reproduces the recording; another controller is reported frame by frame", async (t) => {
  const { path, seen, rec } = await theRecording();
  const same = await replay(rec, new DemoController({ log: () => undefined }));
  t.is(same.frames, seen.sensors.size);
  t.deepEqual([same.same, same.differing, same.differencesTotal], [seen.sensors.size, 0, 0], formatReport(same));

  const stop: Controller = { onSensorFrame: () => ({ motors: { wheels: [0, 0] } }) };
  const diff = await replay(rec, stop, 5);
  const moving = [...seen.motors.values()].filter((v) => v.wheels.some((x) => x !== 0)).length;
  t.is(diff.differing, moving, "every frame where the recording moved differs");
  t.is(diff.differences.length, Math.min(5, moving));
  const d0 = diff.differences[0];
  t.is(d0.channel, "wheels");
  t.deepEqual(d0.replayed, [0, 0]);
  t.deepEqual(d0.recorded, [...seen.motors.values()].find((v) => v.wheels.some((x) => x !== 0))!.wheels);

  // Time-dependent controller: the replay hands it recorded clocks, so two replays agree.
  const clocked = (): Controller => ({ onSensorFrame: (f) => ({ motors: { wheels: [Math.sin(f.agentTimeMs / 300), f.seq % 3] } }) });
  t.deepEqual(await replay(rec, clocked()), await replay(rec, clocked()));

  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ["--import=tsx", "tools/replay.ts", ...args], { cwd: ROOT });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      p.on("exit", (code) => resolve({ code, out }));
    });
  const info = await cli([path, "--info"]);
  t.is(info.code, 0, info.out);
  t.regex(info.out, /\/demo1\/distance\s+\d+ msgs .*: brainstem\.SensorChannel \[jsonschema\] \/ json/);
  console.log(info.out);
  const follower = await cli([path, "--controller", "examples/wall-follower.ts", "--max", "2"]);
  t.is(follower.code, 1, follower.out);
  t.regex(follower.out, new RegExp(`replayed ${seen.sensors.size} sensor frames of 1 session\\(s\\): 0 same, ${seen.sensors.size} differ`));
  t.regex(follower.out, /seq \d+ wheels: recorded \[.*\], replayed \(none\)/, "the wall-follower has no `wall` sensor here: it sends nothing");
  const bad = await cli([path, "--controller", "README.md"]);
  t.is(bad.code, 2, bad.out);
});

test("recorder: a full queue drops frames and counts them, and the file stays valid", async (t) => {
  const path = join(tempDir(t, "bs-rec-"), "drops.mcap");
  const r = await McapRecorder.open(path, 5);
  r.push({ type: "session", agentId: "a", sessionId: 1, channels: [{ name: "x", unit: "", id: 0, kind: "sensor", type: "f32", count: 1, rateHz: 0 }] });
  for (let seq = 1; seq <= 100; seq++) r.push({ type: "sensor", agentId: "a", sessionId: 1, seq, brainTimeMs: seq, agentTimeMs: seq, values: { x: [seq] } });
  const st = await r.close();
  t.true(st.framesDropped > 0, `dropped ${st.framesDropped}`);
  t.is(st.messagesWritten, 1 + 100 - st.framesDropped);
  const rec = await readRecording(path);
  t.true(rec.closedCleanly);
  t.is(rec.messages.length, st.messagesWritten);
  t.is(st.bytesWritten, statSync(path).size);
  const seqs = rec.messages.filter((m) => m.topic === "/a/x").map((m) => m.body.seq as number);
  t.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "what was kept is in order");
});

test("recorder: chunks reach the disk as they close, so a writer that never finishes leaves a file readable up to its last chunk", async (t) => {
  const dir = tempDir(t, "bs-rec-");
  const path = join(dir, "live.mcap");
  const r = await McapRecorder.open(path, 1000, 50);
  t.teardown(() => r.close());
  r.push({ type: "session", agentId: "a", sessionId: 1, channels: [{ name: "x", unit: "", id: 0, kind: "sensor", type: "f32", count: 1, rateHz: 0 }] });
  let seq = 0;
  for (let batch = 0; batch < 3; batch++) {
    for (let i = 0; i < 10; i++) r.push({ type: "sensor", agentId: "a", sessionId: 1, seq: ++seq, brainTimeMs: seq, agentTimeMs: seq, values: { x: [seq] } });
    await until("queue written", () => r.stats().queued === 0, 5000);
    await new Promise((res) => setTimeout(res, 80)); // the open chunk is now older than 50 ms
  }
  // The file as a killed brain would leave it: no summary, no footer; a copy, taken now.
  const killed = join(dir, "killed.mcap");
  copyFileSync(path, killed);
  t.true(statSync(killed).size > 1000, `${statSync(killed).size} bytes on disk before close`);
  const rec = await readRecording(killed);
  t.false(rec.closedCleanly);
  const seqs = rec.messages.filter((m) => m.topic === "/a/x").map((m) => m.body.seq as number);
  t.true(seqs.length >= 20, `${seqs.length} frames readable`);
  t.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "a prefix of what was written, in order");

  const info = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, ["--import=tsx", "tools/replay.ts", killed, "--info"], { cwd: ROOT });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => resolve({ code, out, err }));
  });
  t.is(info.code, 0, info.out + info.err);
  t.regex(info.err, /was not closed cleanly/);
  t.regex(info.out, new RegExp(`/a/x\\s+${seqs.length} msgs`));
});
