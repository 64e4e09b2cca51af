/*
 * sha256: streaming SHA-256 (FIPS 180-4) over typed arrays, with no allocation per call.
 *
 * Theory of operation: the hash state H0..H7 (FIPS 180-4 §5.3.3), a 64-byte block buffer and
 * the 64-word message schedule W (§6.2.2 step 1) are preallocated in the instance. `update`
 * first tops up a partly filled block buffer, then compresses whole 64-byte blocks straight
 * out of the caller's array (no copy), and keeps the tail for later. `finish` appends the
 * padding of §5.1.1 (0x80, zeros, the 64-bit big-endian bit length), writes the 32-byte
 * digest and resets the instance, so it is ready for the next message.
 * 32-bit words live in Int32Array / plain locals and are kept in int32 range with `| 0`,
 * which both V8 and XS run without boxing.
 * `saveState`/`loadState` let HMAC (hmac.ts) precompute the state after its ipad/opad blocks.
 */

/** Bytes in one SHA-256 block (FIPS 180-4 §1, block size 512 bits). */
export const SHA256_BLOCK_BYTES = 64;
/** Bytes in a SHA-256 digest (256 bits). */
export const SHA256_DIGEST_BYTES = 32;

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
// 64 primes. Read-only; frozen so that it is safe as module-level state. The rounds read an
// Int32Array copy per instance instead: V8 reads frozen arrays' elements slowly (about 2x
// the whole compression on Node 20); XS runs both at the same speed.
const K: readonly number[] = Object.freeze(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ].map((v) => v | 0),
);

/** Streaming SHA-256. One instance hashes one message at a time; reuse it after `finish`. */
export class Sha256 {
  /** H0..H7, FIPS 180-4 §6.2. */
  private readonly h = new Int32Array(8);
  /** Message schedule W0..W63, §6.2.2. */
  private readonly w = new Int32Array(64);
  /** The round constants K (§4.2.2) as int32: a typed array reads as an untagged int on V8 and XS. */
  private readonly k = Int32Array.from(K);
  /** Pending bytes of the current, not yet full block. */
  private readonly block = new Uint8Array(SHA256_BLOCK_BYTES);
  private blockLen = 0;
  /** Message bytes hashed so far (exact up to 2^53). */
  private totalBytes = 0;

  constructor() {
    this.reset();
  }

  /** Starts a new message (FIPS 180-4 §5.3.3 initial hash value). */
  reset(): void {
    const h = this.h;
    h[0] = 0x6a09e667;
    h[1] = 0xbb67ae85 | 0;
    h[2] = 0x3c6ef372;
    h[3] = 0xa54ff53a | 0;
    h[4] = 0x510e527f;
    h[5] = 0x9b05688c | 0;
    h[6] = 0x1f83d9ab;
    h[7] = 0x5be0cd19;
    this.blockLen = 0;
    this.totalBytes = 0;
  }

  /**
   * Hashes src[off..off+len). Any chunking gives the same digest.
   * Throws RangeError when the range is outside src (a programmer bug).
   */
  update(src: Uint8Array, off: number, len: number): void {
    if (off < 0 || len < 0 || off + len > src.length) throw new RangeError("Sha256.update: range outside src");
    this.totalBytes += len;
    const end = off + len;
    const block = this.block;
    if (this.blockLen > 0) {
      let n = SHA256_BLOCK_BYTES - this.blockLen;
      if (n > len) n = len;
      for (let i = 0; i < n; i++) block[this.blockLen + i] = src[off + i];
      this.blockLen += n;
      off += n;
      if (this.blockLen < SHA256_BLOCK_BYTES) return;
      this.compress(block, 0);
      this.blockLen = 0;
    }
    while (end - off >= SHA256_BLOCK_BYTES) {
      this.compress(src, off);
      off += SHA256_BLOCK_BYTES;
    }
    const rest = end - off;
    for (let i = 0; i < rest; i++) block[i] = src[off + i];
    this.blockLen = rest;
  }

