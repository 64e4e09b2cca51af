/*
 * hmac-sha256 (XS binding): the host class of hmac-sha256.js over hmac-sha256-core.c.
 *
 * Theory of operation: the constructor allocates the HMAC state once (three SHA-256 contexts,
 * about 320 bytes with the Moddable SDK's SHA-256) outside the XS heap; the destructor frees
 * it. Every other call takes a Uint8Array (xsmcGetBuffer* also takes an ArrayBuffer, a DataView
 * or another one-byte-element typed array) plus an offset and a length, resolves the bytes with
 * xsmcGetBuffer* (a pointer into the existing buffer) and hashes or writes in place, so after
 * construction nothing allocates: no ArrayBuffer, no view, no string. Range errors are
 * programmer bugs and throw RangeError, as the TypeScript engine (src/codec/crypto/hmac.ts) does.
 */
#include "xsPlatform.h"
#include "xsmc.h"
#include "hmac-sha256-core.h"

void xs_bs_hmac_sha256_destructor(void *data)
{
	if (data) {
		bs_hmac_sha256_free((bs_hmac_sha256 *)data);
		c_free(data);
	}
}

void xs_bs_hmac_sha256(xsMachine *the)
{
	bs_hmac_sha256 *h = c_malloc(sizeof(bs_hmac_sha256));
	if (!h)
		xsUnknownError("no memory");
	bs_hmac_sha256_init(h);
	xsmcSetHostData(xsThis, h);
}

static bs_hmac_sha256 *state(xsMachine *the)
{
	return (bs_hmac_sha256 *)xsmcGetHostDataValidate(xsThis, xs_bs_hmac_sha256_destructor);
}

/* Bytes [off, off + len) of the buffer in argument arg; throws RangeError outside it. */
static uint8_t *range(xsMachine *the, xsIntegerValue arg, xsIntegerValue off, xsIntegerValue len, xsBooleanValue writable)
{
	void *data;
	xsUnsignedValue size;
	if (writable)
		xsmcGetBufferWritable(xsArg(arg), &data, &size);
	else
		xsmcGetBufferReadable(xsArg(arg), &data, &size);
	if ((off < 0) || (len < 0) || ((xsUnsignedValue)off > size) || ((xsUnsignedValue)len > size - (xsUnsignedValue)off))
		xsRangeError("range outside buffer");
	return (uint8_t *)data + off;
}

void xs_bs_hmac_sha256_set_key(xsMachine *the)
{
	bs_hmac_sha256 *h = state(the);
	xsIntegerValue off = xsmcToInteger(xsArg(1));
	xsIntegerValue len = xsmcToInteger(xsArg(2));
	bs_hmac_sha256_set_key(h, range(the, 0, off, len, 0), (uint32_t)len);
}

void xs_bs_hmac_sha256_begin(xsMachine *the)
{
	if (bs_hmac_sha256_begin(state(the)) != 0)
		xsUnknownError("HMAC begin: setKey first");
}

void xs_bs_hmac_sha256_update(xsMachine *the)
{
	bs_hmac_sha256 *h = state(the);
	xsIntegerValue off = xsmcToInteger(xsArg(1));
	xsIntegerValue len = xsmcToInteger(xsArg(2));
	bs_hmac_sha256_update(h, range(the, 0, off, len, 0), (uint32_t)len);
}

void xs_bs_hmac_sha256_finish(xsMachine *the)
{
	bs_hmac_sha256 *h = state(the);
	xsIntegerValue off = xsmcToInteger(xsArg(1));
	bs_hmac_sha256_finish(h, range(the, 0, off, BS_HMAC_SHA256_BYTES, 1));
}

void xs_bs_hmac_sha256_finish_and_compare(xsMachine *the)
{
	bs_hmac_sha256 *h = state(the);
	xsIntegerValue off = xsmcToInteger(xsArg(1));
	xsIntegerValue len = xsmcToInteger(xsArg(2));
	if ((len < 0) || (len > BS_HMAC_SHA256_BYTES))
		xsRangeError("compare length outside 0..32");
	xsmcSetBoolean(xsResult, bs_hmac_sha256_finish_compare(h, range(the, 0, off, len, 0), (uint32_t)len) ? 1 : 0);
}

/* matchesTag(a, aOff, aLen, b, bOff, bLen, expected, expectedOff, expectedLen): begin, update(a),
   update(b) and finishAndCompare(expected) in one call. Every range is checked before any
   hashing; the pointers stay valid since nothing here allocates in the XS heap. */
void xs_bs_hmac_sha256_matches_tag(xsMachine *the)
{
	bs_hmac_sha256 *h = state(the);
	xsIntegerValue aLen = xsmcToInteger(xsArg(2));
	xsIntegerValue bLen = xsmcToInteger(xsArg(5));
	xsIntegerValue eLen = xsmcToInteger(xsArg(8));
	const uint8_t *a = range(the, 0, xsmcToInteger(xsArg(1)), aLen, 0);
	const uint8_t *b = range(the, 3, xsmcToInteger(xsArg(4)), bLen, 0);
	const uint8_t *e;
	if ((eLen < 0) || (eLen > BS_HMAC_SHA256_BYTES))
		xsRangeError("compare length outside 0..32");
	e = range(the, 6, xsmcToInteger(xsArg(7)), eLen, 0);
	if (bs_hmac_sha256_begin(h) != 0)
		xsUnknownError("HMAC begin: setKey first");
	bs_hmac_sha256_update(h, a, (uint32_t)aLen);
	bs_hmac_sha256_update(h, b, (uint32_t)bLen);
	xsmcSetBoolean(xsResult, bs_hmac_sha256_finish_compare(h, e, (uint32_t)eLen) ? 1 : 0);
}
