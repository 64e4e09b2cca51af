/*
 * Named channels end to end: hello `cn` (protocol 1.1) encoded by src/protocol, read by cbor-x
 * (what any brain sees) and by our decoder; refusals of bad labels; the config validator's
 * name and unit rules; and the brain's declared table by name, including what it makes of a
 * protocol 1.0 agent that sends no names.
 */
import test from "ava";
import { Decoder, Encoder } from "cbor-x";
import { ChannelKind, ChannelTable, ElementType, type ChannelSpec } from "../src/codec/frames/channels.ts";
import { Err } from "../src/errors.ts";
import { readUtf8 } from "../src/codec/bytes.ts";
import * as P from "../src/protocol/messages.ts";
import { resolveAgentConfig, type ChannelConfig } from "../src/agent/config.ts";
import { declareChannels, declareSpecs, type DeclaredChannels } from "../brain/channels.ts";

const cborx = new Decoder({ useRecords: false, mapsAsObjects: true });
const specs: ChannelSpec[] = [
  { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 1, rateHz: 20 },
  { id: 2, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 2, rateHz: 20 },
  { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 20 },
];
const table = new ChannelTable(specs);
const labels = [{ name: "distance", unit: "m" }, { name: "bumpers" }, { name: "wheels", unit: "" }];
const nonce = new Uint8Array(16).map((_, i) => i);

function hello(l: { name: string; unit?: string }[] | null): Uint8Array {
  const dst = new Uint8Array(512);
  const n = P.encodeHello(dst, 0, "fw", "robot-1", 7, nonce, 0, 1024, table, l);
  if (n < 0) throw new Error(`encodeHello: ${n}`);
  return dst.subarray(0, n);
}

test("hello cn: cbor-x reads ch unchanged plus [name, unit] per channel", (t) => {
  const obj = cborx.decode(hello(labels)) as Record<string, unknown>;
  t.deepEqual(obj.ch, [[1, 0, 85, 1, 20], [2, 0, 64, 2, 20], [10, 1, 85, 2, 20]]);
  t.deepEqual(obj.cn, [["distance", "m"], ["bumpers", ""], ["wheels", ""]]);
  t.false("cn" in (cborx.decode(hello(null)) as object), "no labels, no cn (a 1.0 hello)");
});

test("hello cn: our decoder reads every label back; the brain declares the table by name", (t) => {
  const buf = hello(labels);
  const m = new P.ControlMessage();
  t.is(P.decodeControl(buf, 0, buf.length, m), P.MsgType.Hello);
  t.is(m.labelCount, 3);
  const got = [0, 1, 2].map((i) => [readUtf8(m.buf, m.chNameOff[i], m.chNameOff[i] + m.chNameLen[i]), readUtf8(m.buf, m.chUnitOff[i], m.chUnitOff[i] + m.chUnitLen[i])]);
  t.deepEqual(got, [["distance", "m"], ["bumpers", ""], ["wheels", ""]]);
  const d = declareChannels(m) as DeclaredChannels;
  t.true(d.named);
  t.deepEqual(d.list.map((c) => [c.name, c.unit, c.id, c.kind]), [["distance", "m", 1, "sensor"], ["bumpers", "", 2, "sensor"], ["wheels", "", 10, "motor"]]);
  t.is(d.byName.get("wheels")!.id, 10);
});

test("hello without cn (protocol 1.0 agent): channels are named ch<id>", (t) => {
  const buf = hello(null);
  const m = new P.ControlMessage();
  t.is(P.decodeControl(buf, 0, buf.length, m), P.MsgType.Hello);
  t.is(m.labelCount, 0);
  const d = declareChannels(m) as DeclaredChannels;
  t.false(d.named);
  t.deepEqual(d.list.map((c) => c.name), ["ch1", "ch2", "ch10"]);
});