  /**
   * Pads the message (FIPS 180-4 §5.1.1), writes the 32-byte digest at dst[off..off+32) and
   * resets the instance. Throws RangeError when dst has no room (a programmer bug).
   */
  finish(dst: Uint8Array, off: number): void {
    if (off < 0 || off + SHA256_DIGEST_BYTES > dst.length) throw new RangeError("Sha256.finish: dst too small");
    const block = this.block;
    let n = this.blockLen;
    block[n++] = 0x80;
    if (n > 56) {
      while (n < SHA256_BLOCK_BYTES) block[n++] = 0;
      this.compress(block, 0);
      n = 0;
    }
    while (n < 56) block[n++] = 0;
    // Message length in bits as a 64-bit big-endian integer (§5.1.1).
    const bytes = this.totalBytes;
    const hiBits = Math.floor(bytes / 0x20000000); // bytes * 8 / 2^32
    const loBits = (bytes % 0x20000000) * 8;
    block[56] = hiBits >>> 24;
    block[57] = (hiBits >>> 16) & 0xff;
    block[58] = (hiBits >>> 8) & 0xff;
    block[59] = hiBits & 0xff;
    block[60] = loBits >>> 24;
    block[61] = (loBits >>> 16) & 0xff;
    block[62] = (loBits >>> 8) & 0xff;
    block[63] = loBits & 0xff;
    this.compress(block, 0);
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const v = h[i];
      const o = off + i * 4;
      dst[o] = v >>> 24;
      dst[o + 1] = (v >>> 16) & 0xff;
      dst[o + 2] = (v >>> 8) & 0xff;
      dst[o + 3] = v & 0xff;
    }
    this.reset();
  }

  /**
   * Copies H0..H7 into state[off..off+8). Only meaningful at a block boundary, i.e. after a
   * multiple of 64 bytes were hashed; throws otherwise (a programmer bug).
   */
  saveState(state: Int32Array, off: number): void {
    if (this.blockLen !== 0) throw new Error("Sha256.saveState: not at a block boundary");
    for (let i = 0; i < 8; i++) state[off + i] = this.h[i];
  }

  /** Restores H0..H7 from state[off..off+8) as if `bytesHashed` bytes (a multiple of 64) were hashed. */
  loadState(state: Int32Array, off: number, bytesHashed: number): void {
    for (let i = 0; i < 8; i++) this.h[i] = state[off + i];
    this.blockLen = 0;
    this.totalBytes = bytesHashed;
  }

  /** One application of the compression function to src[off..off+64) (FIPS 180-4 §6.2.2). */
  private compress(src: Uint8Array, off: number): void {
    const w = this.w;
    const h = this.h;
    const k = this.k;
    // Step 1: prepare the message schedule.
    for (let t = 0; t < 16; t++) {
      const o = off + t * 4;
      w[t] = (src[o] << 24) | (src[o + 1] << 16) | (src[o + 2] << 8) | src[o + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 2];
      const y = w[t - 15];
      // σ1(x) = ROTR17 ^ ROTR19 ^ SHR10; σ0(y) = ROTR7 ^ ROTR18 ^ SHR3 (§4.1.2, 4.6-4.7)
      const s1 = ((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10);
      const s0 = ((y >>> 7) | (y << 25)) ^ ((y >>> 18) | (y << 14)) ^ (y >>> 3);
      w[t] = (s1 + w[t - 7] + s0 + w[t - 16]) | 0;
    }
    // Steps 2-3: the 64 rounds.
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let t = 0; t < 64; t++) {
      // Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25; Ch(e,f,g) (§4.1.2, 4.2-4.5)
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + k[t] + w[t]) | 0;
      // Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22; Maj(a,b,c)
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    // Step 4: the intermediate hash value.
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
}

/** SHA-256 of msg in a new 32-byte array. Allocates: setup and tests only. */
export function sha256Once(msg: Uint8Array): Uint8Array {
  const s = new Sha256();
  s.update(msg, 0, msg.length);
  const out = new Uint8Array(SHA256_DIGEST_BYTES);
  s.finish(out, 0);
  return out;
}
