/*
 * fuzz target `control`: decodeControl (src/protocol/decode.ts).
 *
 * Corpus: every control message type (hello .. death, both directions) written by the
 * encoders of src/protocol/encode.ts with varied values, plus one message with an unknown
 * key (which the decoder must skip). Each input is decoded twice into ONE reused
 * ControlMessage: alone in an exact-size buffer, and embedded at an offset in a larger buffer
 * with bytes after it; both results must agree (a decoder that reads outside its range shows
 * up here). Failures: an exception; a result that is neither a type 1..13 nor a code
 * decodeControl documents; a success whose fields break the message table (required fields
 * missing, fields of another type present) or whose offsets leave the input; disagreement
 * between the two decodes; and a valid message that no longer decodes afterwards.
 */
import { writeMapHeader, writeText, writeUint } from "../../../src/codec/cbor/writer";
import { ChannelKind, ChannelTable, ElementType } from "../../../src/codec/frames/channels";
import { ControlMessage, decodeControl } from "../../../src/protocol/decode";
import {
  encodeChallenge, encodeDeath, encodeDeregister, encodeDeregistered, encodeDrain, encodeHeartbeat, encodeHeartbeatAck,
  encodeHello, encodeProof, encodeRegistered, encodeRejected, encodeStatus, encodeStatusRequest,
} from "../../../src/protocol/encode";
import {
  Field, MAX_FW_BYTES, MAX_TEXT_BYTES, MAX_TOPIC_BYTES, MSG_FIELDS, MSG_REQUIRED, MsgType, NONCE_BYTES, PROOF_BYTES,
} from "../../../src/protocol/wire";
import { Prng } from "../../../testkit/prng";
import { CONTROL_DECODE_ERRORS, checkError, codeText, embed, fail, inRange } from "../check";
import type { Failure, FuzzTarget, TargetInstance } from "../engine";

function encoded(fn: (dst: Uint8Array, off: number) => number): Uint8Array {
  const dst = new Uint8Array(4096);
  const n = fn(dst, 0);
  if (n < 0) throw new Error(`fuzz corpus: a control encoder failed with ${codeText(n)}`);
  return dst.slice(0, n);
}

