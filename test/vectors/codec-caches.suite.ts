/*
 * codec-caches.suite: the caches and shortcuts that make the steady-state receive path cheap
 * on XS must never change a result. Each part compares the shortcut with the plain path:
 *   1. MqttDecoder's topic cache: a decoder with the cache (the default) and one without it
 *      (topicCacheBytes 0) get the same PUBLISH packets: base topics of many lengths
 *      (around the 8-byte word and the 128-byte cap, multi-byte UTF-8, a topic whose first
 *      word reads as a float64 NaN), then every one-byte mutation of each topic from a set of
 *      critical bytes, and whole words replaced by +0 / -0 patterns. Results and fields must
 *      agree, and a check is skipped exactly when the topic equals the cached one byte for byte.
 *   1b. MqttDecoder's watched topics (watchTopic, topicSlot): a table of watched topics (short
 *      and long, multi-byte UTF-8) and of PUBLISH topics that equal one, differ in one byte,
 *      are a prefix or an extension of one: topicSlot names the watched slot exactly when the
 *      bytes are equal, and the decoded fields agree with a decoder that watches nothing;
 *      watchTopic refuses bad slots, ranges and topics that no PUBLISH may carry.
 *   1c. MqttDecoder's PUBLISH repeat path: a QoS 0 PUBLISH fed again takes it (publishRepeats)
 *      with the same fields as a decoder without caches; every one-byte change in its header
 *      (fixed header, topic length, topic) misses it; a payload change does not; a repeat
 *      whose body is not all there yet waits (NEED_MORE); QoS 1 never repeats; the client
 *      rules still judge each repeat; watchTopic and reset() forget the header.
 *   1d. MqttDecoder's alternate repeat header: QoS 0 PUBLISHes alternating between two watched
 *      topics (A B A B, A A B, A B B A) and a third, unwatched one (which displaces a header),
 *      delivered one per push, all in one push and in 7-byte pushes: each packet takes the
 *      repeat path or is parsed in full as a table says, with the fields, topic and payload a
 *      decoder parsing it in full gives; reset() and watchTopic() forget both headers.
 *   1e. MqttPacketReader.moveRestToFront: after a packet, a rest of at most 512 bytes is moved
 *      to the front (the next packet's packetOff is 0), a longer one stays; a burst of 200
 *      packets in one push parses in order, each where the rule puts it.
 *   2. MqttDecoder.push() of array ranges: stable, alternating, rotating and random ranges,
 *      content changing under a stable range, the same range of another array, appends after
 *      buffered bytes and pushes cut short by a full buffer (a regression net for any copy
 *      shortcut in push()).
 *   3. copyEntry's per-entry views: frames at stable, alternating and rotating offsets, one-off
 *      shifts, in two receive buffers, with the entry order swapped and the content changing
 *      every frame; a FrameView with cacheViews off copies the same bytes.
 *   4. decodeFast's per-id signature and repeat mask on a 40-channel table (table indexes
 *      above 30, two-byte ids): random frames with repeats and wrong types or lengths decode
 *      the same with the fast path and with the general path only.
 * `hot` holds zero-argument operations for the XS allocation tests in codec-caches.test.ts.
 * Imports only src/ and test/helpers, so it bundles for XS.
 */
import type { Check } from "../helpers/suite";
import { Prng } from "../../testkit/prng";
import { Err, NEED_MORE } from "../../src/errors";
import { concatBytes, utf8Bytes } from "../../src/codec/bytes";
import { byteView, ChannelKind, ChannelTable, ElementType, elementBytes, type ChannelSpec } from "../../src/codec/frames/channels";
import { FrameEntries } from "../../src/codec/frames/entries";
import { copyEntry } from "../../src/codec/frames/view";
import { encodeSensorFrame, SensorFrame, sensorFrameMaxBytes } from "../../src/codec/frames/sensor";
import { PacketType } from "../../src/codec/mqtt/constants";
import { MqttDecoder, DEFAULT_TOPIC_CACHE_BYTES } from "../../src/codec/mqtt/decoder";
import { MqttClientRules } from "../../src/codec/mqtt/client-rules";
import { encodePublish } from "../../src/codec/mqtt/publish";

// ---------------------------------------------------------------- helpers

const scratch = new Uint8Array(70_000);

/** A PUBLISH carrying topic (any bytes: the encoder does not validate) and a small payload. */
function publishPacket(topic: Uint8Array, qos: 0 | 1): Uint8Array {
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const n = encodePublish(scratch, 0, topic, topic.length, payload, 0, payload.length, qos, qos ? 77 : 0, false, false);
  return scratch.slice(0, n);
}

/** Feeds a whole packet to d and summarises the outcome; resets d after an error. */
function feed(d: MqttDecoder, pkt: Uint8Array): string {
  d.push(pkt, 0, pkt.length);
  const t = d.next();
  if (t < 0) {
    d.reset();
    return `err ${t}`;
  }
  const s = `${t}:${d.topicOff}:${d.topicLen}:${d.payloadOff}:${d.payloadLen}:${d.packetId}:${d.qos}`;
  const rest = d.next();
  return rest === NEED_MORE ? s : `${s} then ${rest}`;
}

function repeatAscii(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 10 === 9 ? 0x2f : 0x61 + (i % 26); // letters and '/'
  return out;
}

// ---------------------------------------------------------------- 1. topic cache

/** Bytes a mutation may write into a topic: wildcards, separator, NUL, UTF-8 leads and continuations. */
const CRITICAL_BYTES = [0x00, 0x23, 0x2b, 0x2f, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xf8, 0xff];

