/*
 * protocol-examples: generates the examples and tables of docs/protocol.md from the code.
 *
 * Theory of operation: docs/protocol.md is hand-written except for blocks between
 *     <!-- generated:NAME -->  and  <!-- /generated:NAME -->
 * This tool renders every block from our own encoders (src/protocol, src/codec/frames) and
 * from src/errors.ts: an annotated hex dump of each message and frame, walked with our
 * CborReader, plus what cbor-x decodes the bytes to. Before rendering, each example is checked:
 * cbor-x must decode our bytes to the expected object, cbor-x must encode that object to the
 * same bytes (frames: except the MAC, which we compute), and our decoder must read it back.
 *
 *   npx tsx tools/protocol-examples.ts           print the blocks
 *   npx tsx tools/protocol-examples.ts --write   rewrite the blocks in docs/protocol.md
 *   npx tsx tools/protocol-examples.ts --check   exit 1 when docs/protocol.md is stale
 * test/messages-docs.test.ts runs the check, so the document cannot drift from the code.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Encoder } from "cbor-x";
import { errorTable, ErrKind } from "../src/errors";
import { readUtf8, toHex } from "../src/codec/bytes";
import { CborReader } from "../src/codec/cbor/reader";
import { Kind } from "../src/codec/cbor/types";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { byteView, ChannelKind, ChannelTable, ElementType, MAX_CHANNEL_ELEMENTS, MAX_CHANNEL_ID, MAX_CHANNELS, type ChannelSpec } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { decodeSensorFrame, encodeSensorFrame, SensorFrame, sensorFrameMaxBytes } from "../src/codec/frames/sensor";
import { decodeMotorFrame, encodeMotorFrame, MOTOR_MAC_BYTES, MotorFrame, motorFrameMaxBytes, verifyMotorMac } from "../src/codec/frames/motor";
import { AGENT_ID_MAX_CHARS, KEEP_ALIVE_DEFAULT_S, KEEP_ALIVE_MAX_S, KEEP_ALIVE_MIN_S } from "../src/protocol/topics";
import * as P from "../src/protocol/messages";
import { computeAgentProof, computeBrainProof, computeSessionKey } from "../src/protocol/auth";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DOC_PATH = path.resolve(here, "..", "docs", "protocol.md");

/** cbor-x options that make it write preferred serialization like our writer (protocol.md §Encoding). */
export const CBORX_OPTIONS = { useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, int64AsNumber: true } as const;

// ---------------------------------------------------------------------------------------
// Example values
// ---------------------------------------------------------------------------------------

function seqBytes(from: number, n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (from + i) & 0xff;
  return a;
}

const KEY = seqBytes(0x40, 32); // the device key K of the examples
const AGENT_NONCE = seqBytes(0x00, 16);
const BRAIN_NONCE = seqBytes(0xf0, 16);
const S = ChannelKind.Sensor;
const M = ChannelKind.Motor;
const SPECS: ChannelSpec[] = [
  { id: 0, kind: S, elementType: ElementType.F32, count: 16, rateHz: 100 },
  { id: 1, kind: S, elementType: ElementType.I16, count: 8, rateHz: 100 },
  { id: 2, kind: S, elementType: ElementType.U8, count: 3, rateHz: 10 },
  { id: 10, kind: M, elementType: ElementType.F32, count: 4, rateHz: 50 },
  { id: 11, kind: M, elementType: ElementType.U8, count: 2, rateHz: 50 },
];
const SESSION_ID = 0x1234;
/** A small named table for the hello `cn` example (protocol 1.1). */
const NAMED_SPECS: ChannelSpec[] = [
  { id: 1, kind: S, elementType: ElementType.F32, count: 1, rateHz: 20 },
  { id: 10, kind: M, elementType: ElementType.F32, count: 2, rateHz: 20 },
];
const NAMED_LABELS = [{ name: "distance", unit: "m" }, { name: "wheels" }];

interface Example {
  name: string;
  /** Labels for the items of a top-level array (frames). */
  labels?: string[];
  bytes: Uint8Array;
  /** What cbor-x must decode the bytes to. */
  expect: unknown;
  /** True when cbor-x's encoding of `expect` must equal `bytes`. */
  sameBytes: boolean;
  /** Our decoder's verdict: the message type or entry count it must return. */
  ours: () => number;
  oursWant: number;
}

