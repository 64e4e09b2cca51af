/*
 * messages.suite: control messages, the handshake values and topics (src/protocol), run on
 * V8 and on XS.
 *
 * Vectors: one per message type (two for rejected), as literal hex produced by cbor-x from the
 * equivalent JS object (an independent encoder), used both ways: our encoder must produce the
 * hex, our decoder must read every field back. Each vector is also decoded as every
 * truncated prefix (CBOR_TRUNCATED) and with a trailing byte (CBOR_TRAILING), and encoded into
 * every too-short buffer (BUFFER_TOO_SMALL). Malformed messages are built with the CBOR value
 * model of cbor.suite.ts. Handshake values are checked against HMAC-SHA256 computed with
 * Python's hmac module. A seeded garbage run checks codes and reuse (the 100,000-input run is
 * in test/messages-garbage.test.ts). The heartbeat-ack shortcut is checked against
 * decodeControlInFull: canonical acks over the CBOR width boundaries at several offsets, and
 * their mutations (bytes, truncations, a trailing byte, key orders, longer uint forms, a 5th
 * key) must decode the same both ways; a shortcut after a message with byte fields clears them.
 */
import type { Check } from "../helpers/suite";
import { Prng } from "../../testkit/prng";
import { Err } from "../../src/errors";
import { fromHex, toHex, utf8Bytes } from "../../src/codec/bytes";
import { SoftHmacSha256 } from "../../src/codec/crypto/hmac";
import { ChannelTable } from "../../src/codec/frames/channels";
import {
  ControlMessage,
  decodeControl,
  decodeControlInFull,
  encodeChallenge,
  encodeDeath,
  encodeDeregister,
  encodeDeregistered,
  encodeDrain,
  encodeHeartbeat,
  encodeHeartbeatAck,
  encodeHello,
  encodeProof,
  encodeRegistered,
  encodeRejected,
  encodeStatus,
  encodeStatusRequest,
  Field,
  msgTypeName,
  MsgType,
  rejectReasonError,
  RejectReason,
} from "../../src/protocol/messages";
import { computeAgentProof, computeBrainProof, computeSessionKey, verifyAgentProof, verifyBrainProof } from "../../src/protocol/auth";
import { AgentTopics, clientIdFor, parseAgentTopic, topicFor, TopicKind, validateAgentId } from "../../src/protocol/topics";
import { CMap, encodeToBytes, type CValue } from "./cbor.suite";
import { referenceSpecs } from "./frames.suite";

function range(from: number, to: number): Uint8Array {
  const a = new Uint8Array(to - from);
  for (let i = 0; i < a.length; i++) a[i] = from + i;
  return a;
}

/** Auth test key K = 40..5f, nA = 00..0f, nB = f0..ff; expected values from Python hmac. */
export const AUTH_KEY = range(0x40, 0x60);
export const AGENT_NONCE = range(0, 16);
export const BRAIN_NONCE = range(0xf0, 0x100);
export const BRAIN_PROOF_HEX = "2f4e0ad1ce01501eed9a62b409042a749750e5654e3881640efbb1f631b0be26";
export const AGENT_PROOF_HEX = "fbb074ca16c084136a4593dc88d943af800d69235e03f68f0e3fe93cf25a653c";
export const SESSION_KEY_HEX = "51d7766336b6b64a11277a1504dcfaa0da1fca1c1226113973ae19cded3449e8";

export interface MsgVector {
  name: string;
  type: number;
  /** cbor-x's encoding of the same object. */
  hex: string;
  encode(dst: Uint8Array, off: number): number;
  /** Checks the decoded fields; buf is what was decoded. */
  verify(check: Check, m: ControlMessage, buf: Uint8Array): void;
}

function bytesAt(buf: Uint8Array, off: number, len: number): Uint8Array {
  return buf.subarray(off, off + len);
}

function textIs(check: Check, buf: Uint8Array, off: number, len: number, want: string, what: string): void {
  check.bytes(bytesAt(buf, off, len), utf8Bytes(want), what);
}

const counters = [1, 2, 300, 70000];

