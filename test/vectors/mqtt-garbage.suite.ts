/*
 * mqtt-garbage.suite: seeded random and mutated input into ONE client MqttDecoder and ONE
 * test-broker MqttServerDecoder per run (each input goes to the decoder of its first byte's
 * direction, one in ten to the other one).
 *
 * Inputs: pure random bytes, and valid packets (from the random generator in mqtt-fields)
 * with bit flips, truncations, insertions, deletions, a random remaining length, a random
 * first byte, or spliced with other packets; each is fed in random chunks, by push() or by
 * writeOffset()/commit(). Properties:
 *   - next() yields only NEED_MORE, a packet type 1..14, or one of the decoders' MQTT_* codes;
 *     nothing throws;
 *   - every offset of a returned packet lies inside the packet, inside the received bytes;
 *   - a returned packet re-encodes (our encoders, from its decoded fields) to the same body:
 *     the decoder accepts nothing the spec forbids (exceptions: QoS 2 PUBLISH and an empty
 *     client id without clean session, which the client-side encoders refuse by design);
 *   - an error is sticky; after reset() the same instance decodes a valid packet.
 * `run` (V8 and XS) makes 2,000 inputs; test/mqtt-garbage.test.ts calls `runGarbage` with
 * 100,000 on V8.
 */
import { concatBytes } from "../../src/codec/bytes";
import { Err, NEED_MORE } from "../../src/errors";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import { MqttServerDecoder } from "../../testkit/mqtt-server-codec";
import { Prng } from "../../testkit/prng";
import type { Check } from "../helpers/suite";
import { type AnyDecoder, checkBounds, decodedFields, decoderFor, encodeFields, fieldsKey, kinds, randomFields, typeOfKind } from "./mqtt-fields";

/** Remaining-length limit of the decoder under test: small, so MQTT_TOO_LARGE comes up. */
const GARBAGE_MAX_PACKET_BYTES = 300;

const decoderErrors = [
  Err.MqttBadLength, Err.MqttTooLarge, Err.MqttBadType, Err.MqttBadFlags,
  Err.MqttMalformed, Err.MqttBadUtf8, Err.MqttBadProtocol, Err.MqttWrongDirection,
  Err.MqttLengthMismatch, Err.MqttZeroPacketId,
] as const;
/** Codes the decoders may also give, too rare in random input to demand in every run. */
const rareErrors = [Err.MqttBadConnack, Err.MqttBadSubackCode, Err.MqttBadTopicName] as const;

function isDecoderError(code: number): boolean {
  for (let i = 0; i < decoderErrors.length; i++) if (decoderErrors[i] === code) return true;
  for (let i = 0; i < rareErrors.length; i++) if (rareErrors[i] === code) return true;
  return false;
}

function mutate(r: Prng, pool: Uint8Array[]): Uint8Array {
  const base = r.pick(pool);
  const m = r.int(0, 8);
  switch (m) {
    case 0: // pure random bytes
      return r.bytes(r.int(0, 48));
    case 1: { // bit flips
      const out = base.slice();
      const flips = r.int(1, 4);
      for (let i = 0; i < flips && out.length > 0; i++) out[r.int(0, out.length - 1)] ^= 1 << r.int(0, 7);
      return out;
    }
    case 2: // truncation
      return base.slice(0, r.int(0, Math.max(0, base.length - 1)));
    case 3: { // insertion of random bytes
      const at = r.int(0, base.length);
      const ins = r.bytes(r.int(1, 4));
      const out = new Uint8Array(base.length + ins.length);
      out.set(base.subarray(0, at), 0);
      out.set(ins, at);
      out.set(base.subarray(at), at + ins.length);
      return out;
    }
    case 4: { // deletion
      if (base.length < 2) return base.slice();
      const at = r.int(0, base.length - 1);
      const n = r.int(1, Math.min(4, base.length - at));
      const out = new Uint8Array(base.length - n);
      out.set(base.subarray(0, at), 0);
      out.set(base.subarray(at + n), at);
      return out;
    }
    case 5: { // random remaining length (1..5 bytes, continuation bits random)
      const lenBytes = r.int(1, 5);
      const body = base.subarray(Math.min(base.length, 2));
      const out = new Uint8Array(1 + lenBytes + body.length);
      out[0] = base[0];
      for (let i = 0; i < lenBytes; i++) out[1 + i] = r.chance(0.5) ? r.int(0, 255) : r.int(0, 40);
      out.set(body, 1 + lenBytes);
      return out;
    }
    case 6: { // random first byte
      const out = base.slice();
      out[0] = r.int(0, 255);
      return out;
    }
    case 7: { // several packets, one of them flipped
      const k = r.int(2, 4);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < k; i++) {
        const p = r.pick(pool).slice();
        if (i === k - 1 && p.length > 0) p[r.int(0, p.length - 1)] ^= 1 << r.int(0, 7);
        parts.push(p);
      }
      return concatBytes(...parts);
    }
    default: // unmodified
      return base.slice();
  }
}