function derived(): { brainProof: Uint8Array; agentProof: Uint8Array; sessionKey: Uint8Array } {
  const h = new SoftHmacSha256();
  const brainProof = new Uint8Array(32);
  const agentProof = new Uint8Array(32);
  const sessionKey = new Uint8Array(32);
  computeBrainProof(h, KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, brainProof, 0);
  computeAgentProof(h, KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, agentProof, 0);
  computeSessionKey(h, KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, sessionKey, 0);
  return { brainProof, agentProof, sessionKey };
}

function encoded(fn: (dst: Uint8Array, off: number) => number): Uint8Array {
  const dst = new Uint8Array(1024);
  const end = fn(dst, 0);
  if (end < 0) throw new Error(`example encoder failed: ${end}`);
  return dst.slice(0, end);
}

function messageExample(name: string, fn: (dst: Uint8Array, off: number) => number, expect: Record<string, unknown>): Example {
  const bytes = encoded(fn);
  const m = new P.ControlMessage();
  return { name, bytes, expect, sameBytes: true, ours: () => P.decodeControl(bytes, 0, bytes.length, m), oursWant: expect.t as number };
}

export function examples(): Example[] {
  const table = new ChannelTable(SPECS);
  const namedTable = new ChannelTable(NAMED_SPECS);
  const { brainProof, agentProof, sessionKey } = derived();
  const out: Example[] = [
    messageExample("hello", (d, o) => P.encodeHello(d, o, "1.2.3", "robot-7", 3, AGENT_NONCE, 0, 1024, table), {
      t: 1, v: 1, fw: "1.2.3", id: "robot-7", g: 3, n: AGENT_NONCE, mfb: 1024,
      ch: SPECS.map((s) => [s.id, s.kind, s.elementType, s.count, s.rateHz]),
    }),
    messageExample("hello-named", (d, o) => P.encodeHello(d, o, "1.2.3", "robot-7", 3, AGENT_NONCE, 0, 1024, namedTable, NAMED_LABELS), {
      t: 1, v: 1, fw: "1.2.3", id: "robot-7", g: 3, n: AGENT_NONCE, mfb: 1024,
      ch: NAMED_SPECS.map((s) => [s.id, s.kind, s.elementType, s.count, s.rateHz]),
      cn: NAMED_LABELS.map((l) => [l.name, l.unit ?? ""]),
    }),
    messageExample("challenge", (d, o) => P.encodeChallenge(d, o, BRAIN_NONCE, 0, AGENT_NONCE, 0, brainProof, 0), {
      t: 2, n: BRAIN_NONCE, an: AGENT_NONCE, p: brainProof,
    }),
    messageExample("proof", (d, o) => P.encodeProof(d, o, agentProof, 0), { t: 3, p: agentProof }),
    messageExample(
      "registered",
      (d, o) => P.encodeRegistered(d, o, SESSION_ID, 3, "bs/1/robot-7/up/sns", "bs/1/robot-7/dn/mot", 1024, 100, 1000, 250, 123456789),
      { t: 4, s: SESSION_ID, g: 3, st: "bs/1/robot-7/up/sns", mt: "bs/1/robot-7/dn/mot", mfb: 1024, mhz: 100, hb: 1000, md: 250, tb: 123456789 },
    ),
    messageExample("rejected", (d, o) => P.encodeRejected(d, o, P.RejectReason.InvalidAuth, "bad key", 5000), { t: 5, r: 1, m: "bad key", ra: 5000 }),
    messageExample("heartbeat", (d, o) => P.encodeHeartbeat(d, o, 42, 100000, 12), { t: 6, s: 42, ta: 100000, rtt: 12 }),
    messageExample("heartbeat-ack", (d, o) => P.encodeHeartbeatAck(d, o, 42, 100000, 123456789), { t: 7, s: 42, ta: 100000, tb: 123456789 }),
    messageExample("drain", (d, o) => P.encodeDrain(d, o, P.DrainReason.Deploy, 2000, 30000), { t: 8, r: 1, ra: 2000, dl: 30000 }),
    messageExample("deregister", (d, o) => P.encodeDeregister(d, o, P.DeregisterReason.StopRequested), { t: 9, r: 1 }),
    messageExample("deregistered", (d, o) => P.encodeDeregistered(d, o, P.DeregisteredReason.Evicted), { t: 10, r: 2 }),
    messageExample("status", (d, o) => P.encodeStatus(d, o, 4, 3, 12, -250, [1, 2, 300, 70000], 4, -134), {
      t: 11, ph: 4, g: 3, rtt: 12, off: -250, c: [1, 2, 300, 70000], lr: -134,
    }),
    messageExample("status-request", (d, o) => P.encodeStatusRequest(d, o), { t: 12 }),
    messageExample("death", (d, o) => P.encodeDeath(d, o, 3), { t: 13, g: 3 }),
  ];

  // Reference sensor frame: 16 float32 + 8 int16.
  const f32 = new Float32Array(16);
  for (let i = 0; i < 16; i++) f32[i] = i * 0.5 - 2;
  const i16 = new Int16Array([-4, -3, -2, -1, 0, 1, 2, 3]);
  const se = new FrameEntries(table, S);
  se.add(0, byteView(f32));
  se.add(1, byteView(i16));
  const sensor = encoded((d, o) => encodeSensorFrame(d, o, 1, 1000, se));
  const sOut = new SensorFrame(table.size, 4096);
  out.push({ name: "sensor-frame", labels: ["seq", "t", "channel", "", "channel"], bytes: sensor, expect: [1, 1000, 0, f32, 1, i16], sameBytes: true, ours: () => decodeSensorFrame(sensor, 0, sensor.length, table, sOut), oursWant: 2 });

  // Reference motor frame, signed with the session key derived above.
  const motorF32 = new Float32Array([1, -1, 0.5, 2]);
  const motorU8 = new Uint8Array([0, 255]);
  const me = new FrameEntries(table, M);
  me.add(10, byteView(motorF32));
  me.add(11, motorU8);
  const h = new SoftHmacSha256();
  h.setKey(sessionKey, 0, 32);
  const motor = encoded((d, o) => encodeMotorFrame(d, o, 7, 123456, me, SESSION_ID, h, new Uint8Array(32)));
  const mOut = new MotorFrame(table.size, 4096);
  out.push({
    name: "motor-frame",
    labels: ["seq", "dl", "channel", "", "channel", "", "mac"],
    bytes: motor,
    expect: [7, 123456, 10, motorF32, 11, motorU8, motor.slice(motor.length - 16)],
    sameBytes: true,
    ours: () => {
      const n = decodeMotorFrame(motor, 0, motor.length, table, mOut);
      return n < 0 ? n : verifyMotorMac(motor, 0, mOut, SESSION_ID, h) === 0 ? n : -1;
    },
    oursWant: 2,
  });
  return out;
}