export function messageVectors(): MsgVector[] {
  const table = new ChannelTable(referenceSpecs);
  const brainProof = fromHex(BRAIN_PROOF_HEX);
  const agentProof = fromHex(AGENT_PROOF_HEX);
  return [
    {
      name: "hello",
      type: MsgType.Hello,
      hex:
        "a861740161760162667765312e322e3362696467726f626f742d37616703616e50000102030405060708090a0b0c0d0e0f636d6662190400" +
        "626368858500001855101864850100184d0818648502001840030a850a011855041832850b011840021832",
      encode: (d, o) => encodeHello(d, o, "1.2.3", "robot-7", 3, AGENT_NONCE, 0, 1024, table),
      verify(check, m, buf) {
        check.is(m.version, 1, "hello v");
        textIs(check, buf, m.fwOff, m.fwLen, "1.2.3", "hello fw");
        textIs(check, buf, m.idOff, m.idLen, "robot-7", "hello id");
        check.is(m.generation, 3, "hello g");
        check.bytes(bytesAt(buf, m.nonceOff, 16), AGENT_NONCE, "hello n");
        check.is(m.maxFrameBytes, 1024, "hello mfb");
        check.is(m.channelCount, 5, "hello ch count");
        for (let i = 0; i < 5; i++) {
          const s = referenceSpecs[i];
          check.ok(
            m.chId[i] === s.id && m.chKind[i] === s.kind && m.chType[i] === s.elementType && m.chCount[i] === s.count && m.chHz[i] === s.rateHz,
            `hello ch[${i}]`,
          );
        }
      },
    },
    {
      name: "challenge",
      type: MsgType.Challenge,
      hex:
        "a4617402616e50f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff62616e50000102030405060708090a0b0c0d0e0f61705820" + BRAIN_PROOF_HEX,
      encode: (d, o) => encodeChallenge(d, o, BRAIN_NONCE, 0, AGENT_NONCE, 0, brainProof, 0),
      verify(check, m, buf) {
        check.bytes(bytesAt(buf, m.nonceOff, 16), BRAIN_NONCE, "challenge n");
        check.bytes(bytesAt(buf, m.agentNonceOff, 16), AGENT_NONCE, "challenge an");
        check.bytes(bytesAt(buf, m.proofOff, 32), brainProof, "challenge p");
      },
    },
    {
      name: "proof",
      type: MsgType.Proof,
      hex: "a261740361705820" + AGENT_PROOF_HEX,
      encode: (d, o) => encodeProof(d, o, agentProof, 0),
      verify(check, m, buf) {
        check.bytes(bytesAt(buf, m.proofOff, 32), agentProof, "proof p");
      },
    },
    {
      name: "registered",
      type: MsgType.Registered,
      hex:
        "aa61740461731912346167036273747362732f312f726f626f742d372f75702f736e73626d747362732f312f726f626f742d372f646e2f6d6f74" +
        "636d6662190400636d687a18646268621903e8626d6418fa6274621a075bcd15",
      encode: (d, o) => encodeRegistered(d, o, 0x1234, 3, "bs/1/robot-7/up/sns", "bs/1/robot-7/dn/mot", 1024, 100, 1000, 250, 123456789),
      verify(check, m, buf) {
        check.is(m.sessionId, 0x1234, "registered s");
        check.is(m.generation, 3, "registered g");
        textIs(check, buf, m.sensorTopicOff, m.sensorTopicLen, "bs/1/robot-7/up/sns", "registered st");
        textIs(check, buf, m.motorTopicOff, m.motorTopicLen, "bs/1/robot-7/dn/mot", "registered mt");
        check.is(m.maxFrameBytes, 1024, "registered mfb");
        check.is(m.maxSensorHz, 100, "registered mhz");
        check.is(m.heartbeatMs, 1000, "registered hb");
        check.is(m.motorDeadlineMs, 250, "registered md");
        check.is(m.brainTime, 123456789, "registered tb");
      },
    },
    {
      name: "rejected",
      type: MsgType.Rejected,
      hex: "a4617405617201616d67626164206b6579627261191388",
      encode: (d, o) => encodeRejected(d, o, RejectReason.InvalidAuth, "bad key", 5000),
      verify(check, m, buf) {
        check.is(m.reason, 1, "rejected r");
        textIs(check, buf, m.textOff, m.textLen, "bad key", "rejected m");
        check.is(m.retryAfterMs, 5000, "rejected ra");
        check.is(m.present & (Field.M | Field.Ra), Field.M | Field.Ra, "rejected: m and ra present");
      },
    },
    {
      name: "rejected (no message, no retry-after)",
      type: MsgType.Rejected,
      hex: "a2617405617206",
      encode: (d, o) => encodeRejected(d, o, RejectReason.Busy, null, -1),
      verify(check, m) {
        check.is(m.reason, 6, "rejected r");
        check.is(m.present & (Field.M | Field.Ra), 0, "rejected: m and ra absent");
        check.is(m.textLen, 0, "rejected: no text");
      },
    },
    {
      name: "heartbeat",
      type: MsgType.Heartbeat,
      hex: "a46174066173182a6274611a000186a0637274740c",
      encode: (d, o) => encodeHeartbeat(d, o, 42, 100000, 12),
      verify(check, m) {
        check.is(m.seq, 42, "heartbeat s");
        check.is(m.agentTime, 100000, "heartbeat ta");
        check.is(m.rttMs, 12, "heartbeat rtt");
      },
    },
    {
      name: "heartbeat-ack",
      type: MsgType.HeartbeatAck,
      hex: "a46174076173182a6274611a000186a06274621a075bcd15",
      encode: (d, o) => encodeHeartbeatAck(d, o, 42, 100000, 123456789),
      verify(check, m) {
        check.is(m.seq, 42, "ack s");
        check.is(m.agentTime, 100000, "ack ta");
        check.is(m.brainTime, 123456789, "ack tb");
      },
    },
    {
      name: "drain",
      type: MsgType.Drain,
      hex: "a46174086172016272611907d062646c197530",
      encode: (d, o) => encodeDrain(d, o, 1, 2000, 30000),
      verify(check, m) {
        check.is(m.reason, 1, "drain r");
        check.is(m.retryAfterMs, 2000, "drain ra");
        check.is(m.drainDeadlineMs, 30000, "drain dl");
      },
    },
    {
      name: "deregister",
      type: MsgType.Deregister,
      hex: "a2617409617201",
      encode: (d, o) => encodeDeregister(d, o, 1),
      verify(check, m) {
        check.is(m.reason, 1, "deregister r");
      },
    },
    {
      name: "deregistered",
      type: MsgType.Deregistered,
      hex: "a261740a617202",
      encode: (d, o) => encodeDeregistered(d, o, 2),
      verify(check, m) {
        check.is(m.reason, 2, "deregistered r");
      },
    },
    {
      name: "status",
      type: MsgType.Status,
      hex: "a761740b62706804616703637274740c636f666638f9616384010219012c1a00011170626c723885",
      encode: (d, o) => encodeStatus(d, o, 4, 3, 12, -250, counters, 4, -134),
      verify(check, m) {
        check.is(m.phase, 4, "status ph");
        check.is(m.generation, 3, "status g");
        check.is(m.rttMs, 12, "status rtt");
        check.is(m.clockOffsetMs, -250, "status off");
        check.is(m.counterCount, 4, "status c count");
        for (let i = 0; i < 4; i++) check.is(m.counters[i], counters[i], `status c[${i}]`);
        check.is(m.lastReason, -134, "status lr");
      },
    },
    {
      name: "status-request",
      type: MsgType.StatusRequest,
      hex: "a161740c",
      encode: (d, o) => encodeStatusRequest(d, o),
      verify(check, m) {
        check.is(m.present, Field.T, "status-request carries only t");
      },
    },
    {
      name: "death",
      type: MsgType.Death,
      hex: "a261740d616703",
      encode: (d, o) => encodeDeath(d, o, 3),
      verify(check, m) {
        check.is(m.generation, 3, "death g");
      },
    },
  ];
}

/** A control message from [key, value] pairs (keys are text unless given otherwise). */
function msg(...pairs: Array<[CValue, CValue]>): Uint8Array {
  return encodeToBytes(new CMap(pairs), 4096);
}