/** Re-encodes the decoder's current packet; checks it gives the same type byte and body. */
function checkCanonical(check: Check, d: AnyDecoder, scratch: Uint8Array, what: string): void {
  const f = decodedFields(d);
  if (f.kind === "publish" && f.qos === 2) return; // the client never sends QoS 2
  const n = encodeFields(scratch, 0, f);
  if (n < 0) {
    const allowed = n === Err.ValueRange && f.kind === "connect" && f.clientId === "" && !f.cleanSession;
    if (!allowed) check.ok(false, `${what}: accepted a ${f.kind} our encoder refuses (${n}): ${fieldsKey(f)}`);
    return;
  }
  // Compare the type byte and the body; the remaining-length field may have been non-minimal.
  let h = 1;
  while (scratch[h] & 0x80) h++;
  const bodyLen = n - h - 1;
  const pktBody = d.packetEnd - d.remainingLength;
  let same = scratch[0] === d.buf[d.packetOff] && bodyLen === d.remainingLength;
  for (let i = 0; same && i < bodyLen; i++) same = scratch[h + 1 + i] === d.buf[pktBody + i];
  if (!same) check.ok(false, `${what}: ${f.kind} does not re-encode to the same bytes`);
}

/** Runs `inputs` garbage inputs with the given seed through one decoder instance. */
export function runGarbage(check: Check, seed: number, inputs: number): void {
  const r = new Prng(seed);
  const client = new MqttDecoder(GARBAGE_MAX_PACKET_BYTES);
  const server = new MqttServerDecoder(GARBAGE_MAX_PACKET_BYTES);
  const scratch = new Uint8Array(GARBAGE_MAX_PACKET_BYTES * 4 + 64);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < 400; i++) {
    const f = randomFields(r, kinds[i % kinds.length], 0);
    const n = encodeFields(scratch, 0, f);
    if (n > 0 && n <= GARBAGE_MAX_PACKET_BYTES + 5) pool.push(scratch.slice(0, n));
  }
  const goodFields = randomFields(r, "publish", 0);
  const good = scratch.slice(0, encodeFields(scratch, 0, goodFields));
  const goodKey = fieldsKey(goodFields);

  const seenErrors: Record<string, number> = {};
  const seenTypes: Record<string, number> = {};
  let bad = 0;
  for (let i = 0; i < inputs && bad < 20; i++) {
    const input = mutate(r, pool);
    const what = `seed ${seed} input ${i}`;
    const own = decoderFor(input.length > 0 ? input[0] >>> 4 : 0, client, server);
    const d = r.chance(0.1) ? (own === client ? server : client) : own;
    let pos = 0;
    let failed = false;
    const zeroCopy = r.chance(0.3);
    while (!failed && pos < input.length) {
      const want = Math.min(r.int(1, 1 + input.length), input.length - pos);
      let n: number;
      if (zeroCopy) {
        const w = d.writeOffset();
        n = Math.min(want, d.buf.length - w);
        for (let k = 0; k < n; k++) d.buf[w + k] = input[pos + k];
        if (d.commit(n) !== n) check.ok(false, `${what}: commit refused`);
      } else {
        n = d.push(input, pos, want);
        if (n < 0 || n > want) check.ok(false, `${what}: push returned ${n} for ${want}`);
      }
      pos += n;
      let progress = n > 0;
      for (;;) {
        const t = d.next();
        if (t === NEED_MORE) break;
        progress = true;
        if (t > 0) {
          if (t > 14) {
            check.ok(false, `${what}: type ${t}`);
            bad++;
            break;
          }
          seenTypes[t] = (seenTypes[t] ?? 0) + 1;
          checkBounds(check, d, what);
          checkCanonical(check, d, scratch, what);
          continue;
        }
        // An error: one of ours, sticky, and the instance recovers after reset().
        seenErrors[t] = (seenErrors[t] ?? 0) + 1;
        if (!isDecoderError(t)) {
          check.ok(false, `${what}: unexpected code ${t}`);
          bad++;
        }
        if (d.next() !== t) check.ok(false, `${what}: error ${t} not sticky`);
        d.reset();
        d.push(good, 0, good.length);
        const g = d.next();
        if (g !== typeOfKind.publish || fieldsKey(decodedFields(d)) !== goodKey) {
          check.ok(false, `${what}: no valid packet after reset (${g})`);
          bad++;
        }
        if (d.next() !== NEED_MORE) check.ok(false, `${what}: bytes left after the valid packet`);
        failed = true;
        break;
      }
      if (!progress) {
        check.ok(false, `${what}: stuck with ${d.filled - d.readOff} bytes buffered`);
        bad++;
        break;
      }
    }
    // Usually start the next input clean; sometimes let garbage run on into it.
    if (r.chance(0.6)) {
      client.reset();
      server.reset();
    }
  }
  check.is(bad, 0, `seed ${seed}: inputs with bad results`);
  // The run must have exercised both sides: packets of every common type and each error.
  for (const code of decoderErrors) check.ok((seenErrors[code] ?? 0) > 0, `seed ${seed}: error ${code} never came up`);
  for (let t = 1; t <= 14; t++) check.ok((seenTypes[t] ?? 0) > 0, `seed ${seed}: type ${t} never decoded`);
}

export function run(check: Check): void {
  runGarbage(check, 0x6a7ba6e, 2000);
}