/** Throws unless every example decodes with cbor-x to its object, re-encodes identically and passes our decoder. */
export function checkExamples(list: Example[]): void {
  const enc = new Encoder(CBORX_OPTIONS);
  for (const ex of list) {
    const got = enc.decode(ex.bytes);
    if (!isDeepStrictEqual(normalize(got), normalize(ex.expect))) throw new Error(`${ex.name}: cbor-x decodes it to ${show(got)}, not ${show(ex.expect)}`);
    if (ex.sameBytes) {
      const theirs = toHex(Uint8Array.from(enc.encode(ex.expect)));
      if (theirs !== toHex(ex.bytes)) throw new Error(`${ex.name}: cbor-x writes ${theirs}, we write ${toHex(ex.bytes)}`);
    }
    const r = ex.ours();
    if (r !== ex.oursWant) throw new Error(`${ex.name}: our decoder returned ${r}, want ${ex.oursWant}`);
  }
}

/** Buffers and typed arrays compared by constructor name and bytes. */
function normalize(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name === "Buffer" ? "Uint8Array" : v.constructor.name;
    return [name, toHex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
  }
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

const TYPED_NAMES: Record<string, string> = {
  Int8Array: "72",
  Uint16Array: "69",
  Int16Array: "77",
  Uint32Array: "70",
  Int32Array: "78",
  Float32Array: "85",
  Float64Array: "86",
};

/** Compact diagnostic-style rendering of a decoded value: h'..' for bytes, 85([..]) for typed arrays. */
function show(v: unknown): string {
  if (v instanceof Uint8Array) return `h'${toHex(v)}'`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${TYPED_NAMES[v.constructor.name] ?? "?"}) [${Array.from(v as unknown as ArrayLike<number>).join(", ")}]`;
  if (Array.isArray(v)) return "[" + v.map(show).join(", ") + "]";
  if (v && typeof v === "object") return "{" + Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(", ") + "}";
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------
// Annotated hex, walked with our reader
// ---------------------------------------------------------------------------------------

const TAG_NAMES: Record<number, string> = { 64: "uint8", 72: "sint8", 69: "uint16le", 77: "sint16le", 70: "uint32le", 78: "sint32le", 85: "float32le", 86: "float64le" };

function headLen(ib: number): number {
  const ai = ib & 31;
  return ai < 24 ? 1 : ai === 24 ? 2 : ai === 25 ? 3 : ai === 26 ? 5 : 9;
}

function spaced(buf: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += (i > from ? " " : "") + toHex(buf, i, i + 1);
  return s;
}

/** An annotated hex dump of one CBOR item (RFC 8949 §3 heads, one line per head, payloads wrapped at 16 bytes). */
export function annotate(bytes: Uint8Array, topLabels: readonly string[] = []): string {
  const r = new CborReader();
  r.reset(bytes, 0, bytes.length);
  const lines: Array<[string, string]> = [];
  const item = (depth: number, label: string): void => {
    const ind = "  ".repeat(depth);
    const start = r.pos;
    const k = r.next();
    if (k < 0) throw new Error(`annotate: reader error ${k} at ${start}`);
    const head = (to: number) => ind + spaced(bytes, start, to);
    const payload = (from: number, len: number, what: string) => {
      for (let o = from; o < from + len; o += 16) lines.push([ind + "  " + spaced(bytes, o, Math.min(o + 16, from + len)), o === from ? what : ""]);
    };
    switch (k) {
      case Kind.Uint:
      case Kind.Negint:
        lines.push([head(r.pos), `${label}${r.value}`]);
        return;
      case Kind.Text:
        lines.push([head(r.off) + (r.len > 0 && r.len <= 8 ? " " + spaced(bytes, r.off, r.off + r.len) : ""), `${label}text(${r.len}) ${JSON.stringify(readUtf8(bytes, r.off, r.off + r.len))}`]);
        if (r.len > 8) payload(r.off, r.len, "");
        return;
      case Kind.Bytes:
        lines.push([head(r.off), `${label}bytes(${r.len})`]);
        payload(r.off, r.len, "");
        return;
      case Kind.Typed: {
        const th = headLen(bytes[start]);
        lines.push([ind + spaced(bytes, start, start + th), `${label}tag(${r.tag}): ${TAG_NAMES[r.tag] ?? "typed array"}`]);
        lines.push([ind + spaced(bytes, start + th, r.off), `bytes(${r.len})`]);
        payload(r.off, r.len, "");
        return;
      }
      case Kind.Float:
        lines.push([head(r.pos), `${label}float ${r.value}`]);
        return;
      case Kind.Bool:
        lines.push([head(r.pos), `${label}${r.value === 1}`]);
        return;
      case Kind.Null:
        lines.push([head(r.pos), `${label}null`]);
        return;
      case Kind.Array: {
        const n = r.len;
        lines.push([head(r.pos), `${label}array(${n})`]);
        for (let i = 0; i < n; i++) item(depth + 1, depth === 0 && topLabels[i] ? topLabels[i] + ": " : "");
        return;
      }
      default: {
        const n = r.len;
        lines.push([head(r.pos), `${label}map(${n})`]);
        for (let i = 0; i < n; i++) {
          const ks = r.pos;
          item(depth + 1, "key ");
          const key = bytes[ks] >>> 5 === 3 ? readUtf8(bytes, r.off, r.off + r.len) : "";
          item(depth + 1, key ? `${key}: ` : "");
        }
      }
    }
  };
  item(0, "");
  if (r.finish() !== 0) throw new Error("annotate: trailing bytes");
  const width = Math.max(...lines.map(([h]) => h.length)) + 2;
  return lines.map(([h, c]) => (c ? h.padEnd(width) + "# " + c : h)).join("\n");
}

// ---------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------

function exampleBlock(ex: Example): string {
  return [
    `${ex.bytes.length} bytes: \`${toHex(ex.bytes)}\``,
    "",
    "```",
    annotate(ex.bytes, ex.labels),
    "```",
    "",
    `cbor-x decodes it to \`${show(new Encoder(CBORX_OPTIONS).decode(ex.bytes))}\`.`,
  ].join("\n");
}

