/*
 * Control messages and handshake values vs cbor-x and node:crypto (V8 only).
 *   - 10,000 seeded random messages of every type: our encoder's bytes === cbor-x's bytes for
 *     the same JS object (keys in spec order), cbor-x decodes ours to that object, and our
 *     decoder reads every field back from cbor-x's bytes;
 *   - 1,000 random keys and nonces: proofs and session keys === node:crypto HMAC-SHA256.
 * cbor-x options: see cbor-diff.test.ts and docs/protocol.md §Encoding.
 */
import test from "ava";
import { createHmac } from "node:crypto";
import { Encoder } from "cbor-x";
import { Prng } from "../testkit/prng.ts";
import { readUtf8, toHex } from "../src/codec/bytes.ts";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac.ts";
import { ChannelTable, ElementType, type ChannelSpec } from "../src/codec/frames/channels.ts";
import * as P from "../src/protocol/messages.ts";
import { computeAgentProof, computeBrainProof, computeSessionKey, verifyAgentProof, verifyBrainProof } from "../src/protocol/auth.ts";

const cborxOptions = { useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, int64AsNumber: true } as const;
const ets = Object.values(ElementType);

function u32(rng: Prng): number {
  return rng.pick([rng.int(0, 23), rng.int(24, 255), rng.int(256, 65535), rng.u32(), 0xffffffff, 0]);
}
function i32(rng: Prng): number {
  return rng.pick([rng.int(-24, 23), rng.int(-300, 300), (rng.u32() | 0), -0x80000000, 0x7fffffff]);
}
function text(rng: Prng, maxBytes: number, alphabet?: string): string {
  let s = "";
  const n = rng.int(alphabet ? 1 : 0, maxBytes);
  for (let i = 0; i < n; i++) {
    if (alphabet) s += alphabet[rng.int(0, alphabet.length - 1)];
    else {
      const c = rng.pick(["a", "Z", "/", "\u00e9", "\u6c34", "\ud83d\ude00", " ", "-"]);
      if (new TextEncoder().encode(s + c).length > maxBytes) break;
      s += c;
    }
  }
  return s;
}
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

function randomTable(rng: Prng): ChannelTable {
  const n = rng.int(1, 30);
  const specs: ChannelSpec[] = [];
  const ids = new Set<number>();
  while (specs.length < n) {
    const id = rng.int(0, 255);
    if (ids.has(id)) continue;
    ids.add(id);
    specs.push({ id, kind: rng.int(0, 1), elementType: rng.pick(ets), count: rng.pick([1, rng.int(1, 65535)]), rateHz: u32(rng) });
  }
  return new ChannelTable(specs);
}

interface Case {
  obj: Record<string, unknown>;
  encode(dst: Uint8Array, off: number): number;
}