/** Control messages of every type, deterministic in seed. */
export function controlMessages(seed: number): Uint8Array[] {
  const rng = new Prng(seed ^ 0x63746c);
  const table = new ChannelTable([
    { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 16, rateHz: 50 },
    { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.I16, count: 8, rateHz: 0 },
    { id: 30, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 300, rateHz: 1 },
    { id: 10, kind: ChannelKind.Motor, elementType: ElementType.F32, count: 2, rateHz: 100 },
    { id: 255, kind: ChannelKind.Motor, elementType: ElementType.F64, count: 65535, rateHz: 0xffffffff },
  ]);
  const nonce = rng.bytes(NONCE_BYTES);
  const nonce2 = rng.bytes(NONCE_BYTES);
  const proof = rng.bytes(PROOF_BYTES);
  const u32s = [0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff];
  const u32 = () => rng.pick(u32s);
  const out: Uint8Array[] = [];
  out.push(encoded((d, o) => encodeHello(d, o, "brainstem/0.1.0", "sim1", 1, nonce, 0, 1024, table)));
  out.push(encoded((d, o) => encodeHello(d, o, "", "A-b_9".padEnd(20, "x"), 0xffffffff, nonce2, 0, 65535, table)));
  out.push(encoded((d, o) => encodeChallenge(d, o, nonce, 0, nonce2, 0, proof, 0)));
  out.push(encoded((d, o) => encodeProof(d, o, proof, 0)));
  out.push(encoded((d, o) => encodeRegistered(d, o, 1001, 1, "bs/1/sim1/up/sns", "bs/1/sim1/dn/mot", 1024, 50, 500, 300, 123_456)));
  out.push(encoded((d, o) => encodeRegistered(d, o, u32(), u32(), "t".repeat(MAX_TOPIC_BYTES), "ü", u32(), u32(), u32(), u32(), u32())));
  out.push(encoded((d, o) => encodeRejected(d, o, 1, null, -1)));
  out.push(encoded((d, o) => encodeRejected(d, o, 6, "busy: try later ✓".padEnd(MAX_TEXT_BYTES - 4, "."), 5_000)));
  out.push(encoded((d, o) => encodeHeartbeat(d, o, 7, 1_000_000, 12)));
  out.push(encoded((d, o) => encodeHeartbeatAck(d, o, 7, 1_000_000, 0xffffffff)));
  out.push(encoded((d, o) => encodeDrain(d, o, 1, 2_000, 10_000)));
  out.push(encoded((d, o) => encodeDrain(d, o, 2, 0, 0)));
  out.push(encoded((d, o) => encodeDeregister(d, o, 1)));
  out.push(encoded((d, o) => encodeDeregistered(d, o, 2)));
  const counters = Array.from({ length: 20 }, () => u32());
  out.push(encoded((d, o) => encodeStatus(d, o, 5, 3, 12, -40_000, counters, counters.length, -134)));
  out.push(encoded((d, o) => encodeStatus(d, o, 0, 0, 0, 0x7fffffff, [], 0, 0)));
  out.push(encoded(encodeStatusRequest));
  out.push(encoded((d, o) => encodeDeath(d, o, 42)));
  // A heartbeat-ack with an unknown key holding a nested value: must be skipped.
  out.push(encoded((d, o) => {
    o = writeMapHeader(d, o, 5);
    o = writeText(d, o, "t");
    o = writeUint(d, o, MsgType.HeartbeatAck);
    o = writeText(d, o, "xyzw");
    o = writeMapHeader(d, o, 1);
    o = writeText(d, o, "k");
    o = writeUint(d, o, 1);
    o = writeText(d, o, "s");
    o = writeUint(d, o, 1);
    o = writeText(d, o, "ta");
    o = writeUint(d, o, 2);
    o = writeText(d, o, "tb");
    return writeUint(d, o, 3);
  }));
  return out;
}

/** The numeric and offset fields of a decode, offsets relative to base, for comparing two decodes. */
function snapshot(m: ControlMessage, base: number): string {
  const rel = (off: number, len: number) => (len === 0 && off === 0 ? "-" : `${off - base}+${len}`);
  const p = m.present;
  const has = (f: number) => (p & f) !== 0;
  return [
    m.type, p, m.version, m.generation, m.maxFrameBytes, m.sessionId, m.seq, m.maxSensorHz, m.heartbeatMs, m.motorDeadlineMs,
    m.brainTime, m.reason, m.retryAfterMs, m.drainDeadlineMs, m.agentTime, m.rttMs, m.phase, m.clockOffsetMs, m.lastReason,
    has(Field.Fw) ? rel(m.fwOff, m.fwLen) : "", has(Field.Id) ? rel(m.idOff, m.idLen) : "",
    has(Field.N) ? m.nonceOff - base : "", has(Field.An) ? m.agentNonceOff - base : "", has(Field.P) ? m.proofOff - base : "",
    has(Field.St) ? rel(m.sensorTopicOff, m.sensorTopicLen) : "", has(Field.Mt) ? rel(m.motorTopicOff, m.motorTopicLen) : "",
    has(Field.M) ? rel(m.textOff, m.textLen) : "",
    m.channelCount, Array.from(m.chId.subarray(0, m.channelCount)).join("."), Array.from(m.chCount.subarray(0, m.channelCount)).join("."),
    m.counterCount, Array.from(m.counters.subarray(0, m.counterCount)).join("."),
  ].join(",");
}

