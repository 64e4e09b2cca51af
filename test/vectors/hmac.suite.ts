/*
 * hmac.suite: SHA-256 and HMAC-SHA256 known-answer vectors, run on V8 and on XS.
 *
 * Vectors: FIPS 180-4 examples (NIST CSRC "SHA256.pdf" example values: "abc", the 448-bit and
 * 896-bit messages, one million 'a') plus the empty message; RFC 4231 §4.2-4.8 test cases 1-7
 * (case 5 truncated to 128 bits). Every vector is also hashed in seeded random chunkings to
 * exercise the streaming path, and engines are reused across messages to check that
 * finish() resets and setKey() re-keys cleanly. finishAndCompare is checked on every RFC 4231
 * tag (checkFinishAndCompare), and matchesTag on every RFC 4231 message split in two
 * (checkMatchesTag); test/hmac.test.ts runs both on the node:crypto engine too.
 */
import type { Check } from "../helpers/suite";
import { Prng } from "../../testkit/prng";
import { Sha256, sha256Once } from "../../src/codec/crypto/sha256";
import { SoftHmacSha256, hmacSha256Once, type HmacSha256 } from "../../src/codec/crypto/hmac";
import { fromHex, utf8Bytes } from "../../src/codec/bytes";

function filled(n: number, byte: number): Uint8Array {
  const a = new Uint8Array(n);
  a.fill(byte);
  return a;
}

function range(from: number, to: number): Uint8Array {
  const a = new Uint8Array(to - from + 1);
  for (let i = 0; i < a.length; i++) a[i] = from + i;
  return a;
}

