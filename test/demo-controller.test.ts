/*
 * The demo controller, by channel name: the reflex table, which channels it drives, what it
 * leaves at the agent's safe values, and the one note per agent in the log. Driven through
 * the same adapter the brain uses (brain/controller-adapter.ts), so the motor command checked
 * is the by-id one the brain encodes.
 */
import test from "ava";
import { ChannelKind, ElementType, type ChannelSpec } from "../src/codec/frames/channels.ts";
import { declareSpecs, type DeclaredChannels, type TypedArray } from "../brain/channels.ts";
import { toFrameController } from "../brain/controller-adapter.ts";
import { DemoController } from "../brain/demo-controller.ts";

const S = ChannelKind.Sensor;
const M = ChannelKind.Motor;

function table(rows: [id: number, kind: number, et: number, count: number, name: string][]): DeclaredChannels {
  const specs: ChannelSpec[] = rows.map(([id, kind, elementType, count]) => ({ id, kind, elementType, count, rateHz: 20 }));
  const d = declareSpecs(specs, rows.map((r) => ({ name: r[4] })));
  if (typeof d === "string") throw new Error(d);
  return d;
}

const robot = table([
  [1, S, ElementType.F32, 1, "distance"],
  [2, S, ElementType.U8, 2, "bumpers"],
  [10, M, ElementType.F32, 2, "wheels"],
  [11, M, ElementType.F32, 1, "head"],
]);

function frame(d: DeclaredChannels, seq: number, values: [number, TypedArray][]) {
  return { agentId: "r1", sessionId: 5, seq, brainTimeMs: seq * 50, agentTimeMs: seq * 50, channels: new Map(values), declared: d };
}

test("demo: wheel speeds from distance and bumpers", (t) => {
  const c = new DemoController({ stopDistanceM: 0.3, cruiseDistanceM: 1.3, log: () => undefined });
  const rows: [distance: number, left: boolean, right: boolean, l: number, r: number][] = [
    [5, false, false, 1, 1],
    [1.3, false, false, 1, 1],
    [0.8, false, false, 0.5, 0.5],
    [0.3, false, false, 0, 0],
    [0.29, false, false, 0.5, -0.5],
    [NaN, false, false, 0.5, -0.5],
    [Infinity, false, false, 0.5, 0.5],
    [5, true, false, -0.2, -0.6],
    [5, false, true, -0.6, -0.2],
    [5, true, true, -0.5, -0.5],
    [0.1, true, false, -0.2, -0.6],
  ];
  for (const [d, bl, br, l, r] of rows) {
    const [left, right] = c.wheelSpeeds(d, bl, br);
    t.true(Math.abs(left - l) < 1e-9 && Math.abs(right - r) < 1e-9, `d=${d} bumpers=${bl},${br}: got ${left}, ${right}`);
  }
});

test("demo: drives wheels only, leaves head at its safe value and says so once", (t) => {
  const notes: string[] = [];
  const fc = toFrameController(new DemoController({ log: (m) => notes.push(m) }));
  fc.onSessionStart!({ agentId: "r1", sessionId: 5, generation: 1, declared: robot });
  const far = fc.onSensorFrame(frame(robot, 1, [[1, Float32Array.of(2)], [2, Uint8Array.of(0, 0)]])) as { channels: Map<number, TypedArray> };
  t.deepEqual([...far.channels.keys()], [10], "only wheels (id 10) is in the command");
  t.deepEqual([...far.channels.get(10)!], [1, 1]);
  const bumped = fc.onSensorFrame(frame(robot, 2, [[1, Float32Array.of(2)], [2, Uint8Array.of(0, 1)]])) as { channels: Map<number, TypedArray> };
  t.deepEqual([...bumped.channels.get(10)!].map((v) => +v.toFixed(3)), [-0.6, -0.2], "right bumper: back away from it");
  fc.onSessionEnd!("r1", 5);
  fc.onSessionStart!({ agentId: "r1", sessionId: 6, generation: 2, declared: robot });
  fc.onSensorFrame({ ...frame(robot, 1, [[1, Float32Array.of(2)]]), sessionId: 6 });
  t.deepEqual(notes, ["demo controller: agent r1: drives wheels from distance and bumpers; leaves head at its safe value (the demo does not know it)"], "one note per agent, not per session");
});

