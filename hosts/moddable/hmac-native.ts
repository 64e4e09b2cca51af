/*
 * hmac-native: the firmware's HmacSha256 engine in C, for config `hmac: "native"` (the default
 * on every Moddable build).
 *
 * Theory of operation: hosts/moddable/native/hmac-sha256 is a host class written in C over the
 * Moddable SDK's own SHA-256 (modules/crypt/digest/kcl/fips180.c); its methods are the
 * HmacSha256 interface of src/codec/crypto/hmac.ts, so it is used as it is, without a wrapper
 * (a wrapper would add an XS call per method). setKey precomputes the ipad and opad states;
 * begin, update and finish read the caller's buffer and write the tag into it in place, and
 * finishAndCompare checks a tag against the caller's bytes in C (constant time), so a MAC
 * allocates nothing (unlike Moddable's `crypt` Digest, whose close() returns a new
 * ArrayBuffer). `hmac: "soft"` selects the pure-TypeScript engine instead, which xsnap and the
 * Node hosts use.
 */
import type { HmacSha256 } from "../../src/codec/crypto/hmac";
import NativeHmac from "./native/hmac-sha256";

/** HMAC-SHA256 in C: `new NativeHmacSha256()`. */
export const NativeHmacSha256: new () => HmacSha256 = NativeHmac;