function topicCache(check: Check): void {
  const nanTopic = concatBytes(new Uint8Array([0x7f, 0xf0, 0x90, 0x80, 0x80]), utf8Bytes("abc/defgh")); // word 0 is a NaN
  const topics: Uint8Array[] = [
    utf8Bytes("bs/1/dev1/up/sns"),
    utf8Bytes("bs/1/dev1/dn/mot"),
    utf8Bytes("abcdefg"), // 7: below one word, never cached
    utf8Bytes("abcdefgh"), // exactly one word
    utf8Bytes("abcdefghi"),
    utf8Bytes("a/b/c/d/e/f/g/h"), // 15
    utf8Bytes("a/b/c/d/e/f/g/hi"), // 16
    utf8Bytes("a/b/c/d/e/f/g/h/i"), // 17
    utf8Bytes("bs/\u00e9/\u00fc/\u00df/\u65e5\u672c/x"), // multi-byte UTF-8
    utf8Bytes("bs/\u{1f916}/robot/\u{1f9e0}"), // 4-byte sequences
    nanTopic,
    repeatAscii(64),
    repeatAscii(DEFAULT_TOPIC_CACHE_BYTES), // at the cap
    repeatAscii(DEFAULT_TOPIC_CACHE_BYTES + 1), // above the cap, never cached
  ];
  const cached = new MqttDecoder(1024);
  const plain = new MqttDecoder(1024, 0);
  let disagree = 0;
  let wrongSkips = 0;
  let mutations = 0;
  for (const topic of topics) {
    const len = topic.length;
    const cacheable = len >= 8 && len <= DEFAULT_TOPIC_CACHE_BYTES && topic !== nanTopic;
    for (const qos of [0, 1] as const) {
      const base = publishPacket(topic, qos);
      const want = feed(plain, base);
      check.ok(want.startsWith(`${PacketType.Publish}:`), `topic ${len} B qos ${qos}: the base topic is valid (${want})`);
      const s0 = cached.topicChecksSkipped;
      check.is(feed(cached, base), want, `topic ${len} B qos ${qos}: first decode`);
      const s1 = cached.topicChecksSkipped;
      check.is(feed(cached, base), want, `topic ${len} B qos ${qos}: second decode`);
      // The first decode may hit when the previous base had the same bytes (qos 1 after qos 0).
      // The NaN topic: the topic cache's words start at the topic and never match it, but the
      // QoS 0 repeat path's words start at the fixed header, where the bytes read as a number.
      const skips = cacheable || (topic === nanTopic && qos === 0) ? 1 : 0;
      check.is(cached.topicChecksSkipped - s1, skips, `topic ${len} B qos ${qos}: the repeat skips the check iff cacheable`);
      check.ok(s1 - s0 <= 1, `topic ${len} B qos ${qos}: at most one skip per decode`);
      check.is(plain.topicChecksSkipped, 0, "topicCacheBytes 0 never skips a check");

      // Every one-byte mutation from the critical set, decoded right after the base topic
      // (so the cache holds the base), by both decoders.
      for (let j = 0; j < len; j++) {
        for (const b of CRITICAL_BYTES) {
          if (b === topic[j]) continue;
          const m = topic.slice();
          m[j] = b;
          const pkt = publishPacket(m, qos);
          feed(cached, base);
          const before = cached.topicChecksSkipped;
          const got = feed(cached, pkt);
          if (cached.topicChecksSkipped !== before) wrongSkips++;
          if (got !== feed(plain, pkt)) disagree++;
          mutations++;
        }
      }
      // Whole aligned words replaced by the float64 +0 and -0 patterns (both contain NUL).
      for (let w = 0; w + 8 <= len; w += 8) {
        for (const lead of [0x00, 0x80]) {
          const m = topic.slice();
          m[w] = lead;
          for (let k = 1; k < 8; k++) m[w + k] = 0;
          const pkt = publishPacket(m, qos);
          feed(cached, base);
          const before = cached.topicChecksSkipped;
          const got = feed(cached, pkt);
          if (cached.topicChecksSkipped !== before) wrongSkips++;
          if (got !== `err ${Err.MqttBadUtf8}` || feed(plain, pkt) !== got) disagree++;
          mutations++;
        }
      }
    }
  }
  check.ok(mutations > 10_000, `topic cache: ${mutations} mutated topics tried`);
  check.is(disagree, 0, "topic cache: the cached and the plain decoder agree on every mutated topic");
  check.is(wrongSkips, 0, "topic cache: no check is skipped for a topic that differs from the cached one");

  // Random topics of random lengths, each decoded twice, interleaved with random mutations.
  const r = new Prng(0x70b1c);
  let randomDisagree = 0;
  for (let i = 0; i < 1500; i++) {
    const t = r.chance(0.7) ? repeatAscii(r.int(1, 140)) : r.bytes(r.int(1, 40));
    if (r.chance(0.5) && t.length > 0) t[r.int(0, t.length - 1)] = r.pick(CRITICAL_BYTES);
    const pkt = publishPacket(t, r.chance(0.5) ? 1 : 0);
    for (let k = 0; k < 2; k++) if (feed(cached, pkt) !== feed(plain, pkt)) randomDisagree++;
  }
  check.is(randomDisagree, 0, "topic cache: random topics decode the same with and without the cache");

  // The option is checked at construction.
  for (const bad of [-1, 1.5, 65_536, Number.NaN]) {
    let threw = false;
    try {
      new MqttDecoder(100, bad);
    } catch (e) {
      threw = e instanceof RangeError;
    }
    check.ok(threw, `topicCacheBytes ${bad} is refused with a RangeError`);
  }
}

// ---------------------------------------------------------------- 1b. watched topics