// [name, message, SHA-256 hex]
const shaVectors: ReadonlyArray<readonly [string, Uint8Array, string]> = [
  ["empty", new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", utf8Bytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "448-bit",
    utf8Bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
  [
    "896-bit",
    utf8Bytes(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    ),
    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
  ],
];

const MILLION_A_SHA256 = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

// RFC 4231 §4: [case, key, data, HMAC-SHA-256 hex (case 5: first 128 bits only)]
export const hmacVectors: ReadonlyArray<readonly [string, Uint8Array, Uint8Array, string]> = [
  ["RFC 4231 case 1", filled(20, 0x0b), utf8Bytes("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  [
    "RFC 4231 case 2",
    utf8Bytes("Jefe"),
    utf8Bytes("what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  ],
  ["RFC 4231 case 3", filled(20, 0xaa), filled(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  ["RFC 4231 case 4", range(0x01, 0x19), filled(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
  ["RFC 4231 case 5 (truncated)", filled(20, 0x0c), utf8Bytes("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
  [
    "RFC 4231 case 6",
    filled(131, 0xaa),
    utf8Bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
  [
    "RFC 4231 case 7",
    filled(131, 0xaa),
    utf8Bytes(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  ],
];

/** Feeds msg to update() in random-sized chunks (including empty ones). */
function feedChunked(update: (src: Uint8Array, off: number, len: number) => void, msg: Uint8Array, rng: Prng): void {
  let off = 0;
  while (off < msg.length) {
    const n = rng.chance(0.1) ? 0 : rng.int(1, Math.min(msg.length - off, 70));
    update(msg, off, n);
    off += n;
  }
}

function truncated(tag: Uint8Array, hexLen: number): Uint8Array {
  return tag.subarray(0, hexLen / 2);
}

export function run(check: Check): void {
  const rng = new Prng(0x4231);
  const sha = new Sha256(); // reused across all messages: finish() must reset it
  const digest = new Uint8Array(40);

  for (const [name, msg, hex] of shaVectors) {
    check.bytes(sha256Once(msg), fromHex(hex), `SHA-256 ${name} one-shot`);
    for (let k = 0; k < 3; k++) {
      feedChunked((s, o, n) => sha.update(s, o, n), msg, rng);
      sha.finish(digest, 5); // at an offset: bytes outside [5, 37) must stay untouched
      check.bytes(digest.subarray(5, 37), fromHex(hex), `SHA-256 ${name} chunking ${k}`);
    }
  }
  check.is(digest[4] | digest[37] | digest[38] | digest[39], 0, "SHA-256 finish writes only 32 bytes");

  // Padding edge cases: lengths around the 55/56/64-byte boundaries, split at every point.
  const edge = range(0, 130);
  for (const len of [55, 56, 57, 63, 64, 65, 119, 120, 128]) {
    const whole = sha256Once(edge.subarray(0, len));
    let allSame = true;
    for (let split = 0; split <= len; split++) {
      sha.update(edge, 0, split);
      sha.update(edge, split, len - split);
      sha.finish(digest, 0);
      for (let i = 0; i < 32; i++) if (digest[i] !== whole[i]) allSame = false;
    }
    check.ok(allSame, `SHA-256 ${len} bytes: every two-part split gives the one-shot digest`);
  }

  // One million 'a' (FIPS 180-4 example), fed in 1000-byte pieces.
  const thousandA = filled(1000, 0x61);
  for (let i = 0; i < 1000; i++) sha.update(thousandA, 0, 1000);
  sha.finish(digest, 0);
  check.bytes(digest.subarray(0, 32), fromHex(MILLION_A_SHA256), "SHA-256 one million 'a'");

  const hmac = new SoftHmacSha256(); // reused: setKey must fully replace the previous key
  const tag = new Uint8Array(32);
  for (const [name, key, data, hex] of hmacVectors) {
    check.bytes(truncated(hmacSha256Once(hmac, key, data), hex.length), fromHex(hex), `${name} one-shot`);
    // The same key twice in a row: begin() must restart from the saved ipad state.
    for (let k = 0; k < 2; k++) {
      hmac.begin();
      feedChunked((s, o, n) => hmac.update(s, o, n), data, rng);
      hmac.finish(tag, 0);
      check.bytes(truncated(tag, hex.length), fromHex(hex), `${name} chunked, run ${k}`);
    }
    // Key given at an offset inside a larger array.
    const framed = new Uint8Array(key.length + 7);
    framed.fill(0xee);
    framed.set(key, 3);
    hmac.setKey(framed, 3, key.length);
    hmac.begin();
    hmac.update(data, 0, data.length);
    hmac.finish(tag, 0);
    check.bytes(truncated(tag, hex.length), fromHex(hex), `${name} key at offset`);
  }

  // Misuse is a programmer bug and throws; it must not silently produce a tag.
  let threw = false;
  try {
    new SoftHmacSha256().begin();
  } catch {
    threw = true;
  }
  check.ok(threw, "HMAC begin before setKey throws");
  threw = false;
  try {
    sha.update(edge, 100, 100);
  } catch {
    threw = true;
  }
  check.ok(threw, "SHA-256 update past the end of src throws");

  checkFinishAndCompare(new SoftHmacSha256(), check, "soft");
  checkMatchesTag(new SoftHmacSha256(), check, "soft");
}

function throws(fn: () => void): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof RangeError;
  }
  return false;
}

/**
 * finishAndCompare on engine h, from the RFC 4231 table: for compared lengths 0, 16 and 32
 * (case 5: up to 16), the tag itself is equal, one bit off at any position of the compared
 * range is unequal, a byte off past the range is still equal; the expected bytes sit at an
 * offset inside a larger array; after a compare the engine MACs the next message correctly;
 * ranges outside the array or over 32 bytes throw RangeError.
 */
export function checkFinishAndCompare(h: HmacSha256, check: Check, engine: string): void {
  const tag = new Uint8Array(32);
  for (const [name, key, data, hex] of hmacVectors) {
    const want = fromHex(hex);
    const compare = (expected: Uint8Array, off: number, len: number): boolean => {
      h.begin();
      h.update(data, 0, data.length);
      return h.finishAndCompare(expected, off, len);
    };
    h.setKey(key, 0, key.length);
    for (const len of [0, 16, 32]) {
      if (len > want.length) continue;
      const framed = new Uint8Array(want.length + 9);
      framed.fill(0x5a);
      framed.set(want, 5);
      check.ok(compare(framed, 5, len), `${engine} ${name}: compare ${len} bytes of the tag, equal`);
      let flipsSeen = 0;
      for (let bit = 0; bit < len * 8; bit++) {
        framed[5 + (bit >> 3)] ^= 0x80 >> (bit & 7);
        if (!compare(framed, 5, len)) flipsSeen++;
        framed[5 + (bit >> 3)] ^= 0x80 >> (bit & 7);
      }
      check.is(flipsSeen, len * 8, `${engine} ${name}: compare ${len} bytes, every one-bit change is unequal`);
      if (len < want.length) {
        framed[5 + len] ^= 1;
        check.ok(compare(framed, 5, len), `${engine} ${name}: compare ${len} bytes ignores byte ${len}`);
      }
    }
    h.begin();
    h.update(data, 0, data.length);
    h.finish(tag, 0);
    check.bytes(truncated(tag, hex.length), want, `${engine} ${name}: finish after compares`);
  }
  const twenty = new Uint8Array(20);
  h.begin();
  check.ok(throws(() => h.finishAndCompare(twenty, 8, 16)), `${engine}: compare past the end of expected throws RangeError`);
  h.begin();
  check.ok(throws(() => h.finishAndCompare(new Uint8Array(40), 0, 33)), `${engine}: compare of 33 bytes throws RangeError`);
  h.begin();
  check.ok(throws(() => h.finishAndCompare(twenty, -1, 4)), `${engine}: compare at a negative offset throws RangeError`);
}

/**
 * matchesTag on engine h, from the RFC 4231 table: each message split in two at the start, at
 * one byte, in the middle and at the end, the parts at offsets inside larger arrays; the tag
 * (all of it, or its first 16 bytes) is equal, one bit off in the compared range is unequal;
 * finish afterwards gives the tag (matchesTag leaves the engine ready for the next message);
 * a range outside any of the three arrays, or over 32 bytes, throws RangeError.
 */
export function checkMatchesTag(h: HmacSha256, check: Check, engine: string): void {
  const tag = new Uint8Array(32);
  for (const [name, key, data, hex] of hmacVectors) {
    const want = fromHex(hex);
    h.setKey(key, 0, key.length);
    const expected = new Uint8Array(want.length + 6).fill(0x5a);
    expected.set(want, 2);
    for (const cut of [0, 1, data.length >> 1, data.length]) {
      const a = new Uint8Array(cut + 3).fill(0xee);
      a.set(data.subarray(0, cut), 3);
      const b = new Uint8Array(data.length - cut + 5).fill(0xee);
      b.set(data.subarray(cut), 1);
      const matches = (len: number): boolean => h.matchesTag(a, 3, cut, b, 1, data.length - cut, expected, 2, len);
      check.ok(matches(want.length), `${engine} ${name}: split at ${cut}, the tag matches`);
      if (want.length > 16) check.ok(matches(16), `${engine} ${name}: split at ${cut}, its first 16 bytes match`);
      let unequal = 0;
      for (let bit = 0; bit < want.length * 8; bit += 7) {
        expected[2 + (bit >> 3)] ^= 0x80 >> (bit & 7);
        if (!matches(want.length)) unequal++;
        expected[2 + (bit >> 3)] ^= 0x80 >> (bit & 7);
      }
      check.is(unequal, Math.ceil((want.length * 8) / 7), `${engine} ${name}: split at ${cut}, one bit off does not match`);
    }
    h.begin();
    h.update(data, 0, data.length);
    h.finish(tag, 0);
    check.bytes(truncated(tag, hex.length), want, `${engine} ${name}: finish after matchesTag`);
  }
  const four = new Uint8Array(4);
  const tag40 = new Uint8Array(40);
  check.ok(throws(() => h.matchesTag(four, 2, 3, four, 0, 0, tag40, 0, 16)), `${engine}: matchesTag with a past the end throws RangeError`);
  check.ok(throws(() => h.matchesTag(four, 0, 0, four, -1, 1, tag40, 0, 16)), `${engine}: matchesTag with b at a negative offset throws RangeError`);
  check.ok(throws(() => h.matchesTag(four, 0, 0, four, 0, 0, tag40, 30, 16)), `${engine}: matchesTag with expected past the end throws RangeError`);
  check.ok(throws(() => h.matchesTag(four, 0, 0, four, 0, 0, tag40, 0, 33)), `${engine}: matchesTag over 33 bytes throws RangeError`);
}
