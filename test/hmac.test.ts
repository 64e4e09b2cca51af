/*
 * HMAC-SHA256 and SHA-256: the shared vector suite on V8 and on XS, a seeded random
 * differential test against node:crypto (V8 only), and finishAndCompare and matchesTag on the
 * node:crypto engine (hosts/node/native-hmac.ts) from the suite's table.
 */
import test from "ava";
import { createHash, createHmac } from "node:crypto";
import { testOnV8AndXs } from "./helpers/both-engines";
import { withXsWorker } from "./helpers/xs";
import { Prng } from "../testkit/prng";
import { checkFinishAndCompare, checkMatchesTag, run } from "./vectors/hmac.suite";
import { runSuite } from "./helpers/suite";
import { NodeHmacSha256 } from "../hosts/node/native-hmac";
import { Sha256 } from "../src/codec/crypto/sha256";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";

testOnV8AndXs("hmac suite", run, "test/vectors/hmac.suite.ts", 1);

test("finishAndCompare on the node:crypto engine: RFC 4231 tags, every bit of 16 and 32 bytes, ranges", (t) => {
  const result = runSuite((check) => checkFinishAndCompare(new NodeHmacSha256(), check, "node"));
  t.deepEqual(result.failures, []);
  t.true(result.passed >= 40, `only ${result.passed} checks`);
});

test("matchesTag on the node:crypto engine: RFC 4231 messages split in two, bits off, ranges", (t) => {
  const result = runSuite((check) => checkMatchesTag(new NodeHmacSha256(), check, "node"));
  t.deepEqual(result.failures, []);
  t.true(result.passed >= 60, `only ${result.passed} checks`);
});

/** Feeds msg through update() in random chunks, some empty. */
function feed(update: (src: Uint8Array, off: number, len: number) => void, msg: Uint8Array, rng: Prng): void {
  let off = 0;
  while (off < msg.length) {
    const n = rng.chance(0.15) ? 0 : rng.int(1, msg.length - off);
    update(msg, off, n);
    off += n;
  }
  if (rng.chance(0.3)) update(msg, msg.length, 0);
}

test("HMAC-SHA256 and SHA-256 match node:crypto on 2,500 random keys, messages and chunkings", (t) => {
  const rng = new Prng(20240601);
  const hmac = new SoftHmacSha256(); // one engine for all cases: re-keying must be clean
  const sha = new Sha256();
  const out = new Uint8Array(32);
  let longKeys = 0;
  let mismatches = 0;
  const CASES = 2500;
  for (let i = 0; i < CASES; i++) {
    const key = rng.bytes(rng.int(0, 300));
    const msg = rng.bytes(rng.int(0, 300));
    if (key.length > 64) longKeys++;

    hmac.setKey(key, 0, key.length);
    // Sometimes run a throwaway message first: begin() must discard it.
    if (rng.chance(0.2)) {
      hmac.begin();
      hmac.update(msg, 0, msg.length >> 1);
    }
    hmac.begin();
    feed((s, o, n) => hmac.update(s, o, n), msg, rng);
    hmac.finish(out, 0);
    const want = createHmac("sha256", key).update(msg).digest();
    if (!Buffer.from(out).equals(want)) {
      mismatches++;
      if (mismatches <= 3) t.log(`HMAC mismatch: key=${Buffer.from(key).toString("hex")} msg=${Buffer.from(msg).toString("hex")}`);
    }

    feed((s, o, n) => sha.update(s, o, n), msg, rng);
    sha.finish(out, 0);
    if (!Buffer.from(out).equals(createHash("sha256").update(msg).digest())) {
      mismatches++;
      if (mismatches <= 3) t.log(`SHA-256 mismatch: msg=${Buffer.from(msg).toString("hex")}`);
    }
  }
  t.is(mismatches, 0);
  t.true(longKeys > 500, `only ${longKeys} keys longer than one block`);
});

test("HMAC-SHA256 over long messages (up to 20 kB) matches node:crypto", (t) => {
  const rng = new Prng(7);
  const hmac = new SoftHmacSha256();
  const out = new Uint8Array(32);
  for (let i = 0; i < 40; i++) {
    const key = rng.bytes(rng.pick([0, 1, 32, 63, 64, 65, 200]));
    const msg = rng.bytes(rng.int(0, 20000));
    hmac.setKey(key, 0, key.length);
    hmac.begin();
    feed((s, o, n) => hmac.update(s, o, n), msg, rng);
    hmac.finish(out, 0);
    t.is(Buffer.from(out).toString("hex"), createHmac("sha256", key).update(msg).digest("hex"));
  }
});

test("HMAC begin/update/finish and SHA-256 update/finish allocate nothing on XS", async (t) => {
  await withXsWorker(async (w) => {
    t.true(w.hasMemoryStats, "metered xsnap worker missing: run npm run build:xs");
    await w.evaluateBundle("src/codec/crypto/hmac.ts", "hmac");
    await w.evaluateBundle("src/codec/crypto/sha256.ts", "sha");
    await w.evaluate(`
      globalThis.h = new hmac.SoftHmacSha256();
      globalThis.s = new sha.Sha256();
      globalThis.key = new Uint8Array(100).fill(7);
      globalThis.msg = new Uint8Array(300).fill(9);
      globalThis.tag = new Uint8Array(32);
      h.setKey(key, 0, key.length);
    `);
    const mac = await w.measureAlloc("() => { h.begin(); h.update(msg, 0, 100); h.update(msg, 100, 200); h.finish(tag, 0); }", 2000);
    t.deepEqual(mac && [mac.slots, mac.chunkBytes], [0, 0]);
    const digest = await w.measureAlloc("() => { s.update(msg, 3, 297); s.finish(tag, 0); }", 2000);
    t.deepEqual(digest && [digest.slots, digest.chunkBytes], [0, 0]);
    // The meter does see allocation in this setting: the convenience helper allocates its result.
    const once = await w.measureAlloc("() => hmac.hmacSha256Once(h, key, msg)", 100);
    t.true(once!.bytes > 0);
  });
});
