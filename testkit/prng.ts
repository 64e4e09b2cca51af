/*
 * prng: a small seeded PRNG (mulberry32) for reproducible random tests on V8 and XS alike.
 * Same seed, same sequence, on every engine. Not for cryptography.
 */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next u32. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }
  /** Fills dst with random bytes (the hosts' entropy source in simulations); returns dst. */
  fill(dst: Uint8Array): Uint8Array {
    for (let i = 0; i < dst.length; i++) dst[i] = this.u32() & 0xff;
    return dst;
  }
  /** A new array of n random bytes. */
  bytes(n: number): Uint8Array {
    return this.fill(new Uint8Array(n));
  }
  /** Picks one element. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}