function watchedTopics(check: Check): void {
  const motor = utf8Bytes("bs/1/dev-07/dn/mot");
  const control = utf8Bytes("bs/1/dev-07/dn/ctl");
  const short = utf8Bytes("m/é"); // 4 bytes: compared byte by byte
  const watched = new MqttDecoder(4096);
  const plain = new MqttDecoder(4096, 0);
  check.is(watched.watchTopic(1, motor, 0, motor.length), 0, "watch the motor topic in slot 1");
  check.is(watched.watchTopic(2, control, 0, control.length), 0, "watch the control topic in slot 2");
  check.is(watched.watchTopic(3, short, 0, short.length), 0, "watch a 4-byte topic in slot 3");
  const oneOff = (t: Uint8Array, at: number): Uint8Array => {
    const c = t.slice();
    c[at] ^= 0x01;
    return c;
  };
  const cases: [string, Uint8Array, number][] = [
    ["the motor topic", motor, 1],
    ["the control topic", control, 2],
    ["the short topic", short, 3],
    ["motor, first byte changed", oneOff(motor, 0), 0],
    ["motor, a middle byte changed", oneOff(motor, 9), 0],
    ["motor, last byte changed", oneOff(motor, motor.length - 1), 0],
    ["control, a byte of the last word changed", oneOff(control, control.length - 3), 0],
    ["short, last byte changed", oneOff(short, short.length - 1), 0],
    ["a prefix of motor", motor.slice(0, motor.length - 1), 0],
    ["motor extended", concatBytes(motor, utf8Bytes("x")), 0],
    ["the motor topic again", motor, 1],
  ];
  for (const [name, topic, slot] of cases) {
    for (const qos of [0, 1] as const) {
      const pkt = publishPacket(topic, qos);
      check.is(feed(watched, pkt), feed(plain, pkt), `${name} (QoS ${qos}): same fields with and without watched topics`);
      check.is(watched.topicSlot, slot, `${name} (QoS ${qos}): topicSlot ${slot}`);
    }
  }
  // Emptying a slot: the topic is no longer named (but still decodes).
  check.is(watched.watchTopic(1, motor, 0, 0), 0, "len 0 empties slot 1");
  feed(watched, publishPacket(motor, 0));
  check.is(watched.topicSlot, 0, "an emptied slot matches nothing");
  // Refusals leave the slot empty.
  const refusals: [string, number, Uint8Array, number, number, number][] = [
    ["slot 0 (the decoder's own)", 0, motor, 0, motor.length, Err.ValueRange],
    ["slot 4 (past the last)", 4, motor, 0, motor.length, Err.ValueRange],
    ["a range past the array", 1, motor, 4, motor.length, Err.ValueRange],
    ["a wildcard topic", 1, utf8Bytes("bs/1/+/dn/mot"), 0, 13, Err.MqttBadTopicName],
    ["a topic with U+0000", 1, new Uint8Array([0x61, 0x00, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68]), 0, 9, Err.MqttBadUtf8],
  ];
  for (const [name, slot, topic, off, len, code] of refusals) {
    check.is(watched.watchTopic(slot, topic, off, len), code, `watchTopic refuses ${name}`);
  }
  check.is(plain.watchTopic(1, motor, 0, motor.length), Err.ValueRange, "topicCacheBytes 0: nothing can be watched");
  feed(watched, publishPacket(utf8Bytes("bs/1/+/dn/mot"), 0));
  check.is(watched.topicSlot, 0, "a refused topic is not watched");
}

// ---------------------------------------------------------------- 1c. PUBLISH repeat path

function publishRepeats(check: Check): void {
  const topic = utf8Bytes("bs/1/dev-07/dn/mot");
  const payload = new Uint8Array(40).fill(9);
  const packetOf = (t: Uint8Array, p: Uint8Array, qos: 0 | 1, retain = false): Uint8Array => {
    const n = encodePublish(scratch, 0, t, t.length, p, 0, p.length, qos, qos ? 5 : 0, retain, false);
    return scratch.slice(0, n);
  };
  const base = packetOf(topic, payload, 0);
  const headerLen = 1 + 1 + 2 + topic.length;
  const cached = new MqttDecoder(1024);
  const plain = new MqttDecoder(1024, 0);
  const fields = (d: MqttDecoder): string => `${d.type}:${d.flags}:${d.remainingLength}:${d.topicOff}:${d.topicLen}:${d.payloadOff}:${d.payloadLen}:${d.packetId}:${d.qos}:${d.retain}:${d.dup}:${d.topicSlot}`;
  const both = (pkt: Uint8Array): [string, string, number] => {
    const r0 = cached.publishRepeats;
    const a = feed(cached, pkt) + " " + fields(cached);
    const b = feed(plain, pkt) + " " + fields(plain);
    return [a, b, cached.publishRepeats - r0];
  };
  check.is(cached.watchTopic(1, topic, 0, topic.length), 0, "watch the topic");
  let [a, b, reps] = both(base);
  check.is(reps, 0, "the first PUBLISH is parsed in full");
  [a, b, reps] = both(base);
  check.is(reps, 1, "the same PUBLISH again takes the repeat path");
  check.is(a.replace(/:1$/, ":0"), b, "repeat: the same fields as without caches (but the watched slot)");
  check.ok(a.endsWith(":1"), "repeat: topicSlot of the watched topic");
  let missed = 0;
  let wrong = 0;
  for (let at = 0; at < headerLen; at++) {
    for (const x of [0x01, 0x80]) {
      const m = base.slice();
      m[at] ^= x;
      const [ma, mb, mr] = both(m);
      if (mr !== 0) wrong++;
      else missed++;
      if (ma.replace(/:1$/, ":0") !== mb && !(ma.startsWith("err") && mb.startsWith("err"))) wrong++;
      both(base); // back to the remembered header (parsed in full after a miss)
    }
  }
  check.is(wrong, 0, `every one-byte change in the header misses the repeat path and decodes as without caches (${missed} changes)`);
  const otherPayload = packetOf(topic, new Uint8Array(40).fill(7), 0);
  [a, b, reps] = both(otherPayload);
  check.is(reps, 1, "a new payload of the same length repeats");
  check.is(a.replace(/:1$/, ":0"), b, "new payload: same fields");
  [, , reps] = both(packetOf(topic, new Uint8Array(41), 0));
  check.is(reps, 0, "another payload length changes the remaining length: no repeat");
  [, , reps] = both(packetOf(topic, new Uint8Array(41), 0));
  check.is(reps, 1, "... and that length repeats from then on");
  [, , reps] = both(packetOf(topic, new Uint8Array(41), 0, true));
  check.is(reps, 0, "RETAIN set: another fixed header, no repeat");
  [, , reps] = both(packetOf(topic, new Uint8Array(41), 1));
  check.is(reps, 0, "QoS 1 does not repeat");
  [, , reps] = both(packetOf(topic, new Uint8Array(41), 1));
  check.is(reps, 0, "QoS 1 never repeats (its packet id changes)");
  // A repeat whose body has not all arrived: NEED_MORE, then the packet once the rest is there.
  both(base);
  cached.push(base, 0, headerLen + 3);
  check.is(cached.next(), NEED_MORE, "a repeated header with part of the body: NEED_MORE");
  cached.push(base, headerLen + 3, base.length - headerLen - 3);
  const r0 = cached.publishRepeats;
  check.is(cached.next(), PacketType.Publish, "the rest arrives: the PUBLISH");
  check.is(cached.publishRepeats - r0, 1, "... by the repeat path");
  check.is(cached.next(), NEED_MORE, "nothing left over");
  // The client rules still judge every repeat: a PUBLISH before CONNACK is refused.
  const strict = new MqttDecoder(1024);
  feed(strict, base);
  feed(strict, base);
  const connect = new Uint8Array([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]);
  check.is(strict.sent(connect, 0), 0, "CONNECT recorded");
  check.is(feed(strict, base), `err ${Err.MqttConnackNotFirst}`, "a repeated header before the CONNACK is still refused by the rules");
  // The rules' QoS 0 verdict (what the repeat path reads) is what received() answers, in every state.
  const rules = new MqttClientRules();
  const connack = (): number => rules.received(PacketType.Connack, 0, 0, 0, 0);
  const states: [string, () => void][] = [
    ["untracked", () => undefined],
    ["CONNECT sent", () => rules.sent(connect, 0)],
    ["CONNACK received", () => connack()],
    ["a second CONNECT", () => rules.sent(connect, 0)],
    ["reset", () => rules.reset()],
  ];
  for (const [name, step] of states) {
    step();
    check.is(rules.qos0PublishVerdict, rules.received(PacketType.Publish, 0, 0, 0, 0), `rules ${name}: the QoS 0 verdict is received()'s answer`);
  }
  // watchTopic and reset() forget the header.
  both(base);
  cached.watchTopic(1, topic, 0, 0);
  [a, , reps] = both(base);
  check.is(reps, 0, "after watchTopic the header is parsed in full again");
  check.ok(a.endsWith(":0"), "and topicSlot follows the slots now (0)");
  both(base);
  cached.reset();
  [, , reps] = both(base);
  check.is(reps, 0, "after reset() the header is parsed in full again");
}