test("demo: an agent without wheels, or without distance and bumpers, gets no motor frames, and a note", (t) => {
  const notes: string[] = [];
  const fc = toFrameController(new DemoController({ log: (m) => notes.push(m) }));
  const noWheels = table([[0, S, ElementType.F32, 1, "distance"], [10, M, ElementType.F32, 1, "arm"]]);
  fc.onSessionStart!({ agentId: "a", sessionId: 1, generation: 1, declared: noWheels });
  t.is(fc.onSensorFrame({ ...frame(noWheels, 1, [[0, Float32Array.of(1)]]), agentId: "a", sessionId: 1 }), null);
  const blind = table([[0, S, ElementType.F32, 16, "imu"], [10, M, ElementType.F32, 2, "wheels"]]);
  fc.onSessionStart!({ agentId: "b", sessionId: 1, generation: 1, declared: blind });
  t.is(fc.onSensorFrame({ ...frame(blind, 1, [[0, new Float32Array(16)]]), agentId: "b", sessionId: 1 }), null);
  t.deepEqual(notes, [
    'demo controller: agent a needs a motor channel "wheels" and a sensor "distance" or "bumpers"; it has motors arm and sensors distance: sending no motor frames, every motor stays at its safe value',
    'demo controller: agent b needs a motor channel "wheels" and a sensor "distance" or "bumpers"; it has motors wheels and sensors imu: sending no motor frames, every motor stays at its safe value',
  ]);
});

test("demo: integer channels: distance in mm, wheels scaled to the type", (t) => {
  const d = table([[0, S, ElementType.U16, 1, "distance"], [5, M, ElementType.I16, 4, "wheels"]]);
  const fc = toFrameController(new DemoController({ log: () => undefined }));
  fc.onSessionStart!({ agentId: "r1", sessionId: 5, generation: 1, declared: d });
  const near = fc.onSensorFrame(frame(d, 1, [[0, Uint16Array.of(200)]])) as { channels: Map<number, TypedArray> };
  t.deepEqual([...near.channels.get(5)!], [16384, -16383, 16384, -16383], "0.2 m: spin; i16 = Math.round(+-16383.5)");
  const u8 = table([[0, S, ElementType.F32, 1, "distance"], [5, M, ElementType.U8, 2, "wheels"]]);
  fc.onSessionStart!({ agentId: "r2", sessionId: 1, generation: 1, declared: u8 });
  const out = fc.onSensorFrame({ ...frame(u8, 1, [[0, Float32Array.of(0.1)]]), agentId: "r2", sessionId: 1 }) as { channels: Map<number, TypedArray> };
  t.deepEqual([...out.channels.get(5)!], [191, 64], "u8: -1..1 -> 0..255, midpoint stop");
});

test("adapter: a command naming an unknown channel or with a wrong count throws a helpful error", (t) => {
  const bad = (motors: Record<string, number[]>) =>
    toFrameController({ onSensorFrame: () => ({ motors }) }).onSensorFrame(frame(robot, 1, [[1, Float32Array.of(1)]]));
  t.throws(() => bad({ arm: [1] }), { message: 'motor command names "arm", which is not a motor channel of agent r1 (motors: wheels (f32 x2), head (f32 x1))' });
  t.throws(() => bad({ distance: [1] }), { message: /"distance", which is not a motor channel/ });
  t.throws(() => bad({ wheels: [1] }), { message: 'motor "wheels" needs 2 values, got 1' });
  const ok = bad({ wheels: [0.25, 7], head: [45] }) as { channels: Map<number, TypedArray>; ttlMs?: number };
  t.deepEqual([...ok.channels].map(([id, v]) => [id, [...v]]), [[10, [0.25, 7]], [11, [45]]], "plain arrays are converted to the channel's type");
});
