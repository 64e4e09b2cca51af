/*
 * hmac-native: HMAC-SHA256 (RFC 2104) on Moddable's native SHA-256 (`crypt` Digest).
 *
 * Theory of operation: same four calls as the portable engine (src/codec/crypto/hmac.ts),
 * but the compression runs in C. `setKey` builds the two 64-byte pad blocks once (hashing a
 * key longer than a block first, RFC 2104 §2). A message is inner = H((K0 ^ ipad) || m), then
 * tag = H((K0 ^ opad) || inner). Message ranges reach Digest.write through a ViewCache, so a
 * repeated range allocates nothing; each `finish` still costs two 32-byte ArrayBuffers (and a view), because
 * Digest.close() returns a new one (they are short-lived and cheap for the XS collector).
 * Select it with config `hmac: "native"`. The default, `hmac: "soft"`, is the allocation-free
 * TypeScript engine: in the simulator the native one's garbage (at 20 motor frames/s plus
 * heartbeats) made XS collect about three times a second, the soft one never; the soft one
 * costs more CPU (four SHA-256 compressions per short message in XS).
 */
import { Digest } from "crypt";
import type { HmacSha256 } from "../../src/codec/crypto/hmac";
import { ViewCache } from "./views";

const BLOCK_BYTES = 64; // SHA-256 block, FIPS 180-4 §1
const DIGEST_BYTES = 32;
const IPAD = 0x36; // RFC 2104 §2
const OPAD = 0x5c;

/** The Digest calls used here, with the buffer types the native code accepts (any view). */
interface NativeDigest {
  write(data: ArrayBuffer | ArrayBufferView): void;
  close(): ArrayBuffer;
  reset(): void;
}

export class NativeHmacSha256 implements HmacSha256 {
  private readonly d = new Digest("SHA256") as unknown as NativeDigest;
  private readonly ipad = new Uint8Array(BLOCK_BYTES);
  private readonly opad = new Uint8Array(BLOCK_BYTES);
  private readonly views = new ViewCache();
  private keyed = false;

  setKey(key: Uint8Array, off: number, len: number): void {
    if (off < 0 || len < 0 || off + len > key.length) throw new RangeError("HMAC setKey: range outside key");
    const ipad = this.ipad;
    let k = key.subarray(off, off + len); // setup only
    if (len > BLOCK_BYTES) {
      this.d.reset();
      this.d.write(k);
      k = new Uint8Array(this.d.close());
    }
    ipad.fill(0);
    ipad.set(k, 0);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      this.opad[i] = ipad[i] ^ OPAD;
      ipad[i] ^= IPAD;
    }
    this.keyed = true;
  }

  begin(): void {
    if (!this.keyed) throw new Error("HMAC begin: setKey first");
    this.d.reset();
    this.d.write(this.ipad);
  }

  update(src: Uint8Array, off: number, len: number): void {
    if (len > 0) this.d.write(this.views.get(src, off, len));
  }

  finish(dst: Uint8Array, off: number): void {
    if (off < 0 || off + DIGEST_BYTES > dst.length) throw new RangeError("HMAC finish: dst too small");
    const d = this.d;
    const inner = d.close();
    d.reset();
    d.write(this.opad);
    d.write(inner);
    const tag = new Uint8Array(d.close());
    for (let i = 0; i < DIGEST_BYTES; i++) dst[off + i] = tag[i];
  }
}