// ---------------------------------------------------------------- 1d. the alternate repeat header

/** A PUBLISH whose payload (payloadLen bytes) is numbered by n, so every packet's payload differs. */
function numberedPublish(topic: Uint8Array, payloadLen: number, n: number, qos: 0 | 1 = 0): Uint8Array {
  const payload = new Uint8Array(payloadLen);
  for (let k = 0; k < payloadLen; k++) payload[k] = (n * 31 + k * 7 + 1) & 0xff;
  const len = encodePublish(scratch, 0, topic, topic.length, payload, 0, payloadLen, qos, qos ? 1 + (n % 900) : 0, false, false);
  return scratch.slice(0, len);
}

interface AltShape {
  name: string;
  /** Topics A (watched in slot 1), B (slot 2) and C (not watched). */
  topics: [Uint8Array, Uint8Array, Uint8Array];
  payloadLens: [number, number, number];
}

const altShapes: AltShape[] = [
  { name: "three payload lengths", topics: [utf8Bytes("bs/1/dev-07/dn/mot"), utf8Bytes("bs/1/dev-07/dn/ctl"), utf8Bytes("bs/1/dev-07/dn/aux")], payloadLens: [40, 23, 31] },
  { name: "one payload length (the headers differ in the topic's last bytes)", topics: [utf8Bytes("bs/1/dev-07/dn/mot"), utf8Bytes("bs/1/dev-07/dn/ctl"), utf8Bytes("bs/1/dev-07/dn/aux")], payloadLens: [40, 40, 40] },
  { name: "an 8-byte topic, a 100-byte topic, an empty payload", topics: [utf8Bytes("a/b/c/de"), repeatAscii(100), utf8Bytes("x/y/z/www")], payloadLens: [5, 130, 0] },
];

/**
 * [what, the packets' topics in order, F (parsed in full) or R (repeat path) per packet].
 * Two headers are kept: the last one parsed in full and, when its topic slot differs, the one
 * remembered before it (the alternate). C (slot 0) displaces one of them.
 */
const altPatterns: ReadonlyArray<readonly [string, string, string]> = [
  ["A B A B", "ABABABABABAB", "FFRRRRRRRRRR"],
  ["B A B A", "BABABABA", "FFRRRRRR"],
  ["A A B A A B", "AABAABAABAAB", "FRFRRRRRRRRR"],
  ["A B B A", "ABBAABBAABBA", "FFRRRRRRRRRR"],
  ["A B B B A A A B", "ABBBAAAB", "FFRRRRRR"],
  ["A B A B, C, A B A B (C displaces A)", "ABABCABABAB", "FFRRFFFRRRR"],
  ["three topics A B C in turn (each one's header was displaced)", "ABCABCABC", "FFFFFFFFF"],
  ["A C A C (C in slot 0 beside A)", "ACACAC", "FFRRRR"],
];

/** The PUBLISH fields next() sets, with offsets relative to the packet. */
function publishFields(d: MqttDecoder): string {
  return `${d.type}:${d.flags}:${d.qos}:${d.dup}:${d.retain}:${d.topicSlot}:${d.topicLen}:${d.payloadLen}:${d.remainingLength}:${d.packetId}:` +
    `${d.packetEnd - d.packetOff}:${d.topicOff - d.packetOff}:${d.payloadOff - d.packetOff}`;
}

function bytesAt(buf: Uint8Array, off: number, want: Uint8Array): boolean {
  for (let k = 0; k < want.length; k++) if (buf[off + k] !== want[k]) return false;
  return true;
}

/** A decoder watching A in slot 1 and B in slot 2. */
function altDecoder(shape: AltShape, maxPacket: number): MqttDecoder {
  const d = new MqttDecoder(maxPacket);
  d.watchTopic(1, shape.topics[0], 0, shape.topics[0].length);
  d.watchTopic(2, shape.topics[1], 0, shape.topics[1].length);
  return d;
}

const DELIVERIES = ["one push per packet", "all packets in one push", "7-byte pushes"] as const;

/**
 * Feeds `packets` to d as `delivery` says and checks each packet next() returns against ref
 * (reset before each packet: a full parse) and the topic and payload bytes. Returns the F/R
 * string of the packets (publishRepeats moved or not), "?" for a packet with a wrong field.
 */
