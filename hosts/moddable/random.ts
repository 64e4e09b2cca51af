/*
 * random: the bytes behind nonces and backoff jitter, from a SHA-256 entropy pool.
 *
 * Theory of operation: the device nonce must not repeat across boots, or a recorded brain
 * proof could be replayed to the device. `Math.random()` is the platform's native source
 * (the hardware RNG on ESP32), but on some ports it is an unseeded libc rand() that restarts
 * the same sequence at every boot (RP2040). So the pool mixes several sources:
 *   - at boot: 32 words of Math.random(), Date.now(), Time.ticks, Time.microseconds when the
 *     port has it, and a 32-byte seed saved in Preferences by the previous boot (then
 *     replaced, so every boot starts from a different state even with no other entropy);
 *   - while running: `stir(x)` folds in event timings (socket callbacks, ticks), whose
 *     low bits jitter with the network.
 * Output: block i = SHA-256(state || counter || stirred words); after each call the state is
 * ratcheted to SHA-256(state || 0xff || counter), so earlier outputs cannot be recomputed from
 * a later state. All buffers are preallocated; `fill` and `stir` allocate nothing.
 */
import Preference from "preference";
import Time from "time";
import { Sha256 } from "../../src/codec/crypto/sha256";

const PREF_DOMAIN = "brainstem";
const PREF_SEED = "seed";
const STATE_BYTES = 32;
const STIR_WORDS = 16;

export class EntropyPool {
  private readonly sha = new Sha256();
  private readonly state = new Uint8Array(STATE_BYTES);
  private readonly block = new Uint8Array(32);
  private readonly counter = new Uint8Array(8);
  private readonly stirred = new Int32Array(STIR_WORDS);
  private readonly stirredBytes = new Uint8Array(this.stirred.buffer);
  private stirAt = 0;
  private readonly one = new Uint8Array(1);

  /** Seeds the pool from the boot sources. `persist` false skips Preferences (tests). */
  constructor(persist = true) {
    const seed = new Uint8Array(32 * 4 + 32 + 24); // setup only
    const dv = new DataView(seed.buffer);
    let o = 0;
    for (let i = 0; i < 32; i++, o += 4) dv.setUint32(o, (Math.random() * 4294967296) >>> 0);
    dv.setFloat64(o, Date.now());
    o += 8;
    dv.setFloat64(o, Time.ticks);
    o += 8;
    const us = (Time as { microseconds?: number }).microseconds;
    dv.setFloat64(o, us ?? 0);
    o += 8;
    if (persist) {
      try {
        const old = Preference.get(PREF_DOMAIN, PREF_SEED);
        if (old instanceof ArrayBuffer) seed.set(new Uint8Array(old).subarray(0, 32), o);
      } catch {
        // no preferences on this port: boot entropy only
      }
    }
    this.sha.reset();
    this.sha.update(seed, 0, seed.length);
    this.sha.finish(this.state, 0);
    if (persist) {
      // The next boot's seed: derived from, but not equal to, anything we output.
      const next = new Uint8Array(32);
      this.one[0] = 0xfe;
      this.sha.reset();
      this.sha.update(this.state, 0, STATE_BYTES);
      this.sha.update(this.one, 0, 1);
      this.sha.finish(next, 0);
      try {
        Preference.set(PREF_DOMAIN, PREF_SEED, next.buffer);
      } catch {
        // read-only or absent preferences: fine
      }
    }
  }

  /** Folds a number (e.g. a timestamp) into the pool. Cheap; call it on every event. */
  stir(x: number): void {
    const i = this.stirAt;
    this.stirred[i] = (this.stirred[i] * 31 + (x | 0) + ((x * 1000) | 0)) | 0;
    this.stirAt = (i + 1) & (STIR_WORDS - 1);
  }

  /** Fills dst with pool output. */
  fill(dst: Uint8Array): void {
    const sha = this.sha;
    const block = this.block;
    for (let off = 0; off < dst.length; off += 32) {
      this.bump();
      sha.reset();
      sha.update(this.state, 0, STATE_BYTES);
      sha.update(this.counter, 0, 8);
      sha.update(this.stirredBytes, 0, STIR_WORDS * 4);
      sha.finish(block, 0);
      const n = dst.length - off < 32 ? dst.length - off : 32;
      for (let i = 0; i < n; i++) dst[off + i] = block[i];
    }
    // Ratchet (forward secrecy of earlier outputs).
    this.one[0] = 0xff;
    sha.reset();
    sha.update(this.state, 0, STATE_BYTES);
    sha.update(this.one, 0, 1);
    sha.update(this.counter, 0, 8);
    sha.finish(this.state, 0);
  }

  private bump(): void {
    const c = this.counter;
    for (let i = 7; i >= 0; i--) {
      c[i] = (c[i] + 1) & 0xff;
      if (c[i] !== 0) break;
    }
  }
}