function nested(depth: number): CValue {
  let v: CValue = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const nonce15 = range(0, 15);
const nonce16 = range(0, 16);
const proof32 = range(0, 32);
const ch = (id: number, kind: number, et: number, count: number, hz: number): CValue => [id, kind, et, count, hz];
const hello = (override: Array<[CValue, CValue]>): Uint8Array => {
  const base: Array<[CValue, CValue]> = [["t", 1], ["v", 1], ["fw", "1"], ["id", "a"], ["g", 0], ["n", nonce16], ["mfb", 100], ["ch", [ch(0, 0, 85, 1, 0)]]];
  for (const [k, v] of override) {
    const i = base.findIndex(([bk]) => bk === k);
    if (i >= 0) base[i] = [k, v];
    else base.push([k, v]);
  }
  return msg(...base);
};
const registered = (st: CValue | undefined, mt: CValue | undefined): Uint8Array => {
  const pairs: Array<[CValue, CValue]> = [["t", 4], ["s", 1], ["g", 1]];
  if (st !== undefined) pairs.push(["st", st]);
  if (mt !== undefined) pairs.push(["mt", mt]);
  pairs.push(["mfb", 1], ["mhz", 1], ["hb", 1], ["md", 1], ["tb", 1]);
  return msg(...pairs);
};
const status = (off: CValue, c: CValue, lr: CValue): Uint8Array => msg(["t", 11], ["ph", 1], ["g", 1], ["rtt", 1], ["off", off], ["c", c], ["lr", lr]);

/** [what, bytes, expected result] */
function malformed(): Array<[string, Uint8Array, number]> {
  return [
    ["an array, not a map", fromHex("80"), Err.CborType],
    ["an integer", fromHex("01"), Err.CborType],
    ["empty input", fromHex(""), Err.CborTruncated],
    ["empty map", msg(), Err.MsgMissingField],
    ["t not first", msg(["r", 1], ["t", 9]), Err.MsgMissingField],
    ["first key not text", msg([0, 9]), Err.MsgBadField],
    ["t is text", msg(["t", "1"]), Err.MsgBadField],
    ["t is negative", msg(["t", -1]), Err.MsgBadField],
    ["t is 2^32", msg(["t", 2 ** 32]), Err.MsgBadField],
    ["t is 0", msg(["t", 0]), Err.MsgUnknownType],
    ["t is 14", msg(["t", 14], ["x", [1, 2]]), Err.MsgUnknownType],
    ["t is 1000", msg(["t", 1000]), Err.MsgUnknownType],
    ["a non-text key", msg(["t", 9], [1, 1], ["r", 1]), Err.MsgBadField],
    ["a repeated key", msg(["t", 9], ["r", 1], ["r", 2]), Err.MsgBadField],
    ["a repeated t", msg(["t", 9], ["t", 9], ["r", 1]), Err.MsgBadField],
    ["deregister without r", msg(["t", 9]), Err.MsgMissingField],
    ["death without g", msg(["t", 13], ["r", 1]), Err.MsgMissingField],
    ["heartbeat without rtt", msg(["t", 6], ["s", 1], ["ta", 1]), Err.MsgMissingField],
    ["drain without dl", msg(["t", 8], ["r", 1], ["ra", 1]), Err.MsgMissingField],
    ["challenge without an", msg(["t", 2], ["n", nonce16], ["p", proof32]), Err.MsgMissingField],
    ["registered without st", registered(undefined, "m"), Err.RegMissingEndpoint],
    ["registered without mt", registered("s", undefined), Err.RegMissingEndpoint],
    ["registered without both topics", registered(undefined, undefined), Err.RegMissingEndpoint],
    ["registered with an empty st", registered("", "m"), Err.MsgBadField],
    ["registered st with a wildcard", registered("a/+/b", "m"), Err.MsgBadField],
    ["registered mt with a wildcard", registered("s", "a/#"), Err.MsgBadField],
    ["registered st with NUL", registered("a\u0000", "m"), Err.MsgBadField],
    ["registered st of 129 bytes", registered("s".repeat(129), "m"), Err.MsgBadField],
    ["registered st is bytes", registered(fromHex("61"), "m"), Err.MsgBadField],
    ["registered without tb", msg(["t", 4], ["s", 1], ["g", 1], ["st", "s"], ["mt", "m"], ["mfb", 1], ["mhz", 1], ["hb", 1], ["md", 1]), Err.MsgMissingField],
    ["heartbeat s is 2^32", msg(["t", 6], ["s", 2 ** 32], ["ta", 1], ["rtt", 1]), Err.MsgBadField],
    ["heartbeat ta is a float", msg(["t", 6], ["s", 1], ["ta", 1.5], ["rtt", 1]), Err.MsgBadField],
    ["heartbeat rtt is null", msg(["t", 6], ["s", 1], ["ta", 1], ["rtt", null]), Err.MsgBadField],
    ["challenge n of 15 bytes", msg(["t", 2], ["n", nonce15], ["an", nonce16], ["p", proof32]), Err.MsgBadField],
    ["challenge an is text", msg(["t", 2], ["n", nonce16], ["an", "0123456789abcdef"], ["p", proof32]), Err.MsgBadField],
    ["proof p of 31 bytes", msg(["t", 3], ["p", range(0, 31)]), Err.MsgBadField],
    ["proof p of 33 bytes", msg(["t", 3], ["p", range(0, 33)]), Err.MsgBadField],
    ["hello id with a space", hello([["id", "robot 7"]]), Err.MsgBadField],
    ["hello id with a slash", hello([["id", "a/b"]]), Err.MsgBadField],
    ["hello id of 21 characters", hello([["id", "a".repeat(21)]]), Err.MsgBadField],
    ["hello empty id", hello([["id", ""]]), Err.MsgBadField],
    ["hello fw of 33 bytes", hello([["fw", "1".repeat(33)]]), Err.MsgBadField],
    ["hello ch is a map", hello([["ch", new CMap([])]]), Err.MsgBadField],
    ["hello ch descriptor of 4 items", hello([["ch", [[0, 0, 85, 1]]]]), Err.MsgBadField],
    ["hello ch descriptor of 6 items", hello([["ch", [[0, 0, 85, 1, 0, 0]]]]), Err.MsgBadField],
    ["hello ch id 256", hello([["ch", [ch(256, 0, 85, 1, 0)]]]), Err.MsgBadField],
    ["hello ch kind 2", hello([["ch", [ch(0, 2, 85, 1, 0)]]]), Err.MsgBadField],
    ["hello ch element type 71", hello([["ch", [ch(0, 0, 71, 1, 0)]]]), Err.MsgBadField],
    ["hello ch count 0", hello([["ch", [ch(0, 0, 85, 0, 0)]]]), Err.MsgBadField],
    ["hello ch count 65536", hello([["ch", [ch(0, 0, 85, 65536, 0)]]]), Err.MsgBadField],
    ["hello ch hz 2^32", hello([["ch", [ch(0, 0, 85, 1, 2 ** 32)]]]), Err.MsgBadField],
    ["hello without ch", msg(["t", 1], ["v", 1], ["fw", "1"], ["id", "a"], ["g", 0], ["n", nonce16], ["mfb", 100]), Err.MsgMissingField],
    ["status off 2^31", status(2 ** 31, [], 0), Err.MsgBadField],
    ["status off -2^31 - 1", status(-(2 ** 31) - 1, [], 0), Err.MsgBadField],
    ["status lr is a float", status(0, [], -1.5), Err.MsgBadField],
    ["status c holds text", status(0, [1, "2"], 0), Err.MsgBadField],
    ["status c holds -1", status(0, [1, -1], 0), Err.MsgBadField],
    ["status c is a number", status(0, 5, 0), Err.MsgBadField],
    ["rejected m is not UTF-8", fromHex("a3617405617201616d62c328"), Err.MsgBadField],
    ["rejected m of 129 bytes", msg(["t", 5], ["r", 1], ["m", "m".repeat(129)]), Err.MsgBadField],
    ["unknown key with an indefinite value", fromHex("a3617409617201617a9fff"), Err.CborUnsupported],
    ["unknown key with a float16 value", fromHex("a3617409617201617af93c00"), Err.CborUnsupported],
    ["unknown key nested 9 deep", msg(["t", 9], ["r", 1], ["z", nested(9)]), Err.CborTooDeep],
    ["unknown key with a bad typed array", fromHex("a3617409617201617ad85543000000"), Err.CborBadTypedArray],
    ["a trailing byte", fromHex("a261740961720100"), Err.CborTrailing],
    ["map count beyond the input", fromHex("b90100617409"), Err.CborTruncated],
  ];
}

/** Messages that decode although they carry keys this version does not know (forward compatibility). */
function tolerated(): Array<[string, Uint8Array, number]> {
  return [
    ["heartbeat with an unknown key", msg(["t", 6], ["s", 1], ["zz", [1, new CMap([["a", fromHex("00")]])]], ["ta", 2], ["rtt", 3]), MsgType.Heartbeat],
    ["heartbeat with a long unknown key", msg(["t", 6], ["future", 1], ["s", 1], ["ta", 2], ["rtt", 3]), MsgType.Heartbeat],
    ["heartbeat with another type's field of another shape", msg(["t", 6], ["s", 1], ["ta", 2], ["rtt", 3], ["n", "not bytes"], ["ch", 7]), MsgType.Heartbeat],
    ["deregister with an unknown key nested 8 deep", msg(["t", 9], ["r", 1], ["z", nested(8)]), MsgType.Deregister],
    ["status-request with extras", msg(["t", 12], ["x", null], ["y", true], ["zzzz", -5]), MsgType.StatusRequest],
    ["status with no counters", status(-1, [], 0), MsgType.Status],
    ["status off at -2^31 and lr at 2^31 - 1", status(-(2 ** 31), [0xffffffff], 2 ** 31 - 1), MsgType.Status],
    ["hello with an unknown key", hello([["caps", ["x"]]]), MsgType.Hello],
    ["hello id of 20 characters", hello([["id", "aZ09_-".repeat(3) + "ab"]]), MsgType.Hello],
    ["hello with no channels", hello([["ch", []]]), MsgType.Hello],
    ["rejected with an empty message", msg(["t", 5], ["r", 9], ["m", ""]), MsgType.Rejected],
  ];
}

/** Codes decodeControl may return for wire input. */
export const controlErrors: readonly number[] = [
  Err.MsgUnknownType,
  Err.MsgBadField,
  Err.MsgMissingField,
  Err.RegMissingEndpoint,
  Err.CborTruncated,
  Err.CborUnsupported,
  Err.CborType,
  Err.CborTooDeep,
  Err.CborTrailing,
  Err.CborBadTypedArray,
];

export function run(check: Check): void {
  const m = new ControlMessage();
  const dst = new Uint8Array(512);

  // ---- 1. one vector per message: encode, decode, prefixes, trailing byte, short buffers ----
  for (const v of messageVectors()) {
    const want = fromHex(v.hex);
    const end = v.encode(dst, 7);
    check.is(end, 7 + want.length, `${v.name}: end offset`);
    check.bytes(dst.subarray(7, end < 0 ? 7 : end), want, `${v.name}: bytes`);
    check.is(decodeControl(dst, 7, want.length, m), v.type, `${v.name}: decodes from offset 7`);
    check.ok(m.buf === dst, `${v.name}: offsets index the decoded buffer`);
    v.verify(check, m, dst);
    check.is(decodeControl(want, 0, want.length, m), v.type, `${v.name}: decodes`);
    v.verify(check, m, want);
    let ok = true;
    for (let k = 0; k < want.length; k++) {
      const e = decodeControl(want, 0, k, m);
      if (e !== Err.CborTruncated) {
        ok = false;
        check.is(e, Err.CborTruncated, `${v.name}: prefix of ${k} bytes`);
      }
    }
    check.ok(ok, `${v.name}: every prefix is CBOR_TRUNCATED`);
    const longer = new Uint8Array(want.length + 1);
    longer.set(want);
    check.is(decodeControl(longer, 0, longer.length, m), Err.CborTrailing, `${v.name}: trailing byte`);
    ok = true;
    for (let size = 0; size < want.length; size++) {
      const e = v.encode(new Uint8Array(size), 0);
      if (e !== Err.BufferTooSmall) {
        ok = false;
        check.is(e, Err.BufferTooSmall, `${v.name}: into ${size} bytes`);
      }
    }
    check.ok(ok, `${v.name}: every short buffer is BUFFER_TOO_SMALL`);
    check.is(msgTypeName(v.type).length > 0 && msgTypeName(v.type) !== "unknown", true, `${v.name}: has a name`);
  }
  check.is(decodeControl(dst, 0, dst.length + 1, m), Err.ValueRange, "range outside the buffer");

  // ---- 2. malformed and tolerated messages ----
  for (const [what, bytes, want] of malformed()) check.is(decodeControl(bytes, 0, bytes.length, m), want, `malformed: ${what}`);
  for (const [what, bytes, want] of tolerated()) check.is(decodeControl(bytes, 0, bytes.length, m), want, `tolerated: ${what}`);
  const hb = msg(["t", 6], ["s", 1], ["zz", [1, 2]], ["ta", 2], ["rtt", 3]);
  check.is(decodeControl(hb, 0, hb.length, m), MsgType.Heartbeat, "unknown key skipped");
  check.ok(m.seq === 1 && m.agentTime === 2 && m.rttMs === 3, "fields around an unknown key");
  const t14 = msg(["t", 14]);
  check.is(decodeControl(t14, 0, t14.length, m), Err.MsgUnknownType, "unknown type");
  check.is(m.type, 0, "unknown type leaves type 0");
  const noSt = registered(undefined, "m");
  check.is(decodeControl(noSt, 0, noSt.length, m), Err.RegMissingEndpoint, "registered without st");
  check.is(m.type, MsgType.Registered, "type is known after a field error");
  // Capacity: ch and c longer than the preallocated arrays are refused, not written past.
  const small = new ControlMessage(1, 2);
  const two = hello([["ch", [ch(0, 0, 85, 1, 0), ch(1, 0, 85, 1, 0)]]]);
  check.is(decodeControl(two, 0, two.length, small), Err.MsgBadField, "ch beyond capacity");
  const three = status(0, [1, 2, 3], 0);
  check.is(decodeControl(three, 0, three.length, small), Err.MsgBadField, "c beyond capacity");
  const fits = status(0, [1, 2], 0);
  check.is(decodeControl(fits, 0, fits.length, small), MsgType.Status, "c at capacity");
  const first = fromHex(messageVectors()[0].hex);
  check.is(decodeControl(first, 0, first.length, m), MsgType.Hello, "decoder reusable after errors");

  // ---- 3. encoder argument checks ----
  const table = new ChannelTable(referenceSpecs);
  const p = fromHex(AGENT_PROOF_HEX);
  const rangeCases: Array<[string, number]> = [
    ["hello: fw of 33 bytes", encodeHello(dst, 0, "x".repeat(33), "a", 0, nonce16, 0, 1, table)],
    ["hello: bad agent id", encodeHello(dst, 0, "1", "a b", 0, nonce16, 0, 1, table)],
    ["hello: generation -1", encodeHello(dst, 0, "1", "a", -1, nonce16, 0, 1, table)],
    ["hello: nonce past its array", encodeHello(dst, 0, "1", "a", 0, nonce16, 1, 1, table)],
    ["hello: mfb 2^32", encodeHello(dst, 0, "1", "a", 0, nonce16, 0, 2 ** 32, table)],
    ["challenge: short nonce", encodeChallenge(dst, 0, nonce15, 0, nonce16, 0, p, 0)],
    ["challenge: short proof", encodeChallenge(dst, 0, nonce16, 0, nonce16, 0, p, 1)],
    ["proof: short proof", encodeProof(dst, 0, range(0, 31), 0)],
    ["registered: st with a wildcard", encodeRegistered(dst, 0, 1, 1, "a/#", "m", 1, 1, 1, 1, 1)],
    ["registered: empty mt", encodeRegistered(dst, 0, 1, 1, "s", "", 1, 1, 1, 1, 1)],
    ["registered: session 2^32", encodeRegistered(dst, 0, 2 ** 32, 1, "s", "m", 1, 1, 1, 1, 1)],
    ["registered: tb -1", encodeRegistered(dst, 0, 1, 1, "s", "m", 1, 1, 1, 1, -1)],
    ["rejected: message of 129 bytes", encodeRejected(dst, 0, 1, "m".repeat(129), -1)],
    ["rejected: reason 1.5", encodeRejected(dst, 0, 1.5, null, -1)],
    ["rejected: retry-after 2^32", encodeRejected(dst, 0, 1, null, 2 ** 32)],
    ["heartbeat: seq -1", encodeHeartbeat(dst, 0, -1, 0, 0)],
    ["heartbeat-ack: tb 2^32", encodeHeartbeatAck(dst, 0, 0, 0, 2 ** 32)],
    ["drain: dl 0.5", encodeDrain(dst, 0, 1, 1, 0.5)],
    ["deregister: reason -1", encodeDeregister(dst, 0, -1)],
    ["deregistered: reason 2^32", encodeDeregistered(dst, 0, 2 ** 32)],
    ["status: offset 2^31", encodeStatus(dst, 0, 1, 1, 1, 2 ** 31, counters, 4, 0)],
    ["status: lr 1.5", encodeStatus(dst, 0, 1, 1, 1, 0, counters, 4, 1.5)],
    ["status: count beyond the counters", encodeStatus(dst, 0, 1, 1, 1, 0, counters, 5, 0)],
    ["status: a counter of -1", encodeStatus(dst, 0, 1, 1, 1, 0, [1, -1], 2, 0)],
    ["death: generation 2^32", encodeDeath(dst, 0, 2 ** 32)],
  ];
  for (const [what, e] of rangeCases) check.is(e, Err.ValueRange, what);
  const few = encodeStatus(dst, 0, 1, 2, 3, -4, counters, 2, 0);
  check.is(decodeControl(dst, 0, few, m), MsgType.Status, "status with the first 2 counters");
  check.ok(m.counterCount === 2 && m.counters[1] === 2 && m.clockOffsetMs === -4, "status counterCount honoured");

  // ---- 4. handshake values ----
  authVectors(check);

  // ---- 5. topics ----
  topics(check);

  // ---- 6. reason mapping ----
  check.is(rejectReasonError(RejectReason.InvalidAuth), Err.RejectedInvalidAuth, "reject 1");
  check.is(rejectReasonError(RejectReason.InvalidRequest), Err.RejectedInvalidRequest, "reject 2");
  check.is(rejectReasonError(RejectReason.AlreadyRegistered), Err.RejectedAlreadyRegistered, "reject 3");
  check.is(rejectReasonError(RejectReason.UnknownAgent), Err.RejectedUnknownAgent, "reject 4");
  check.is(rejectReasonError(RejectReason.UnsupportedVersion), Err.RejectedVersion, "reject 5");
  check.is(rejectReasonError(RejectReason.Busy), Err.RejectedBusy, "reject 6");
  check.is(rejectReasonError(77), Err.RejectedInvalidRequest, "unknown reject reason");
  check.is(msgTypeName(0), "unknown", "name of type 0");
  check.is(msgTypeName(MsgType.HeartbeatAck), "heartbeat-ack", "name of type 7");

  // ---- 7. garbage ----
  controlGarbage(check, 0x3e55a9e, 2000);

  // ---- 8. the heartbeat-ack shortcut against the full decoder ----
  heartbeatAckShortcut(check);
  shortcutClearsOffsets(check);
}

function authVectors(check: Check): void {
  const hmac = new SoftHmacSha256();
  const out = new Uint8Array(40);
  check.is(computeBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, out, 4), 36, "brain proof end offset");
  check.bytes(out.subarray(4, 36), fromHex(BRAIN_PROOF_HEX), "brain proof = HMAC(K, bs1-brain || nA || nB)");
  check.is(computeAgentProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, out, 0), 32, "agent proof end offset");
  check.bytes(out.subarray(0, 32), fromHex(AGENT_PROOF_HEX), "agent proof = HMAC(K, bs1-agent || nA || nB)");
  check.is(computeSessionKey(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, out, 8), 40, "session key end offset");
  check.bytes(out.subarray(8, 40), fromHex(SESSION_KEY_HEX), "session key = HMAC(K, bs1-sess || nA || nB)");
  // nonces at offsets inside a received message
  const rx = new Uint8Array(50);
  rx.set(BRAIN_NONCE, 3);
  rx.set(AGENT_NONCE, 21);
  check.is(computeBrainProof(hmac, AUTH_KEY, rx, 21, rx, 3, out, 0), 32, "brain proof from offsets");
  check.bytes(out.subarray(0, 32), fromHex(BRAIN_PROOF_HEX), "brain proof from offsets matches");
  const scratch = new Uint8Array(32);
  const bp = fromHex(BRAIN_PROOF_HEX);
  const ap = fromHex(AGENT_PROOF_HEX);
  check.is(verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, bp, 0, scratch), 0, "brain proof verifies");
  check.is(verifyAgentProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, ap, 0, scratch), 0, "agent proof verifies");
  check.is(verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, ap, 0, scratch), Err.AuthBadProof, "agent proof is not a brain proof");
  check.is(verifyAgentProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, bp, 0, scratch), Err.AuthBadProof, "brain proof is not an agent proof");
  const otherKey = AUTH_KEY.slice();
  otherKey[31] ^= 1;
  check.is(verifyBrainProof(hmac, otherKey, AGENT_NONCE, 0, BRAIN_NONCE, 0, bp, 0, scratch), Err.AuthBadProof, "wrong key");
  check.is(verifyBrainProof(hmac, AUTH_KEY, BRAIN_NONCE, 0, AGENT_NONCE, 0, bp, 0, scratch), Err.AuthBadProof, "nonces swapped");
  for (const at of [0, 17, 31]) {
    const t = bp.slice();
    t[at] ^= 0x80;
    check.is(verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, t, 0, scratch), Err.AuthBadProof, `proof byte ${at} flipped`);
  }
  check.is(computeBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, out, 9), Err.BufferTooSmall, "proof past dst");
  check.is(computeBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 1, BRAIN_NONCE, 0, out, 0), Err.ValueRange, "nA past its array");
  check.is(verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, bp, 1, scratch), Err.ValueRange, "proof past its array");
  check.is(verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, bp, 0, new Uint8Array(31)), Err.ValueRange, "short scratch");
}