function errorBlock(): string {
  const rows = errorTable.map(([code, name, kind, text]) => `| ${code} | \`${name}\` | ${kind === ErrKind.Local ? "local" : "remote"} | ${text.replace(/\|/g, "\\|")} |`);
  return ["| code | name | kind | meaning |", "|---:|---|---|---|", ...rows].join("\n");
}

function authBlock(): string {
  const { brainProof, agentProof, sessionKey } = derived();
  return [
    "```",
    `K           = ${toHex(KEY)}`,
    `nA          = ${toHex(AGENT_NONCE)}`,
    `nB          = ${toHex(BRAIN_NONCE)}`,
    `brain proof = ${toHex(brainProof)}`,
    `agent proof = ${toHex(agentProof)}`,
    `session key = ${toHex(sessionKey)}`,
    "```",
  ].join("\n");
}

function limitsBlock(): string {
  const m = new P.ControlMessage();
  const rows: Array<[string, string]> = [
    ["agent id", `1..${AGENT_ID_MAX_CHARS} characters of \`[A-Za-z0-9_-]\``],
    ["firmware version `fw`", `${P.MAX_FW_BYTES} bytes`],
    ["data topic `st`, `mt`", `1..${P.MAX_TOPIC_BYTES} bytes`],
    ["rejected text `m`", `${P.MAX_TEXT_BYTES} bytes`],
    ["channels per agent", `${MAX_CHANNELS} (ids 0..${MAX_CHANNEL_ID}); a \`ControlMessage\` holds ${m.chId.length} by default`],
    ["elements per channel", `1..${MAX_CHANNEL_ELEMENTS}`],
    ["channel name (hello `cn`)", `1..${P.MAX_CHANNEL_NAME_BYTES} characters of \`[A-Za-z0-9_-]\`, unique per agent`],
    ["channel unit (hello `cn`)", `0..${P.MAX_CHANNEL_UNIT_BYTES} bytes of UTF-8 (\`""\` = none)`],
    ["status counters", `a \`ControlMessage\` holds ${m.counters.length} by default`],
    ["nonce, proof, motor MAC", `${P.NONCE_BYTES}, ${P.PROOF_BYTES}, ${MOTOR_MAC_BYTES} bytes`],
    ["nesting in skipped values", String(m.reader.maxDepth)],
    ["MQTT keep-alive", `${KEEP_ALIVE_DEFAULT_S} s by default, ${KEEP_ALIVE_MIN_S}..${KEEP_ALIVE_MAX_S} s`],
    ["frame size", "the negotiated `mfb`"],
    ["integers", "u32 / i32 as stated per field; the CBOR subset carries up to 2^53 − 1"],
  ];
  return ["| limit | value |", "|---|---|", ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join("\n");
}

function sizesBlock(): string {
  const table = new ChannelTable(SPECS);
  return [
    `For the example channel table (sensors 0: 16 float32, 1: 8 int16, 2: 3 uint8; motors 10: 4 float32, 11: 2 uint8)`,
    `the largest sensor frame (every sensor channel, u32 seq and t) is ${sensorFrameMaxBytes(table)} bytes and the largest motor frame`,
    `is ${motorFrameMaxBytes(table)} bytes (\`sensorFrameMaxBytes\` / \`motorFrameMaxBytes\`).`,
  ].join("\n");
}

/** Every generated block by name. */
export function renderBlocks(): Map<string, string> {
  const list = examples();
  checkExamples(list);
  const blocks = new Map<string, string>();
  for (const ex of list) blocks.set(`example:${ex.name}`, exampleBlock(ex));
  blocks.set("errors", errorBlock());
  blocks.set("auth", authBlock());
  blocks.set("frame-sizes", sizesBlock());
  blocks.set("limits", limitsBlock());
  return blocks;
}

/** The document with every generated block replaced. Throws on an unknown or missing block. */
export function renderDocument(doc: string, blocks: Map<string, string>): string {
  const seen = new Set<string>();
  const outDoc = doc.replace(/<!-- generated:([\w:-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g, (_m, name: string) => {
    const body = blocks.get(name);
    if (body === undefined) throw new Error(`docs/protocol.md names an unknown block ${name}`);
    seen.add(name);
    return `<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->`;
  });
  for (const name of blocks.keys()) if (!seen.has(name)) throw new Error(`docs/protocol.md lacks the block ${name}`);
  return outDoc;
}

function main(): void {
  const mode = process.argv[2];
  const blocks = renderBlocks();
  if (mode === "--write" || mode === "--check") {
    const doc = fs.readFileSync(DOC_PATH, "utf8");
    const next = renderDocument(doc, blocks);
    if (mode === "--write") {
      if (next !== doc) fs.writeFileSync(DOC_PATH, next);
      console.log(next === doc ? "docs/protocol.md is up to date" : "docs/protocol.md rewritten");
    } else if (next !== doc) {
      console.error("docs/protocol.md is stale: run npx tsx tools/protocol-examples.ts --write");
      process.exitCode = 1;
    } else console.log("docs/protocol.md is up to date");
    return;
  }
  for (const [name, body] of blocks) console.log(`<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