function feedAlternating(check: Check, what: string, d: MqttDecoder, ref: MqttDecoder, packets: Uint8Array[], topics: Uint8Array[], delivery: string): string {
  let got = "";
  let at = 0;
  const drain = (): void => {
    for (;;) {
      const before = d.publishRepeats;
      const t = d.next();
      if (t === NEED_MORE) return;
      const i = at++;
      const pkt = packets[i];
      if (t !== PacketType.Publish || pkt === undefined) {
        check.is(t, PacketType.Publish, `${what}: packet ${i} decodes`);
        got += "?";
        return;
      }
      ref.reset();
      ref.push(pkt, 0, pkt.length);
      const refRepeats = ref.publishRepeats;
      ref.next();
      let ok = ref.publishRepeats === refRepeats && publishFields(d) === publishFields(ref);
      ok = ok && bytesAt(d.buf, d.topicOff, topics[i]) && d.topicLen === topics[i].length;
      ok = ok && bytesAt(d.buf, d.payloadOff, pkt.subarray(ref.payloadOff - ref.packetOff)) && d.packetEnd - d.packetOff === pkt.length;
      if (!ok) check.is(publishFields(d), publishFields(ref), `${what}: packet ${i}: the fields, topic and payload of a full parse`);
      got += !ok ? "?" : d.publishRepeats === before + 1 ? "R" : d.publishRepeats === before ? "F" : "!";
    }
  };
  if (delivery === DELIVERIES[0]) {
    for (const p of packets) {
      d.push(p, 0, p.length);
      drain();
    }
  } else {
    const all = concatBytes(...packets);
    const step = delivery === DELIVERIES[1] ? all.length : 7;
    for (let off = 0; off < all.length; off += step) {
      const n = Math.min(step, all.length - off);
      if (d.push(all, off, n) !== n) check.is(n, -1, `${what}: the decoder takes every byte`);
      drain();
    }
  }
  return got;
}

function alternateRepeats(check: Check): void {
  let vectors = 0;
  for (const shape of altShapes) {
    const ref = altDecoder(shape, 4096);
    for (const [name, letters, want] of altPatterns) {
      for (const delivery of DELIVERIES) {
        const d = altDecoder(shape, 4096);
        const packets: Uint8Array[] = [];
        const topics: Uint8Array[] = [];
        for (let i = 0; i < letters.length; i++) {
          const k = letters.charCodeAt(i) - 65; // A, B, C
          packets.push(numberedPublish(shape.topics[k], shape.payloadLens[k], vectors * 100 + i));
          topics.push(shape.topics[k]);
        }
        const what = `alternate header, ${shape.name}, ${name}, ${delivery}`;
        check.is(feedAlternating(check, what, d, ref, packets, topics, delivery), want, `${what}: parsed in full (F) or repeated (R)`);
        vectors++;
      }
    }
  }
  check.is(vectors, altShapes.length * altPatterns.length * DELIVERIES.length, "alternate header: every vector ran");
}

/** reset() and watchTopic() forget both headers: the next A and B are parsed in full, then repeat. */
function alternateForgotten(check: Check): void {
  const shape = altShapes[0];
  const [A, B] = shape.topics;
  const ref = altDecoder(shape, 4096);
  const forget: Array<[string, (d: MqttDecoder) => void]> = [
    ["reset()", (d) => d.reset()],
    ["watchTopic of slot 3", (d) => d.watchTopic(3, utf8Bytes("bs/1/other/x"), 0, 12)],
    ["watchTopic of slot 1 with its own topic again", (d) => d.watchTopic(1, A, 0, A.length)],
    ["watchTopic of slot 2 with its own topic again", (d) => d.watchTopic(2, B, 0, B.length)],
    ["watchTopic emptying slot 3", (d) => d.watchTopic(3, A, 0, 0)],
  ];
  let n = 0;
  for (const [name, step] of forget) {
    for (const order of ["ABAB", "BABA"]) {
      const d = altDecoder(shape, 4096);
      const pkt = (letter: string): Uint8Array => numberedPublish(shape.topics[letter.charCodeAt(0) - 65], shape.payloadLens[letter.charCodeAt(0) - 65], n++);
      const run = (letters: string): string => {
        const packets: Uint8Array[] = [];
        const topics: Uint8Array[] = [];
        for (const l of letters) {
          packets.push(pkt(l));
          topics.push(shape.topics[l.charCodeAt(0) - 65]);
        }
        return feedAlternating(check, `${name} (${order})`, d, ref, packets, topics, DELIVERIES[0]);
      };
      check.is(run("ABABAB"), "FFRRRR", `${name} (${order}): both headers established`);
      step(d);
      check.is(run(order), "FFRR", `${name} (${order}): both headers forgotten, then learnt again`);
    }
  }
}

// ---------------------------------------------------------------- 1e. moveRestToFront

/** MOVE_REST_MAX in src/codec/mqtt/packet-reader.ts: the most bytes moved to the front after a packet. */
const MOVE_REST_MAX = 512;

/** A PUBLISH of exactly `total` bytes (total >= 132: a two-byte remaining length) on topic. */
function publishOfSize(topic: Uint8Array, total: number, n: number): Uint8Array {
  const payloadLen = total - 1 - 2 - 2 - topic.length;
  const p = numberedPublish(topic, payloadLen, n);
  return p;
}

/**
 * Packets pushed together: the packetOff of each as next() returns it (0 when the rest after
 * the previous packet was at most 512 bytes, else where it lies), the bytes, and the order.
 */
