/*
 * byte-copy (XS binding): copyBytes(dst, dstOff, src, srcOff, len), a native memmove between
 * two byte buffers (or within one), for the transport's socket window.
 *
 * Theory of operation: XS copies a range of one Uint8Array into another only through a view
 * of the range (Uint8Array.prototype.set takes whole arrays), and a view per call allocates;
 * a loop costs a host setter call per byte (about 2,700 M0+ cycles a byte on an RP2040). This
 * resolves both buffers with xsmcGetBuffer* (pointers into the existing buffers), checks the
 * ranges and moves the bytes: nothing allocates. A range outside a buffer throws RangeError
 * (a programmer bug, as everywhere in the hosts).
 */
#include "xsPlatform.h"
#include "xsmc.h"

void xs_bs_copy_bytes(xsMachine *the)
{
	void *dst, *src;
	xsUnsignedValue dstSize, srcSize;
	xsIntegerValue dstOff = xsmcToInteger(xsArg(1));
	xsIntegerValue srcOff = xsmcToInteger(xsArg(3));
	xsIntegerValue len = xsmcToInteger(xsArg(4));
	xsmcGetBufferWritable(xsArg(0), &dst, &dstSize);
	xsmcGetBufferReadable(xsArg(2), &src, &srcSize);
	if ((len < 0) || (dstOff < 0) || (srcOff < 0) || ((xsUnsignedValue)dstOff > dstSize) || ((xsUnsignedValue)len > dstSize - (xsUnsignedValue)dstOff)
		|| ((xsUnsignedValue)srcOff > srcSize) || ((xsUnsignedValue)len > srcSize - (xsUnsignedValue)srcOff))
		xsRangeError("copyBytes: range outside a buffer");
	if (len > 0)
		c_memmove((uint8_t *)dst + dstOff, (uint8_t *)src + srcOff, len);
}