/** Checks a successful decode of buf[off..off+len). */
function checkMessage(m: ControlMessage, type: number, off: number, len: number): Failure | null {
  if (!(type >= 1 && type <= 13)) return fail("decodeControl returned a type outside 1..13", `type ${type}`);
  if (m.type !== type) return fail("decodeControl result differs from out.type", `${type} vs ${m.type}`);
  const p = m.present;
  if ((p & MSG_REQUIRED[type]) !== MSG_REQUIRED[type]) return fail("decodeControl accepted a message without a required field", `type ${type} present ${p.toString(2)}`);
  if ((p & ~(MSG_FIELDS[type] | Field.T)) !== 0) return fail("decodeControl reports a field the type does not carry", `type ${type} present ${p.toString(2)}`);
  const end = off + len;
  const checks: [number, string, number, number][] = [
    [Field.Fw, "fw", m.fwOff, m.fwLen], [Field.Id, "id", m.idOff, m.idLen], [Field.N, "n", m.nonceOff, NONCE_BYTES],
    [Field.An, "an", m.agentNonceOff, NONCE_BYTES], [Field.P, "p", m.proofOff, PROOF_BYTES],
    [Field.St, "st", m.sensorTopicOff, m.sensorTopicLen], [Field.Mt, "mt", m.motorTopicOff, m.motorTopicLen], [Field.M, "m", m.textOff, m.textLen],
  ];
  for (const [bit, name, o, l] of checks) {
    if ((p & bit) === 0) continue;
    const f = inRange(`control field ${name}`, o, l, off, end);
    if (f) return f;
  }
  if ((p & Field.Fw) && m.fwLen > MAX_FW_BYTES) return fail("fw longer than MAX_FW_BYTES");
  if ((p & Field.M) && m.textLen > MAX_TEXT_BYTES) return fail("m longer than MAX_TEXT_BYTES");
  for (const [bit, l] of [[Field.St, m.sensorTopicLen], [Field.Mt, m.motorTopicLen]] as const) {
    if ((p & bit) && (l < 1 || l > MAX_TOPIC_BYTES)) return fail("data topic length outside 1..128", `len ${l}`);
  }
  if (m.channelCount > m.chId.length || m.counterCount > m.counters.length) return fail("list count over its capacity");
  if ((p & Field.Ch) === 0 && m.channelCount !== 0) return fail("channels reported without ch");
  for (const v of [m.version, m.generation, m.maxFrameBytes, m.sessionId, m.seq, m.reason, m.retryAfterMs, m.agentTime, m.rttMs]) {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) return fail("a u32 field holds a non-u32", String(v));
  }
  return null;
}

export function runControl(m: ControlMessage, input: Uint8Array, rng: Prng, probe: Uint8Array, probeType: number): Failure | null {
  const r1 = decodeControl(input, 0, input.length, m);
  let f = r1 < 0 ? checkError("decodeControl", r1, CONTROL_DECODE_ERRORS) : checkMessage(m, r1, 0, input.length);
  if (f) return f;
  const s1 = r1 > 0 ? snapshot(m, 0) : "";
  // The same bytes inside a larger buffer, with bytes after them: same answer.
  const before = rng.int(1, 9);
  const big = embed(input, before, rng.bytes(rng.int(1, 16)));
  const r2 = decodeControl(big, before, input.length, m);
  if (r2 !== r1) return fail("decodeControl depends on bytes outside its range", `alone ${codeText(r1)}, embedded ${codeText(r2)}`);
  if (r2 > 0) {
    if ((f = checkMessage(m, r2, before, input.length))) return f;
    const s2 = snapshot(m, before);
    if (s2 !== s1) return fail("decodeControl fields depend on bytes outside its range", `${s1}\n${s2}`);
  }
  // The instance still decodes a valid message.
  const r3 = decodeControl(probe, 0, probe.length, m);
  if (r3 !== probeType) return fail("decodeControl no longer decodes a valid message", `got ${codeText(r3)}`);
  return null;
}

export const controlTarget: FuzzTarget = {
  name: "control",
  description: "decodeControl: every control message, mutated; alone and embedded; a valid one after",
  setup(seed: number): TargetInstance {
    const corpus = controlMessages(seed);
    const m = new ControlMessage();
    const probe = corpus[4]; // registered
    const probeType = decodeControl(probe, 0, probe.length, m);
    if (probeType !== MsgType.Registered) throw new Error(`fuzz setup: the probe does not decode (${codeText(probeType)})`);
    return { corpus, run: (input, rng) => runControl(m, input, rng, probe, probeType) };
  },
};
