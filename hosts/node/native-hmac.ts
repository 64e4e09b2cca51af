/*
 * native-hmac: HMAC-SHA256 from node:crypto behind the firmware's HmacSha256 interface.
 * Hosts plug it in through AgentHost.createHmac; the core stays free of Node. finishAndCompare
 * compares with crypto.timingSafeEqual.
 */
import crypto from "node:crypto";
import { checkCompareRange, matchesTagInSteps, type HmacSha256 } from "../../src/codec/crypto/hmac";

export class NodeHmacSha256 implements HmacSha256 {
  private key: Buffer = Buffer.alloc(0);
  private h: crypto.Hmac | null = null;

  setKey(key: Uint8Array, off: number, len: number): void {
    this.key = Buffer.from(key.subarray(off, off + len));
  }

  begin(): void {
    this.h = crypto.createHmac("sha256", this.key);
  }

  update(src: Uint8Array, off: number, len: number): void {
    if (off < 0 || len < 0 || off + len > src.length) throw new RangeError("HMAC update: range outside src"); // as the other engines
    this.h!.update(src.subarray(off, off + len));
  }

  finish(dst: Uint8Array, off: number): void {
    dst.set(this.h!.digest(), off);
    this.h = null;
  }

  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean {
    checkCompareRange(expected, off, len);
    const tag = this.h!.digest();
    this.h = null;
    return crypto.timingSafeEqual(tag.subarray(0, len), expected.subarray(off, off + len));
  }

  matchesTag(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean {
    return matchesTagInSteps(this, a, aOff, aLen, b, bOff, bLen, expected, expectedOff, expectedLen);
  }
}