function randomCase(rng: Prng, type: number): Case {
  const t = type;
  switch (type) {
    case P.MsgType.Hello: {
      const fw = text(rng, 32);
      const id = text(rng, 20, ID_ALPHABET);
      const g = u32(rng);
      const n = rng.bytes(16);
      const mfb = u32(rng);
      const table = randomTable(rng);
      const ch = table.specs.map((s) => [s.id, s.kind, s.elementType, s.count, s.rateHz]);
      return { obj: { t, v: 1, fw, id, g, n, mfb, ch }, encode: (d, o) => P.encodeHello(d, o, fw, id, g, n, 0, mfb, table) };
    }
    case P.MsgType.Challenge: {
      const n = rng.bytes(16);
      const an = rng.bytes(16);
      const p = rng.bytes(32);
      return { obj: { t, n, an, p }, encode: (d, o) => P.encodeChallenge(d, o, n, 0, an, 0, p, 0) };
    }
    case P.MsgType.Proof: {
      const p = rng.bytes(32);
      return { obj: { t, p }, encode: (d, o) => P.encodeProof(d, o, p, 0) };
    }
    case P.MsgType.Registered: {
      const v = [u32(rng), u32(rng), u32(rng), u32(rng), u32(rng), u32(rng), u32(rng)];
      const st = text(rng, 128, ID_ALPHABET + "/");
      const mt = text(rng, 128, ID_ALPHABET + "/$");
      return {
        obj: { t, s: v[0], g: v[1], st, mt, mfb: v[2], mhz: v[3], hb: v[4], md: v[5], tb: v[6] },
        encode: (d, o) => P.encodeRegistered(d, o, v[0], v[1], st, mt, v[2], v[3], v[4], v[5], v[6]),
      };
    }
    case P.MsgType.Rejected: {
      const r = rng.int(1, 6);
      const m = rng.chance(0.5) ? text(rng, 128) : null;
      const ra = rng.chance(0.5) ? u32(rng) : -1;
      const obj: Record<string, unknown> = { t, r };
      if (m !== null) obj.m = m;
      if (ra >= 0) obj.ra = ra;
      return { obj, encode: (d, o) => P.encodeRejected(d, o, r, m, ra) };
    }
    case P.MsgType.Heartbeat:
    case P.MsgType.HeartbeatAck: {
      const v = [u32(rng), u32(rng), u32(rng)];
      if (type === P.MsgType.Heartbeat) return { obj: { t, s: v[0], ta: v[1], rtt: v[2] }, encode: (d, o) => P.encodeHeartbeat(d, o, v[0], v[1], v[2]) };
      return { obj: { t, s: v[0], ta: v[1], tb: v[2] }, encode: (d, o) => P.encodeHeartbeatAck(d, o, v[0], v[1], v[2]) };
    }
    case P.MsgType.Drain: {
      const v = [u32(rng), u32(rng), u32(rng)];
      return { obj: { t, r: v[0], ra: v[1], dl: v[2] }, encode: (d, o) => P.encodeDrain(d, o, v[0], v[1], v[2]) };
    }
    case P.MsgType.Deregister:
    case P.MsgType.Deregistered: {
      const r = u32(rng);
      return { obj: { t, r }, encode: (d, o) => (type === P.MsgType.Deregister ? P.encodeDeregister(d, o, r) : P.encodeDeregistered(d, o, r)) };
    }
    case P.MsgType.Status: {
      const ph = rng.int(0, 10);
      const g = u32(rng);
      const rtt = u32(rng);
      const off = i32(rng);
      const c: number[] = [];
      const nc = rng.pick([0, rng.int(1, 30)]);
      for (let i = 0; i < nc; i++) c.push(u32(rng));
      const lr = rng.chance(0.5) ? 0 : -rng.int(1, 200);
      return { obj: { t, ph, g, rtt, off, c, lr }, encode: (d, o) => P.encodeStatus(d, o, ph, g, rtt, off, c, c.length, lr) };
    }
    case P.MsgType.StatusRequest:
      return { obj: { t }, encode: (d, o) => P.encodeStatusRequest(d, o) };
    default: {
      const g = u32(rng);
      return { obj: { t, g }, encode: (d, o) => P.encodeDeath(d, o, g) };
    }
  }
}