function restToFront(check: Check): void {
  const topic = utf8Bytes("bs/1/dev-07/dn/mot");
  const other = utf8Bytes("bs/1/dev-07/dn/ctl");
  /** [what, packets pushed at once, how many of them come after a rest moved to the front]. */
  const cases: Array<[string, Uint8Array[], number]> = [
    ["a small packet, then a rest of 512 bytes", [numberedPublish(topic, 20, 1), publishOfSize(other, MOVE_REST_MAX, 2)], 1],
    ["a small packet, then a rest of 513 bytes", [numberedPublish(topic, 20, 3), publishOfSize(other, MOVE_REST_MAX + 1, 4)], 0],
    ["a large packet, then a small one", [publishOfSize(topic, 900, 5), numberedPublish(other, 10, 6)], 1],
    ["the same header twice, the rest 512 bytes", [publishOfSize(topic, MOVE_REST_MAX, 7), publishOfSize(topic, MOVE_REST_MAX, 8)], 1],
    ["the same header twice, the rest 513 bytes", [publishOfSize(topic, MOVE_REST_MAX + 1, 9), publishOfSize(topic, MOVE_REST_MAX + 1, 10)], 0],
    ["a rest of two packets (300 + 212 bytes)", [numberedPublish(topic, 3, 11), publishOfSize(other, 300, 12), publishOfSize(topic, 212, 13)], 2],
    ["a rest of two packets (300 + 213 bytes)", [numberedPublish(topic, 3, 14), publishOfSize(other, 300, 15), publishOfSize(topic, 213, 16)], 1],
  ];
  const burst: Uint8Array[] = [];
  const burstTopics = [topic, other, utf8Bytes("bs/1/dev-07/dn/aux"), utf8Bytes("m/1")];
  for (let i = 0; i < 200; i++) {
    const t = burstTopics[i % 7 === 3 ? 2 : i % 11 === 5 ? 3 : i & 1];
    burst.push(numberedPublish(t, i % 5 === 0 ? 3 + (i % 17) : 8, 1000 + i, i % 13 === 6 ? 1 : 0));
  }
  let tail = 0;
  let burstMoved = 0;
  for (let i = burst.length - 1; i > 0; i--) if ((tail += burst[i].length) <= MOVE_REST_MAX) burstMoved++;
  check.ok(burstMoved > 5 && burstMoved < 150, `the burst ends with ${burstMoved} packets in its last ${MOVE_REST_MAX} bytes`);
  cases.push(["a burst of 200 packets (QoS 0 and 1, four topics, repeats among them)", burst, burstMoved]);
  const ref = new MqttDecoder(8192);
  for (const [name, packets, wantMoved] of cases) {
    const d = new MqttDecoder(8192);
    d.watchTopic(1, topic, 0, topic.length);
    ref.watchTopic(1, topic, 0, topic.length);
    const all = concatBytes(...packets);
    check.is(d.push(all, 0, all.length), all.length, `${name}: one push takes every byte`);
    // where each packet lies when next() returns it, from the sizes alone: at 0 when the bytes
    // from it to the end (the rest after the previous packet) are at most MOVE_REST_MAX
    const wantOffs: number[] = [];
    let moved = 0;
    for (let i = 0, pos = 0; i < packets.length; i++) {
      let rest = 0;
      for (let k = i; k < packets.length; k++) rest += packets[k].length;
      const off = i > 0 && rest <= MOVE_REST_MAX ? 0 : pos;
      if (i > 0 && off === 0) moved++;
      wantOffs.push(off);
      pos = off + packets[i].length;
    }
    check.is(moved, wantMoved, `${name}: ${wantMoved} packets come after a rest moved to the front`);
    let bad = 0;
    let parsed = 0;
    for (let i = 0; i < packets.length; i++) {
      const rest = d.filled - d.readOff;
      const t = d.next();
      const wantOff = wantOffs[i];
      ref.reset();
      ref.push(packets[i], 0, packets[i].length);
      ref.next();
      const pkt = packets[i];
      const ok = t === PacketType.Publish && d.packetOff === wantOff && publishFields(d) === publishFields(ref) &&
        bytesAt(d.buf, d.packetOff, pkt) && bytesAt(d.buf, d.payloadOff, pkt.subarray(ref.payloadOff));
      if (ok) parsed++;
      else if (bad++ < 3) check.is(`${t}@${d.packetOff}:${publishFields(d)}`, `${PacketType.Publish}@${wantOff}:${publishFields(ref)}`, `${name}: packet ${i} (rest ${rest} bytes before it)`);
    }
    check.is(parsed, packets.length, `${name}: every packet in order, where moveRestToFront puts it, with its bytes`);
    check.is(d.next(), NEED_MORE, `${name}: nothing left`);
    check.is(d.filled - d.readOff, 0, `${name}: every byte consumed`);
  }
  check.is(publishOfSize(topic, MOVE_REST_MAX, 0).length, MOVE_REST_MAX, "publishOfSize makes packets of the size asked");
}

// ---------------------------------------------------------------- 2. push() of ranges

function sameRange(d: MqttDecoder, at: number, src: Uint8Array, off: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (d.buf[at + k] !== src[off + k]) return false;
  return true;
}

function pushRanges(check: Check): void {
  const r = new Prng(0x9e5);
  const a = r.bytes(700);
  const b = a.slice(); // same bytes, another array
  const d = new MqttDecoder(1000);
  let bad = 0;
  let pushes = 0;
  const one = (src: Uint8Array, off: number, len: number, append: boolean) => {
    if (!append) d.reset();
    const at = d.filled;
    const n = d.push(src, off, len);
    const want = Math.min(len, d.buf.length - at);
    if (n !== want || d.filled !== at + n || !sameRange(d, at, src, off, n)) bad++;
    pushes++;
  };
  const ranges: Array<[Uint8Array, number, number]> = [
    [a, 5, 100],
    [a, 200, 50],
    [a, 333, 9],
    [b, 5, 100],
  ];
  // stable, with the content changing under the cached view
  for (let i = 0; i < 40; i++) {
    a[5 + (i % 100)] ^= 0x5a;
    one(a, 5, 100, false);
  }
  // alternating, rotating over 3 and 4 ranges (past the miss limit), same range of another array
  for (const period of [2, 3, 4]) {
    for (let i = 0; i < 80; i++) {
      const [src, off, len] = ranges[i % period];
      src[off] ^= 1;
      one(src, off, len, false);
    }
  }
  // AABB: a layout seen twice in a row after the miss limit gets a view again
  for (let i = 0; i < 80; i++) {
    const [src, off, len] = ranges[(i >> 1) % 3];
    src[off + len - 1] ^= 0xff;
    one(src, off, len, false);
  }
  // appends after buffered bytes, and random ranges (short, whole, long)
  for (let i = 0; i < 400; i++) {
    const src = r.chance(0.5) ? a : b;
    const whole = r.chance(0.1);
    const off = whole ? 0 : r.int(0, src.length);
    const len = whole ? src.length : r.int(0, Math.min(src.length - off, 120));
    one(src, off, len, r.chance(0.4) && d.filled < 800);
  }
  // a push cut short by a full buffer
  const small = new MqttDecoder(20);
  const n = small.push(a, 10, 40);
  if (n !== small.buf.length || !sameRange(small, 0, a, 10, n)) bad++;
  for (let i = 0; i < 3; i++) {
    small.reset();
    if (small.push(a, 10, 40) !== 25 || !sameRange(small, 0, a, 10, 25)) bad++;
  }
  check.ok(pushes > 700, `push ranges: ${pushes} pushes`);
  check.is(bad, 0, "push ranges: every push copies exactly its range, wherever it lands");
  // The decoder still parses what it was given through the cache.
  const pkt = publishPacket(utf8Bytes("bs/1/dev1/dn/mot"), 1);
  const host = new Uint8Array(pkt.length + 20);
  host.set(pkt, 7);
  for (let i = 0; i < 3; i++) {
    d.reset();
    check.is(d.push(host, 7, pkt.length), pkt.length, `push of a packet range ${i}`);
    check.is(d.next(), PacketType.Publish, `packet range ${i} decodes`);
    check.is(d.packetId, 77, `packet range ${i}: packet id`);
  }
}