function topics(check: Check): void {
  const t = new AgentTopics("robot-7");
  check.bytes(t.upCtl, utf8Bytes("bs/1/robot-7/up/ctl"), "up/ctl");
  check.bytes(t.dnCtl, utf8Bytes("bs/1/robot-7/dn/ctl"), "dn/ctl");
  check.bytes(t.upSns, utf8Bytes("bs/1/robot-7/up/sns"), "up/sns");
  check.bytes(t.dnMot, utf8Bytes("bs/1/robot-7/dn/mot"), "dn/mot");
  check.bytes(t.clientId, utf8Bytes("bs-robot-7"), "client id");
  check.bytes(t.username, utf8Bytes("robot-7"), "username");
  check.is(clientIdFor("x"), "bs-x", "clientIdFor");
  check.is(topicFor("x", TopicKind.DnMot), "bs/1/x/dn/mot", "topicFor");
  const valid = ["a", "A_z-09", "a".repeat(20)];
  const invalid = ["", "a".repeat(21), "a b", "a/b", "a+b", "a#", "\u00e9", "a.b"];
  for (const id of valid) check.is(validateAgentId(id), 0, `valid id ${id}`);
  for (const id of invalid) check.is(validateAgentId(id), Err.ConfigInvalid, `invalid id ${JSON.stringify(id)}`);
  let threw = false;
  try {
    new AgentTopics("a b");
  } catch {
    threw = true;
  }
  check.ok(threw, "AgentTopics refuses an invalid id");
  const parsed = parseAgentTopic("bs/1/robot-7/up/sns");
  check.ok(parsed !== null && parsed.agentId === "robot-7" && parsed.kind === TopicKind.UpSns, "parseAgentTopic up/sns");
  const ctl = parseAgentTopic("bs/1/x/dn/ctl");
  check.ok(ctl !== null && ctl.kind === TopicKind.DnCtl, "parseAgentTopic dn/ctl");
  for (const bad of ["bs/2/x/up/ctl", "bs/1/x/up/ctl/more", "bs/1/x/up", "bs/1//up/ctl", "bs/1/a b/up/ctl", "bs/1/x/up/mot"]) {
    check.ok(parseAgentTopic(bad) === null, `parseAgentTopic refuses ${bad}`);
  }
}

