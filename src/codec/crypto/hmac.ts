/*
 * hmac: HMAC-SHA256 (RFC 2104, FIPS 198-1) in plain TypeScript, with no allocation per message.
 *
 * Theory of operation: HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), where K0 is the
 * key padded with zeros to the 64-byte block, or H(K) padded when K is longer than a block
 * (RFC 2104 §2). Both prefixes are exactly one block, so `setKey` hashes them once and saves
 * the two intermediate SHA-256 states; `begin` just reloads the inner state, `update` feeds
 * the message and `finish` runs the outer hash from its saved state over the inner digest.
 * A per-message MAC therefore costs the message's blocks plus two compressions.
 * `finishAndCompare` ends a message like `finish` but, instead of handing out the tag, compares
 * its first len bytes with the expected bytes in constant time, so that a verifier with a
 * native engine does no per-byte work in the script engine (and a tag under check never leaves
 * the engine); `matchesTag` is a whole message of two parts and its check in one call.
 * `HmacSha256` is the seam: a host may supply a native implementation (e.g. a
 * Moddable crypto module) behind the same calls; `SoftHmacSha256` is the portable default.
 */
import { Sha256, SHA256_BLOCK_BYTES, SHA256_DIGEST_BYTES } from "./sha256";

/** Bytes in an HMAC-SHA256 tag. */
export const HMAC_SHA256_BYTES = SHA256_DIGEST_BYTES;

/** A keyed HMAC-SHA256 engine: setKey once, then begin, update (any number of times), finish per message. */
export interface HmacSha256 {
  /** Sets the key to key[off..off+len). Any length; keys over 64 bytes are hashed (RFC 2104 §2). */
  setKey(key: Uint8Array, off: number, len: number): void;
  /** Starts a new message under the current key. */
  begin(): void;
  /** Feeds src[off..off+len) into the current message. */
  update(src: Uint8Array, off: number, len: number): void;
  /** Writes the 32-byte tag at dst[off..off+32). The engine then needs `begin` again. */
  finish(dst: Uint8Array, off: number): void;
  /**
   * Ends the message like `finish` and tells whether the first len bytes of its tag equal
   * expected[off..off+len), compared in time independent of where they differ. len is 0..32;
   * a range outside expected throws RangeError. The engine then needs `begin` again.
   */
  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean;
  /**
   * One whole message in one call: begin, update(a[aOff..aOff+aLen)), update(b[bOff..bOff+bLen)),
   * finishAndCompare(expected, expectedOff, expectedLen). Where each call crosses into native
   * code (an XS host class) one call costs a quarter of four. Throws like those calls.
   */
  matchesTag(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean;
}

/** HmacSha256.matchesTag through the engine's other calls, for engines with nothing faster. */
export function matchesTagInSteps(h: HmacSha256, a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean {
  h.begin();
  h.update(a, aOff, aLen);
  h.update(b, bOff, bLen);
  return h.finishAndCompare(expected, expectedOff, expectedLen);
}

/** Throws RangeError unless expected[off..off+len) is inside expected and len is at most a tag. */
export function checkCompareRange(expected: Uint8Array, off: number, len: number): void {
  if (off < 0 || len < 0 || len > HMAC_SHA256_BYTES || off + len > expected.length) throw new RangeError("HMAC finishAndCompare: range outside expected");
}

const IPAD = 0x36; // RFC 2104 §2
const OPAD = 0x5c;

/** Portable HMAC-SHA256. Throws only on programmer bugs (begin before setKey, bad ranges). */
export class SoftHmacSha256 implements HmacSha256 {
  private readonly inner = new Sha256();
  private readonly outer = new Sha256();
  /** SHA-256 state after the (K0 ^ ipad) block, then after the (K0 ^ opad) block. */
  private readonly padStates = new Int32Array(16);
  private readonly pad = new Uint8Array(SHA256_BLOCK_BYTES);
  private readonly innerDigest = new Uint8Array(SHA256_DIGEST_BYTES);
  /** The tag under check in finishAndCompare. */
  private readonly tag = new Uint8Array(HMAC_SHA256_BYTES);
  private keyed = false;

  setKey(key: Uint8Array, off: number, len: number): void {
    if (off < 0 || len < 0 || off + len > key.length) throw new RangeError("HMAC setKey: range outside key");
    const pad = this.pad;
    let n = len;
    if (len > SHA256_BLOCK_BYTES) {
      // RFC 2104 §2: keys longer than B bytes are first hashed with H.
      this.inner.reset();
      this.inner.update(key, off, len);
      this.inner.finish(pad, 0);
      n = SHA256_DIGEST_BYTES;
    } else {
      for (let i = 0; i < len; i++) pad[i] = key[off + i];
    }
    for (let i = n; i < SHA256_BLOCK_BYTES; i++) pad[i] = 0;
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] ^= IPAD;
    this.inner.reset();
    this.inner.update(pad, 0, SHA256_BLOCK_BYTES);
    this.inner.saveState(this.padStates, 0);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] ^= IPAD ^ OPAD;
    this.outer.reset();
    this.outer.update(pad, 0, SHA256_BLOCK_BYTES);
    this.outer.saveState(this.padStates, 8);
    // Do not leave key material lying around in the scratch block.
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = 0;
    this.keyed = true;
  }

  begin(): void {
    if (!this.keyed) throw new Error("HMAC begin: setKey first");
    this.inner.loadState(this.padStates, 0, SHA256_BLOCK_BYTES);
  }

  update(src: Uint8Array, off: number, len: number): void {
    this.inner.update(src, off, len);
  }

  finish(dst: Uint8Array, off: number): void {
    if (off < 0 || off + HMAC_SHA256_BYTES > dst.length) throw new RangeError("HMAC finish: dst too small");
    this.inner.finish(this.innerDigest, 0);
    this.outer.loadState(this.padStates, 8, SHA256_BLOCK_BYTES);
    this.outer.update(this.innerDigest, 0, SHA256_DIGEST_BYTES);
    this.outer.finish(dst, off);
  }

  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean {
    checkCompareRange(expected, off, len);
    const tag = this.tag;
    this.finish(tag, 0);
    let diff = 0;
    for (let i = 0; i < len; i++) diff |= tag[i] ^ expected[off + i];
    return diff === 0;
  }

  matchesTag(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean {
    return matchesTagInSteps(this, a, aOff, aLen, b, bOff, bLen, expected, expectedOff, expectedLen);
  }
}

/** HMAC-SHA256(key, msg) in a new 32-byte array, using engine h. Allocates: setup and tests only. */
export function hmacSha256Once(h: HmacSha256, key: Uint8Array, msg: Uint8Array): Uint8Array {
  h.setKey(key, 0, key.length);
  h.begin();
  h.update(msg, 0, msg.length);
  const out = new Uint8Array(HMAC_SHA256_BYTES);
  h.finish(out, 0);
  return out;
}