/** Rebuilds the JS object from our decoder's ControlMessage, in spec key order. */
function fromDecoded(m: P.ControlMessage): Record<string, unknown> {
  const b = m.buf;
  const bytes = (off: number, len: number) => b.slice(off, off + len);
  const str = (off: number, len: number) => readUtf8(b, off, off + len);
  const t = m.type;
  switch (t) {
    case P.MsgType.Hello: {
      const ch: number[][] = [];
      for (let i = 0; i < m.channelCount; i++) ch.push([m.chId[i], m.chKind[i], m.chType[i], m.chCount[i], m.chHz[i]]);
      return { t, v: m.version, fw: str(m.fwOff, m.fwLen), id: str(m.idOff, m.idLen), g: m.generation, n: bytes(m.nonceOff, 16), mfb: m.maxFrameBytes, ch };
    }
    case P.MsgType.Challenge:
      return { t, n: bytes(m.nonceOff, 16), an: bytes(m.agentNonceOff, 16), p: bytes(m.proofOff, 32) };
    case P.MsgType.Proof:
      return { t, p: bytes(m.proofOff, 32) };
    case P.MsgType.Registered:
      return {
        t,
        s: m.sessionId,
        g: m.generation,
        st: str(m.sensorTopicOff, m.sensorTopicLen),
        mt: str(m.motorTopicOff, m.motorTopicLen),
        mfb: m.maxFrameBytes,
        mhz: m.maxSensorHz,
        hb: m.heartbeatMs,
        md: m.motorDeadlineMs,
        tb: m.brainTime,
      };
    case P.MsgType.Rejected: {
      const o: Record<string, unknown> = { t, r: m.reason };
      if (m.present & P.Field.M) o.m = str(m.textOff, m.textLen);
      if (m.present & P.Field.Ra) o.ra = m.retryAfterMs;
      return o;
    }
    case P.MsgType.Heartbeat:
      return { t, s: m.seq, ta: m.agentTime, rtt: m.rttMs };
    case P.MsgType.HeartbeatAck:
      return { t, s: m.seq, ta: m.agentTime, tb: m.brainTime };
    case P.MsgType.Drain:
      return { t, r: m.reason, ra: m.retryAfterMs, dl: m.drainDeadlineMs };
    case P.MsgType.Deregister:
    case P.MsgType.Deregistered:
      return { t, r: m.reason };
    case P.MsgType.Status:
      return { t, ph: m.phase, g: m.generation, rtt: m.rttMs, off: m.clockOffsetMs, c: Array.from(m.counters.subarray(0, m.counterCount)), lr: m.lastReason };
    case P.MsgType.StatusRequest:
      return { t };
    default:
      return { t, g: m.generation };
  }
}

test("10,000 random control messages: our bytes === cbor-x bytes, both sides decode the other", (t) => {
  const rng = new Prng(0x3e55);
  const enc = new Encoder(cborxOptions);
  const m = new P.ControlMessage(64, 64);
  const dst = new Uint8Array(4096);
  const perType = new Array(14).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const type = rng.int(1, 13);
    const c = randomCase(rng, type);
    const end = c.encode(dst, 0);
    t.true(end > 0, `type ${type} encodes (${end})`);
    const ours = dst.slice(0, end);
    const theirs = Uint8Array.from(enc.encode(c.obj));
    if (toHex(ours) !== toHex(theirs)) {
      t.fail(`message ${i} type ${type}: ours ${toHex(ours)} cbor-x ${toHex(theirs)}`);
      return;
    }
    t.deepEqual(enc.decode(ours), c.obj, `cbor-x decodes our type ${type}`);
    t.is(P.decodeControl(theirs, 0, theirs.length, m), type, `we decode cbor-x's type ${type}`);
    t.deepEqual(fromDecoded(m), c.obj, `fields of type ${type}`);
    perType[type]++;
  }
  for (let type = 1; type <= 13; type++) t.true(perType[type] > 500, `type ${type} covered ${perType[type]} times`);
});

test("1,000 random keys and nonces: proofs and session keys match node:crypto", (t) => {
  const rng = new Prng(0xa07);
  const hmac = new SoftHmacSha256();
  const out = new Uint8Array(32);
  const scratch = new Uint8Array(32);
  for (let i = 0; i < 1_000; i++) {
    const key = rng.bytes(rng.pick([16, 32, 64, rng.int(1, 100)]));
    const nA = rng.bytes(16);
    const nB = rng.bytes(16);
    const want = (label: string) => createHmac("sha256", key).update(label).update(nA).update(nB).digest("hex");
    t.is(computeBrainProof(hmac, key, nA, 0, nB, 0, out, 0), 32);
    t.is(toHex(out), want("bs1-brain"));
    t.is(verifyBrainProof(hmac, key, nA, 0, nB, 0, out, 0, scratch), 0);
    t.is(computeAgentProof(hmac, key, nA, 0, nB, 0, out, 0), 32);
    t.is(toHex(out), want("bs1-agent"));
    t.is(verifyAgentProof(hmac, key, nA, 0, nB, 0, out, 0, scratch), 0);
    t.is(computeSessionKey(hmac, key, nA, 0, nB, 0, out, 0), 32);
    t.is(toHex(out), want("bs1-sess"));
  }
});
