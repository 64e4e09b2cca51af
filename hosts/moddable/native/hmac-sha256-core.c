/*
 * hmac-sha256-core: see hmac-sha256-core.h for the theory of operation and the backends.
 */
#include <string.h>
#include "hmac-sha256-core.h"

#define IPAD 0x36 /* RFC 2104 §2 */
#define OPAD 0x5c

#if defined(BS_SHA256_OPENSSL)
#define sha_init(c) SHA256_Init(c)
#define sha_update(c, p, n) SHA256_Update(c, p, n)
#define sha_final(c, out) SHA256_Final(out, c)
#define sha_copy(dst, src) (*(dst) = *(src))
#define sha_setup(c) ((void)0)
#define sha_free(c) ((void)0)
#elif defined(BS_SHA256_MBEDTLS)
#define sha_init(c) mbedtls_sha256_starts(c, 0)
#define sha_update(c, p, n) mbedtls_sha256_update(c, p, n)
#define sha_final(c, out) mbedtls_sha256_finish(c, out)
#define sha_copy(dst, src) mbedtls_sha256_clone(dst, src)
#define sha_setup(c) mbedtls_sha256_init(c)
#define sha_free(c) mbedtls_sha256_free(c)
#else
#define sha_init(c) sha256_create(c)
#define sha_update(c, p, n) sha256_update(c, p, n)
#define sha_final(c, out) sha256_fin(c, out)
#define sha_copy(dst, src) (*(dst) = *(src))
#define sha_setup(c) ((void)0)
#define sha_free(c) ((void)0)
#endif

void bs_hmac_sha256_init(bs_hmac_sha256 *h)
{
	memset(h, 0, sizeof(*h));
	sha_setup(&h->inner);
	sha_setup(&h->outer);
	sha_setup(&h->work);
}

void bs_hmac_sha256_free(bs_hmac_sha256 *h)
{
	sha_free(&h->inner);
	sha_free(&h->outer);
	sha_free(&h->work);
	h->keyed = 0;
}

void bs_hmac_sha256_set_key(bs_hmac_sha256 *h, const uint8_t *key, uint32_t len)
{
	uint8_t pad[BS_SHA256_BLOCK_BYTES];
	uint32_t i;
	memset(pad, 0, sizeof(pad));
	if (len > BS_SHA256_BLOCK_BYTES) {
		/* RFC 2104 §2: keys longer than the block are hashed first */
		sha_init(&h->work);
		sha_update(&h->work, key, len);
		sha_final(&h->work, pad);
	}
	else if (len > 0)
		memcpy(pad, key, len);
	for (i = 0; i < BS_SHA256_BLOCK_BYTES; i++)
		pad[i] ^= IPAD;
	sha_init(&h->inner);
	sha_update(&h->inner, pad, BS_SHA256_BLOCK_BYTES);
	for (i = 0; i < BS_SHA256_BLOCK_BYTES; i++)
		pad[i] ^= IPAD ^ OPAD;
	sha_init(&h->outer);
	sha_update(&h->outer, pad, BS_SHA256_BLOCK_BYTES);
	memset(pad, 0, sizeof(pad)); /* no key material left on the stack */
	h->keyed = 1;
}

int bs_hmac_sha256_begin(bs_hmac_sha256 *h)
{
	if (!h->keyed)
		return -1;
	sha_copy(&h->work, &h->inner);
	return 0;
}

void bs_hmac_sha256_update(bs_hmac_sha256 *h, const uint8_t *src, uint32_t len)
{
	if (len > 0)
		sha_update(&h->work, src, len);
}

void bs_hmac_sha256_finish(bs_hmac_sha256 *h, uint8_t *out)
{
	uint8_t inner[BS_HMAC_SHA256_BYTES];
	sha_final(&h->work, inner);
	sha_copy(&h->work, &h->outer);
	sha_update(&h->work, inner, BS_HMAC_SHA256_BYTES);
	sha_final(&h->work, out);
}

int bs_hmac_sha256_finish_compare(bs_hmac_sha256 *h, const uint8_t *expected, uint32_t len)
{
	uint8_t tag[BS_HMAC_SHA256_BYTES];
	volatile uint8_t *wipe = tag;
	uint8_t diff = 0;
	uint32_t i;
	if (len > BS_HMAC_SHA256_BYTES)
		len = BS_HMAC_SHA256_BYTES;
	bs_hmac_sha256_finish(h, tag);
	for (i = 0; i < len; i++)
		diff |= (uint8_t)(tag[i] ^ expected[i]);
	for (i = 0; i < BS_HMAC_SHA256_BYTES; i++)
		wipe[i] = 0;
	/* 1 when diff is 0, without a data-dependent branch */
	return (int)(1 & (((uint32_t)diff - 1) >> 8));
}
