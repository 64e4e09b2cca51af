/*
 * hmac-sha256: HMAC-SHA256 in C (hmac-sha256.c over hmac-sha256-core.c) with the calls of
 * the firmware's HmacSha256 interface (src/codec/crypto/hmac.ts). Allocates nothing after
 * construction: every call reads or writes the caller's buffer in place.
 *   setKey(key, off, len)  key[off..off+len), any length
 *   begin()                starts a message (throws when no key was set)
 *   update(src, off, len)  feeds src[off..off+len)
 *   finish(dst, off)       writes the 32-byte tag at dst[off..off+32)
 *   finishAndCompare(expected, off, len)
 *                          ends the message; true when the tag's first len (0..32) bytes equal
 *                          expected[off..off+len), compared in constant time
 *   matchesTag(a, aOff, aLen, b, bOff, bLen, expected, expectedOff, expectedLen)
 *                          begin, update(a..), update(b..) and finishAndCompare(expected..)
 *                          in one call (a motor frame's check: session id, then the frame)
 * Buffers are Uint8Arrays (xsmcGetBuffer also takes an ArrayBuffer, a DataView or another
 * typed array of one-byte elements, not wider ones); a range outside the buffer throws RangeError.
 */
class HmacSha256 @ "xs_bs_hmac_sha256_destructor" {
	constructor() @ "xs_bs_hmac_sha256";
	setKey(key, off, len) @ "xs_bs_hmac_sha256_set_key";
	begin() @ "xs_bs_hmac_sha256_begin";
	update(src, off, len) @ "xs_bs_hmac_sha256_update";
	finish(dst, off) @ "xs_bs_hmac_sha256_finish";
	finishAndCompare(expected, off, len) @ "xs_bs_hmac_sha256_finish_and_compare";
	matchesTag(a, aOff, aLen, b, bOff, bLen, expected, expectedOff, expectedLen) @ "xs_bs_hmac_sha256_matches_tag";
}
Object.freeze(HmacSha256.prototype);

export default HmacSha256;