/** Mutated vectors and random bytes through decodeControl. */
export function controlGarbage(check: Check, seed: number, rounds: number): void {
  const rng = new Prng(seed);
  const m = new ControlMessage(8, 8);
  const seeds = messageVectors().map((v) => fromHex(v.hex));
  for (const [, b] of tolerated()) seeds.push(b);
  const buf = new Uint8Array(256);
  let bad = 0;
  let accepted = 0;
  const codes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let n: number;
    if (rng.chance(0.15)) {
      n = rng.int(0, 64);
      for (let k = 0; k < n; k++) buf[k] = rng.u32() & 0xff;
      if (n > 0 && rng.chance(0.5)) buf[0] = 0xa0 | rng.int(1, 8); // a map head, to get further
    } else {
      const s = rng.pick(seeds);
      n = Math.min(s.length, buf.length);
      buf.set(s.subarray(0, n));
      const flips = rng.int(0, 3);
      for (let f = 0; f < flips && n > 0; f++) buf[rng.int(0, n - 1)] = rng.u32() & 0xff;
      if (rng.chance(0.15)) n = rng.int(0, n);
    }
    try {
      const e = decodeControl(buf, 0, n, m);
      if (e > 0) {
        accepted++;
        if (m.fwOff + m.fwLen > n || m.idOff + m.idLen > n || m.textOff + m.textLen > n) bad++;
        if (m.sensorTopicOff + m.sensorTopicLen > n || m.motorTopicOff + m.motorTopicLen > n) bad++;
      } else if (controlErrors.indexOf(e) < 0) bad++;
      else if (codes.indexOf(e) < 0) codes.push(e);
      if (e !== MsgType.HeartbeatAck && m.reader.pos > n) bad++; // the heartbeat-ack shortcut leaves the reader alone
    } catch {
      bad++;
    }
  }
  check.is(bad, 0, `control garbage: ${rounds} inputs give only message/CBOR codes and stay in bounds`);
  check.ok(accepted > 0, `control garbage reaches valid messages (${accepted})`);
  check.ok(codes.length >= 6, `control garbage: at least 6 distinct errors (${codes.join(",")})`);
  const ok = fromHex(messageVectors()[3].hex);
  check.is(decodeControl(ok, 0, ok.length, m), MsgType.Registered, "decoder usable after garbage");
  check.ok(toHex(ok).length > 0, "vector intact");
}