// ---------------------------------------------------------------- 3. copyEntry views

const copySpecs: ChannelSpec[] = [
  { id: 0, kind: ChannelKind.Sensor, elementType: ElementType.F32, count: 16, rateHz: 100 },
  { id: 1, kind: ChannelKind.Sensor, elementType: ElementType.I16, count: 8, rateHz: 100 },
  { id: 2, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 3, rateHz: 100 }, // below the view threshold
];

function copyViews(check: Check): void {
  const table = new ChannelTable(copySpecs);
  const f32 = new Float32Array(16);
  const i16 = new Int16Array(8);
  const u8 = new Uint8Array(3);
  const inputs = [byteView(f32), byteView(i16), u8];
  const forward = new FrameEntries(table, ChannelKind.Sensor);
  const backward = new FrameEntries(table, ChannelKind.Sensor);
  for (let i = 0; i < 3; i++) forward.add(i, inputs[i]);
  for (let i = 2; i >= 0; i--) backward.add(i, inputs[i]);
  const max = sensorFrameMaxBytes(table);
  const rx = [new Uint8Array(max + 64), new Uint8Array(max + 64)];
  const frame = new SensorFrame(table.size, max);
  const plain = new SensorFrame(table.size, max);
  plain.cacheViews = false;
  const outs = [new Uint8Array(64), new Uint8Array(16), new Uint8Array(3)];
  const plainOuts = [new Uint8Array(64), new Uint8Array(16), new Uint8Array(3)];
  const r = new Prng(0xc0b1e5);
  let bad = 0;
  let frames = 0;
  const one = (buf: Uint8Array, off: number, entries: FrameEntries) => {
    for (let k = 0; k < 16; k++) f32[k] = r.float() * 1000 - 500;
    for (let k = 0; k < 8; k++) i16[k] = r.int(-32768, 32767);
    for (let k = 0; k < 3; k++) u8[k] = r.int(0, 255);
    const end = encodeSensorFrame(buf, off, frames, 9, entries);
    if (end < 0) {
      bad++;
      return;
    }
    const n = frame.decode(buf, off, end - off, table);
    const n2 = plain.decode(buf, off, end - off, table);
    if (n !== 3 || n2 !== 3) {
      bad++;
      return;
    }
    for (let i = 0; i < n; i++) {
      const ti = frame.tableIndex[i];
      const c = copyEntry(frame, i, outs[ti]);
      const c2 = copyEntry(plain, i, plainOuts[ti]);
      const want = inputs[ti];
      if (c !== want.length || c2 !== want.length) bad++;
      for (let k = 0; k < want.length; k++) if (outs[ti][k] !== want[k] || plainOuts[ti][k] !== want[k]) bad++;
    }
    frames++;
  };
  for (let i = 0; i < 30; i++) one(rx[0], 0, forward); // stable
  for (let i = 0; i < 60; i++) one(rx[0], i & 1 ? 0 : 13, forward); // alternating offsets
  for (let i = 0; i < 60; i++) one(rx[i % 2], 5, forward); // two buffers, same offset
  for (let i = 0; i < 60; i++) one(rx[0], 3, i % 3 === 0 ? backward : forward); // entry order changes
  for (let i = 0; i < 90; i++) one(rx[i % 2], [0, 7, 21][i % 3], forward); // rotating past the miss limit
  for (let i = 0; i < 90; i++) one(rx[0], [0, 7, 21][(i >> 1) % 3], forward); // AABB after the limit
  for (let i = 0; i < 200; i++) one(rx[r.int(0, 1)], r.int(0, 60), r.chance(0.5) ? forward : backward); // random
  for (let i = 0; i < 30; i++) one(rx[1], 40, backward); // stable again
  for (let i = 0; i < 60; i++) one(rx[1], i % 7 === 6 ? 41 : 40, backward); // one-off shifts
  check.is(frames, 680, "copy views: every frame decoded");
  check.is(bad, 0, "copy views: copyEntry copies the right bytes through cached views, as without them");
  // Errors are unchanged.
  check.is(copyEntry(frame, 3, outs[0]), Err.ValueRange, "copyEntry past the count");
  check.is(copyEntry(frame, frame.tableIndex.indexOf(0), new Uint8Array(63)), Err.BufferTooSmall, "copyEntry into a short array");
  // A warm entry's cached copy remembers the destination it checked: another one is checked again.
  const i0 = frame.tableIndex.indexOf(0);
  check.is(copyEntry(frame, i0, outs[0]), 64, "copyEntry warm");
  check.is(copyEntry(frame, i0, outs[0]), 64, "copyEntry warm, again");
  check.is(copyEntry(frame, i0, new Uint8Array(63)), Err.BufferTooSmall, "copyEntry warm, into a short array");
  const other = new Uint8Array(80);
  check.is(copyEntry(frame, i0, other), 64, "copyEntry warm, into a longer array");
  check.bytes(other.subarray(0, 64), outs[0], "copyEntry warm, into a longer array: the bytes");
  check.is(copyEntry(frame, i0, outs[2]), Err.BufferTooSmall, "copyEntry warm, into the 3-byte array after a hit with another");
}

// ---------------------------------------------------------------- 4. fast path on a big table

function bigTableSpecs(): ChannelSpec[] {
  const types = [ElementType.U8, ElementType.I8, ElementType.U16, ElementType.I16, ElementType.U32, ElementType.I32, ElementType.F32, ElementType.F64];
  const specs: ChannelSpec[] = [];
  for (let i = 0; i < 40; i++) {
    // ids 0..19, then 30, 36, ... 234 (two-byte ids); every 5th channel is a motor channel
    specs.push({ id: i < 20 ? i : 30 + (i - 20) * 6 + (i & 1), kind: i % 5 === 4 ? ChannelKind.Motor : ChannelKind.Sensor, elementType: types[i % 8], count: 1 + (i % 4), rateHz: 0 });
  }
  return specs;
}

function head(out: number[], major: number, v: number): void {
  if (v < 24) out.push((major << 5) | v);
  else if (v < 0x100) out.push((major << 5) | 24, v);
  else out.push((major << 5) | 25, v >>> 8, v & 0xff);
}