test("hello cn: bad labels are refused by the encoder (VALUE_RANGE)", (t) => {
  const rows: [string, { name: string; unit?: string }[]][] = [
    ["too few labels", labels.slice(0, 2)],
    ["empty name", [{ name: "" }, labels[1], labels[2]]],
    ["space in name", [{ name: "left wheel" }, labels[1], labels[2]]],
    ["name of 33 chars", [{ name: "a".repeat(33) }, labels[1], labels[2]]],
    ["unit of 17 bytes", [{ name: "distance", unit: "x".repeat(17) }, labels[1], labels[2]]],
  ];
  for (const [why, l] of rows) t.is(P.encodeHello(new Uint8Array(512), 0, "fw", "robot-1", 7, nonce, 0, 1024, table, l), Err.ValueRange, why);
});

test("hello cn: bad labels on the wire are MSG_BAD_FIELD for our decoder", (t) => {
  const base = cborx.decode(hello(labels)) as Record<string, unknown>;
  const enc = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
  const rows: [string, unknown][] = [
    ["2 labels for 3 channels", [["distance", "m"], ["bumpers", ""]]],
    ["4 labels for 3 channels", [["distance", "m"], ["bumpers", ""], ["wheels", ""], ["extra", ""]]],
    ["a label of 1 item", [["distance"], ["bumpers", ""], ["wheels", ""]]],
    ["a label of 3 items", [["distance", "m", 1], ["bumpers", ""], ["wheels", ""]]],
    ["a name with a space", [["dist ance", "m"], ["bumpers", ""], ["wheels", ""]]],
    ["an empty name", [["", "m"], ["bumpers", ""], ["wheels", ""]]],
    ["a name of 33 bytes", [["a".repeat(33), "m"], ["bumpers", ""], ["wheels", ""]]],
    ["a unit of 17 bytes", [["distance", "x".repeat(17)], ["bumpers", ""], ["wheels", ""]]],
    ["a number for a name", [[7, "m"], ["bumpers", ""], ["wheels", ""]]],
    ["cn not an array", "distance"],
  ];
  const m = new P.ControlMessage();
  for (const [why, cn] of rows) {
    const buf = enc.encode({ ...base, cn });
    t.is(P.decodeControl(buf, 0, buf.length, m), Err.MsgBadField, why);
  }
  const okBuf = enc.encode({ ...base, cn: [["distance", "m"], ["bumpers", ""], ["wheels", "%"]] });
  t.is(P.decodeControl(okBuf, 0, okBuf.length, m), P.MsgType.Hello, "the same map with good labels decodes");
});

test("config: channel names and units are validated with every problem listed", (t) => {
  const base: ChannelConfig[] = [
    { id: 1, name: "distance", unit: "m", kind: "sensor", type: "f32", count: 1 },
    { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2 },
  ];
  const ok = resolveAgentConfig({ agentId: "a1", key: new Uint8Array(32), brokerHost: "127.0.0.1", channels: base });
  t.deepEqual(ok.problems, []);
  const bad = resolveAgentConfig({
    agentId: "a1",
    key: new Uint8Array(32),
    brokerHost: "127.0.0.1",
    channels: [
      { ...base[0], name: "front range" },
      { ...base[1], name: "wheels", unit: "percent-of-full-speed" },
      { id: 11, name: "wheels", kind: "motor", type: "f32", count: 1 },
      { id: 12, name: undefined as unknown as string, kind: "motor", type: "f32", count: 1 },
    ],
  });
  t.deepEqual(bad.problems, [
    'channels[0].name: must be 1..32 characters of A-Z a-z 0-9 _ - (got "front range")',
    'channels[1].unit: must be a text of at most 16 bytes (got "percent-of-full-speed")',
    'channels[2].name: "wheels" is used twice',
    "channels[3].name: must be 1..32 characters of A-Z a-z 0-9 _ - (got undefined)",
  ]);
});

test("brain: two channels of one name are refused", (t) => {
  t.regex(declareSpecs(specs, [{ name: "a" }, { name: "b" }, { name: "a" }]) as string, /names two channels "a"/);
});