// ---------------------------------------------------------------- the heartbeat-ack shortcut

/** Values at every CBOR head-size boundary of a u32 (1, 2, 3 and 5 bytes, both ends of each). */
const ACK_EDGES: readonly number[] = [0, 23, 24, 255, 256, 65535, 65536, 0xffffffff];

/** A CBOR uint (major type 0) with its argument in `bytes` bytes: 0 (in the head), 1, 2, 4 or 8. */
function uintForm(v: number, bytes: number): number[] {
  if (bytes === 0) return [v];
  const out = [bytes === 1 ? 0x18 : bytes === 2 ? 0x19 : bytes === 4 ? 0x1a : 0x1b];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
  return out;
}

/** The argument size of v's shortest form (RFC 8949 §4.2.1). */
function shortestArg(v: number): number {
  return v < 24 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : 4;
}

const KEY_BYTES: Record<string, number[]> = { t: [0x61, 0x74], s: [0x61, 0x73], ta: [0x62, 0x74, 0x61], tb: [0x62, 0x74, 0x62], rtt: [0x63, 0x72, 0x74, 0x74], x: [0x61, 0x78] };

/** A map from [key, value item bytes] pairs, with the given head (0xa4: a map of 4). */
function mapOf(head: number[], pairs: Array<[string, number[]]>): Uint8Array {
  const out = head.slice();
  for (const [k, v] of pairs) out.push(...KEY_BYTES[k], ...v);
  return new Uint8Array(out);
}

/** The pairs of the canonical ack {t: 7, s, ta, tb}, each value in its shortest form. */
function ackPairs(s: number, ta: number, tb: number): Array<[string, number[]]> {
  return [["t", [7]], ["s", uintForm(s, shortestArg(s))], ["ta", uintForm(ta, shortestArg(ta))], ["tb", uintForm(tb, shortestArg(tb))]];
}

/** Every field of a ControlMessage the two decoders must agree on after a success. */
function ackFields(m: ControlMessage): string {
  return [
    m.type, m.present, m.seq, m.agentTime, m.brainTime,
    m.fwOff, m.fwLen, m.idOff, m.idLen, m.nonceOff, m.agentNonceOff, m.proofOff,
    m.sensorTopicOff, m.sensorTopicLen, m.motorTopicOff, m.motorTopicLen, m.textOff, m.textLen,
    m.channelCount, m.labelCount, m.counterCount,
  ].join(",");
}