function summary(f: SensorFrame, result: number): string {
  if (result <= 0) return String(result);
  let s = `${result}:${f.seq}:${f.time}`;
  for (let e = 0; e < result; e++) s += `|${f.channelId[e]},${f.tableIndex[e]},${f.elementType[e]},${f.payloadOff[e]},${f.byteLen[e]}`;
  return s;
}

function bigTable(check: Check): void {
  const specs = bigTableSpecs();
  const table = new ChannelTable(specs);
  const sensors = specs.filter((s) => s.kind === ChannelKind.Sensor);
  const fast = new SensorFrame(table.size, 4096);
  const slow = new SensorFrame(table.size, 4096);
  slow.fastPath = false;
  const r = new Prng(0xb16);
  let disagree = 0;
  let accepted = 0;
  let repeatsHigh = 0;
  for (let i = 0; i < 3000; i++) {
    const n = r.int(1, 8);
    const picks: ChannelSpec[] = [];
    for (let k = 0; k < n; k++) picks.push(r.chance(0.05) ? r.pick(specs) : r.pick(sensors));
    if (r.chance(0.3)) picks.push(r.pick(picks)); // a repeated channel
    const bytes: number[] = [];
    head(bytes, 4, 2 + 2 * picks.length);
    head(bytes, 0, i);
    head(bytes, 0, r.int(0, 70000) & 0xffff);
    let highRepeat = false;
    let clean = true; // only sensor channels with the right types and lengths
    for (let k = 0; k < picks.length; k++) {
      const s = picks[k];
      if (s.kind !== ChannelKind.Sensor) clean = false;
      if (picks.indexOf(s) < k && table.indexOf(s.id) > 30) highRepeat = true;
      head(bytes, 0, s.id);
      let et: number = s.elementType;
      if (r.chance(0.05)) {
        et = r.int(60, 100); // a wrong or unknown tag
        if (et !== s.elementType) clean = false;
      }
      if (et !== ElementType.U8 || r.chance(0.2)) bytes.push(0xd8, et);
      let len = s.count * elementBytes(s.elementType);
      if (r.chance(0.05)) {
        len += r.chance(0.5) ? 1 : -1;
        clean = false;
      }
      head(bytes, 2, Math.max(0, len));
      for (let b = 0; b < len; b++) bytes.push(r.int(0, 255));
    }
    const buf = new Uint8Array(bytes);
    const a = fast.decode(buf, 0, buf.length, table);
    const b = slow.decode(buf, 0, buf.length, table);
    if (summary(fast, a) !== summary(slow, b)) disagree++;
    if (a > 0) accepted++;
    if (highRepeat && clean) {
      repeatsHigh++;
      if (a !== Err.FrameChannel) disagree++; // the repeat is the only fault
    }
  }
  check.is(disagree, 0, "big table: the fast path and the general path agree on 3,000 frames");
  check.ok(accepted > 500, `big table: valid frames come up (${accepted})`);
  check.ok(repeatsHigh > 50, `big table: repeats of channels at table index > 30 come up (${repeatsHigh})`);
}

export function run(check: Check): void {
  topicCache(check);
  watchedTopics(check);
  publishRepeats(check);
  alternateRepeats(check);
  alternateForgotten(check);
  restToFront(check);
  pushRanges(check);
  copyViews(check);
  bigTable(check);
}

// ---------------------------------------------------------------- hot operations for XS metering

const hotTable = new ChannelTable(copySpecs.slice(0, 2));
const hotEntries = new FrameEntries(hotTable, ChannelKind.Sensor);
hotEntries.add(0, byteView(new Float32Array(16)));
hotEntries.add(1, byteView(new Int16Array(8)));
const hotRx = new Uint8Array(256);
const hotOuts = [new Uint8Array(64), new Uint8Array(16)];
const hotPkt = publishPacket(utf8Bytes("bs/1/dev1/dn/mot"), 0);
const hotPkt2 = publishPacket(utf8Bytes("bs/1/dev1/ctl/dn"), 0);

function hotCopy(frame: SensorFrame, off: number): number {
  // Frames at different offsets overlap in hotRx: write the one wanted before decoding it.
  const end = encodeSensorFrame(hotRx, off, 1, 2, hotEntries);
  const n = frame.decode(hotRx, off, end - off, hotTable);
  let sum = n;
  for (let i = 0; i < n; i++) sum += copyEntry(frame, i, hotOuts[frame.tableIndex[i]]);
  return sum;
}

interface HotState {
  frame: SensorFrame;
  thrash: SensorFrame;
  step: number;
  decoder: MqttDecoder;
}

const hs: HotState = {
  frame: new SensorFrame(2, 256),
  thrash: new SensorFrame(2, 256),
  step: 0,
  decoder: new MqttDecoder(400),
};

export const hot = {
  /** The same frame layout every time: the views hit. */
  copyStable: (): number => hotCopy(hs.frame, 0),
  /** A steady layout with a one-off shift every 10th frame (loop copy, no view). */
  copyOneOff: (): number => {
    hs.step = (hs.step + 1) % 10;
    return hotCopy(hs.frame, hs.step === 9 ? 3 : 0);
  },
  /** Three layouts in rotation: views while cold, then loop copies and no views. */
  copyThrash: (): number => {
    hs.step = (hs.step + 1) % 3;
    return hotCopy(hs.thrash, 40 * hs.step);
  },
  /** Two layouts alternating: the same, with a hit every other frame once views stop changing. */
  copyAlternate: (): number => {
    hs.step = hs.step === 0 ? 1 : 0;
    return hotCopy(hs.thrash, 40 * hs.step);
  },
  /** A fresh FrameView for copyThrash / copyAlternate (to measure their first, cold misses). */
  resetThrash: (): number => {
    hs.thrash = new SensorFrame(2, 256);
    hs.step = 0;
    return 0;
  },
  /** One subarray view of a payload's size: the unit of copyEntry's allocation. */
  makeView: (): number => hotRx.subarray(1, 65).length,
  /** Two topics alternating: every PUBLISH misses the topic cache and refills it. */
  topicAlternating: (): number => {
    const d = hs.decoder;
    hs.step ^= 1;
    const p = hs.step === 0 ? hotPkt : hotPkt2;
    d.push(p, 0, p.length);
    return d.next();
  },
  /** The same topic every time: the check is skipped. */
  topicStable: (): number => {
    const d = hs.decoder;
    d.push(hotPkt, 0, hotPkt.length);
    return d.next();
  },
};
