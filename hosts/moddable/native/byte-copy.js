/*
 * byte-copy: copyBytes(dst, dstOff, src, srcOff, len) copies src[srcOff..srcOff+len) to
 * dst[dstOff..] natively (byte-copy.c: memmove, so the ranges may overlap), allocating
 * nothing; a range outside a buffer throws RangeError. Buffers are Uint8Arrays (or
 * ArrayBuffers, DataViews, one-byte-element typed arrays).
 */
function copyBytes(dst, dstOff, src, srcOff, len) @ "xs_bs_copy_bytes";

export default copyBytes;