/** Offset and count fields only: all 0 after a heartbeat-ack. */
function offsetFields(m: ControlMessage): string {
  return [
    m.fwOff, m.fwLen, m.idOff, m.idLen, m.nonceOff, m.agentNonceOff, m.proofOff,
    m.sensorTopicOff, m.sensorTopicLen, m.motorTopicOff, m.motorTopicLen, m.textOff, m.textLen,
    m.channelCount, m.labelCount, m.counterCount,
  ].join(",");
}
const ZERO_OFFSETS = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";

/**
 * Mutations of one canonical ack: [what, bytes, how many bytes of them to decode, whether the
 * buffer ends where the bytes do].
 */
function ackMutations(s: number, ta: number, tb: number): Array<[string, Uint8Array, number, boolean]> {
  const canon = mapOf([0xa4], ackPairs(s, ta, tb));
  const out: Array<[string, Uint8Array, number, boolean]> = [];
  // every byte changed to a few other values
  for (let i = 0; i < canon.length; i++) {
    const tried: number[] = [canon[i]];
    for (const v of [canon[i] ^ 0x01, canon[i] ^ 0x03, canon[i] ^ 0x80, canon[i] ^ 0x20, (canon[i] + 1) & 0xff, 0x00, 0xff, 0x18, 0x1a]) {
      if (tried.indexOf(v) >= 0) continue;
      tried.push(v);
      const m = canon.slice();
      m[i] = v;
      out.push([`byte ${i} = 0x${v.toString(16)}`, m, m.length, false]);
    }
  }
  // truncated to every shorter length; one trailing byte of a few values; one trailing item
  for (let k = 0; k < canon.length; k++) {
    out.push([`truncated to ${k} bytes (the rest after them)`, canon, k, false]);
    out.push([`truncated to ${k} bytes (the buffer ends there)`, canon.slice(0, k), k, true]);
  }
  for (const v of [0x00, 0x07, 0x61, 0xff]) {
    const m = new Uint8Array(canon.length + 1);
    m.set(canon);
    m[canon.length] = v;
    out.push([`trailing byte 0x${v.toString(16)}`, m, m.length, v === 0xff]);
  }
  out.push(["a trailing pair (a map of 4 holding 5)", mapOf([0xa4], [...ackPairs(s, ta, tb), ["x", [0]]]), -1, false]);
  // keys in other orders
  const [t, ps, pta, ptb] = ackPairs(s, ta, tb);
  const orders: Array<[string, Array<[string, number[]]>]> = [
    ["t s tb ta", [t, ps, ptb, pta]],
    ["t ta s tb", [t, pta, ps, ptb]],
    ["t ta tb s", [t, pta, ptb, ps]],
    ["t tb s ta", [t, ptb, ps, pta]],
    ["t tb ta s", [t, ptb, pta, ps]],
    ["s t ta tb (t not first)", [ps, t, pta, ptb]],
  ];
  for (const [what, pairs] of orders) out.push([`keys ${what}`, mapOf([0xa4], pairs), -1, false]);
  // a key replaced by another of the ack's keys (a repeated key), its value kept
  const keys = ["t", "s", "ta", "tb"];
  for (let p = 1; p < 4; p++) {
    for (const k of keys) {
      if (k === keys[p]) continue;
      const pairs = ackPairs(s, ta, tb);
      pairs[p] = [k, pairs[p][1]];
      out.push([`key ${keys[p]} written as ${k}`, mapOf([0xa4], pairs), -1, false]);
    }
  }
  // longer uint forms than needed, 8-byte forms included, for each number and for t
  const values: Array<[string, number]> = [["s", s], ["ta", ta], ["tb", tb]];
  for (let p = 0; p < 3; p++) {
    for (const bytes of [1, 2, 4, 8]) {
      if (bytes <= shortestArg(values[p][1])) continue;
      const pairs = ackPairs(s, ta, tb);
      pairs[p + 1] = [values[p][0], uintForm(values[p][1], bytes)];
      out.push([`${values[p][0]} in ${bytes} argument bytes`, mapOf([0xa4], pairs), -1, false]);
    }
  }
  const longT = ackPairs(s, ta, tb);
  longT[0] = ["t", [0x18, 0x07]];
  out.push(["t as 0x18 0x07", mapOf([0xa4], longT), -1, false]);
  out.push(["map head 0xb8 0x04", mapOf([0xb8, 0x04], ackPairs(s, ta, tb)), -1, false]);
  // a 5th key (unknown, or another type's), first or last; a missing key
  out.push(["a 5th key x last", mapOf([0xa5], [...ackPairs(s, ta, tb), ["x", [1]]]), -1, false]);
  out.push(["a 5th key rtt last", mapOf([0xa5], [...ackPairs(s, ta, tb), ["rtt", [1]]]), -1, false]);
  out.push(["a 5th key x after t", mapOf([0xa5], [t, ["x", [0x18, 0x20]], ps, pta, ptb]), -1, false]);
  out.push(["a repeated key tb", mapOf([0xa5], [...ackPairs(s, ta, tb), ptb]), -1, false]);
  out.push(["no tb (a map of 3)", mapOf([0xa3], [t, ps, pta]), -1, false]);
  out.push(["t = 6 (a heartbeat without rtt)", mapOf([0xa4], [["t", [6]], ps, pta, ptb]), -1, false]);
  // values above u32 in 8 bytes
  const big = ackPairs(s, ta, tb);
  big[3] = ["tb", uintForm(2 ** 32 + tb, 8)];
  out.push(["tb = 2^32 + tb in 8 bytes", mapOf([0xa4], big), -1, false]);
  for (const o of out) if (o[2] < 0) o[2] = o[1].length; // -1: all of them
  return out;
}

/** Triples whose acks are mutated: every boundary value in every place, twice, with other widths beside it. */
function mutatedTriples(): Array<[number, number, number]> {
  const e = ACK_EDGES;
  const n = e.length;
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    out.push([e[i], e[(i + 3) % n], e[(i + 6) % n]]);
    out.push([e[i], e[n - 1 - i], e[(i + 1) % n]]);
    out.push([e[(i + 5) % n], e[i], e[i]]);
  }
  return out;
}

/**
 * decodeControl (shortcut first) and decodeControlInFull on two ControlMessages, for canonical
 * acks from encodeHeartbeatAck at several offsets of two buffers and for their mutations: the
 * same result, and after a success the same fields. Canonical acks take the shortcut (the full
 * decoder's reader is left alone) and carry exactly the encoded numbers.
 */
function heartbeatAckShortcut(check: Check): void {
  const a = new ControlMessage();
  const b = new ControlMessage();
  const bufs = [new Uint8Array(64), new Uint8Array(80).subarray(3, 67)];
  for (let i = 0; i < bufs.length; i++) for (let k = 0; k < 64; k++) bufs[i][k] = (k * 53 + 17 * i + 5) & 0xff;
  const sentinel = new Uint8Array(1);
  let inputs = 0;
  let bad = 0;
  let successes = 0;
  const fail = (what: string, got: unknown, want: unknown): void => {
    if (bad++ < 10) check.is(got, want, what);
  };
  const compare = (what: string, buf: Uint8Array, off: number, len: number): number => {
    inputs++;
    const ra = decodeControl(buf, off, len, a);
    const rb = decodeControlInFull(buf, off, len, b);
    if (ra !== rb) fail(`${what}: decodeControl and decodeControlInFull return the same`, ra, rb);
    else if (ra > 0) {
      successes++;
      if (ackFields(a) !== ackFields(b)) fail(`${what}: the same fields`, ackFields(a), ackFields(b));
      if (a.buf !== buf || b.buf !== buf) fail(`${what}: buf is the decoded buffer`, a.buf === buf && b.buf === buf, true);
    }
    return ra;
  };
  // canonical acks: every (s, ta, tb) over the edges, at offsets 0, 1, 7 and flush with the buffer's end
  const dst = new Uint8Array(32);
  let canonical = 0;
  for (const s of ACK_EDGES) {
    for (const ta of ACK_EDGES) {
      for (const tb of ACK_EDGES) {
        const n = encodeHeartbeatAck(dst, 0, s, ta, tb);
        const bytes = dst.slice(0, n < 0 ? 0 : n);
        const ref = mapOf([0xa4], ackPairs(s, ta, tb));
        if (toHex(bytes) !== toHex(ref)) fail(`ack (${s}, ${ta}, ${tb}): encodeHeartbeatAck writes the canonical form`, toHex(bytes), toHex(ref));
        const buf = bufs[canonical % 2];
        canonical++;
        for (const off of [0, 1, 7, buf.length - n]) {
          const what = `ack (${s}, ${ta}, ${tb}) at ${off} of buffer ${canonical % 2}`;
          const saved = buf.slice(off, off + n);
          buf.set(bytes, off);
          a.reader.reset(sentinel, 0, 0);
          const r = compare(what, buf, off, n);
          if (r !== MsgType.HeartbeatAck || a.seq !== s || a.agentTime !== ta || a.brainTime !== tb) fail(`${what}: decodes to its numbers`, `${r}:${a.seq}:${a.agentTime}:${a.brainTime}`, `${MsgType.HeartbeatAck}:${s}:${ta}:${tb}`);
          if (a.reader.buf !== sentinel) fail(`${what}: takes the shortcut`, "full read", "shortcut");
          buf.set(saved, off);
        }
      }
    }
  }
  check.is(canonical, ACK_EDGES.length ** 3, "shortcut: every canonical ack tried");
  // mutations, placed at rotating offsets with other bytes around them
  let mutations = 0;
  for (const [s, ta, tb] of mutatedTriples()) {
    for (const [what, bytes, len, flush] of ackMutations(s, ta, tb)) {
      const off = [0, 1, 7, 9][mutations % 4];
      const buf = !flush && bytes.length + 9 <= 64 ? bufs[mutations % 2] : new Uint8Array(off + bytes.length);
      mutations++;
      const saved = buf.slice(off, off + bytes.length);
      buf.set(bytes, off);
      compare(`ack (${s}, ${ta}, ${tb}), ${what}`, buf, off, len);
      buf.set(saved, off);
    }
    // the canonical ack right after its mutations still decodes by the shortcut
    const n = encodeHeartbeatAck(dst, 0, s, ta, tb);
    a.reader.reset(sentinel, 0, 0);
    const r = compare(`ack (${s}, ${ta}, ${tb}) after its mutations`, dst, 0, n);
    if (r !== MsgType.HeartbeatAck || a.reader.buf !== sentinel) fail(`ack (${s}, ${ta}, ${tb}) after its mutations: the shortcut`, r, MsgType.HeartbeatAck);
  }
  check.ok(mutations > 4000, `shortcut: ${mutations} mutated acks tried`);
  check.ok(successes > 1000 + canonical * 4, `shortcut: mutated acks that still decode come up (${successes - canonical * 4})`);
  check.is(bad, 0, `shortcut: decodeControl and decodeControlInFull agree on all ${inputs} inputs`);
}

/**
 * ControlMessage.offsetsSet: a shortcut ack after a full decode that set byte fields, lists or
 * counters (or failed after setting some) leaves every offset and count at 0, as the full
 * decoder does; so does the next ack, and the full decode after it sets them again.
 */
function shortcutClearsOffsets(check: Check): void {
  const byName = new Map<string, MsgVector>();
  for (const v of messageVectors()) byName.set(v.name, v);
  const registeredHex = byName.get("registered")!.hex;
  const cut = fromHex(registeredHex).subarray(0, 60); // ends after st and inside mt
  const prior: Array<[string, Uint8Array, number]> = [
    ["hello", fromHex(byName.get("hello")!.hex), MsgType.Hello],
    ["challenge", fromHex(byName.get("challenge")!.hex), MsgType.Challenge],
    ["proof", fromHex(byName.get("proof")!.hex), MsgType.Proof],
    ["registered", fromHex(registeredHex), MsgType.Registered],
    ["rejected", fromHex(byName.get("rejected")!.hex), MsgType.Rejected],
    ["status", fromHex(byName.get("status")!.hex), MsgType.Status],
    ["registered cut inside mt (an error after st was set)", cut.slice(), Err.CborTruncated],
    ["hello with labels", msg(["t", 1], ["v", 1], ["fw", "1"], ["id", "a"], ["g", 0], ["n", nonce16], ["mfb", 100], ["ch", [ch(0, 0, 85, 1, 0)]], ["cn", [["imu", "m"]]]), MsgType.Hello],
  ];
  const m = new ControlMessage();
  const ref = new ControlMessage();
  const sentinel = new Uint8Array(1);
  const ack = new Uint8Array(32);
  for (const [name, bytes, want] of prior) {
    check.is(decodeControl(bytes, 0, bytes.length, m), want, `${name}: decodes in full`);
    decodeControlInFull(bytes, 0, bytes.length, ref);
    check.ok(offsetFields(m) !== ZERO_OFFSETS, `${name}: sets an offset or a count (${offsetFields(m)})`);
    for (const [i, [s, ta, tb]] of [[1, 2, 3], [0xffffffff, 300, 24]].entries()) {
      const n = encodeHeartbeatAck(ack, 3, s, ta, tb);
      m.reader.reset(sentinel, 0, 0);
      check.is(decodeControl(ack, 3, n - 3, m), MsgType.HeartbeatAck, `${name}, then ack ${i}: decodes`);
      check.ok(m.reader.buf === sentinel, `${name}, then ack ${i}: by the shortcut`);
      check.is(offsetFields(m), ZERO_OFFSETS, `${name}, then ack ${i}: every offset and count is 0`);
      decodeControlInFull(ack, 3, n - 3, ref);
      check.is(ackFields(m), ackFields(ref), `${name}, then ack ${i}: the fields of a full decode`);
    }
    check.is(decodeControl(bytes, 0, bytes.length, m), want, `${name}: decodes in full again after the acks`);
    decodeControlInFull(bytes, 0, bytes.length, ref);
    check.is(offsetFields(m), offsetFields(ref), `${name}: the offsets are set again`);
  }
}
