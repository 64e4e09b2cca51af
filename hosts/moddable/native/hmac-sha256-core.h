/*
 * hmac-sha256-core: HMAC-SHA256 (RFC 2104, FIPS 198-1) in C into caller-owned memory, on the
 * SHA-256 that the platform already has. No allocation, no XS: the XS binding is
 * hmac-sha256.c; test/hmac-native.test.ts compiles this file with the host's cc.
 *
 * Theory of operation: HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)) (RFC 2104 §2). Both
 * prefixes are one 64-byte block, so set_key hashes them once and keeps the two SHA-256
 * contexts; begin copies the inner one into the working context, update hashes the message,
 * finish completes the inner hash, copies the outer context and hashes the inner digest.
 * A message costs its own blocks plus two compressions, as in the TypeScript engine
 * (src/codec/crypto/hmac.ts), whose calls this mirrors. finish_compare is finish into a stack
 * buffer followed by a constant-time compare, so that a verifier never copies the tag out.
 *
 * SHA-256 backends (chosen when compiling; each is a plain struct that can be copied, or is
 * cloned by its library):
 *   - default: the Moddable SDK's own C SHA-256 (modules/crypt/digest/kcl/fips180.c), present on
 *     every Moddable platform (simulator, ESP32, Pico);
 *   - BS_SHA256_MBEDTLS: mbedTLS (ESP-IDF, Pico SDK lib/mbedtls), cloned with mbedtls_sha256_clone;
 *   - BS_SHA256_OPENSSL: OpenSSL's libcrypto, for host tests only.
 */
#ifndef BS_HMAC_SHA256_CORE_H
#define BS_HMAC_SHA256_CORE_H

#include <stdint.h>

#if defined(BS_SHA256_OPENSSL)
#include <openssl/sha.h>
typedef SHA256_CTX bs_sha256_ctx;
#elif defined(BS_SHA256_MBEDTLS)
#include "mbedtls/sha256.h"
typedef mbedtls_sha256_context bs_sha256_ctx;
#else
#include "fips180.h"
typedef struct sha256 bs_sha256_ctx;
#endif

/** Bytes in an HMAC-SHA256 tag and in a SHA-256 digest. */
#define BS_HMAC_SHA256_BYTES 32
/** Bytes in a SHA-256 block (FIPS 180-4 §1). */
#define BS_SHA256_BLOCK_BYTES 64

typedef struct {
	bs_sha256_ctx inner; /* after the (K0 ^ ipad) block */
	bs_sha256_ctx outer; /* after the (K0 ^ opad) block */
	bs_sha256_ctx work;  /* the message in progress */
	uint8_t keyed;
} bs_hmac_sha256;

/** Prepares h (zeroes it; with mbedTLS also initialises its contexts). Call once before use. */
void bs_hmac_sha256_init(bs_hmac_sha256 *h);
/** Releases what the backend holds (mbedTLS only; a no-op otherwise). */
void bs_hmac_sha256_free(bs_hmac_sha256 *h);
/** Sets the key; any length (keys over 64 bytes are hashed first, RFC 2104 §2). */
void bs_hmac_sha256_set_key(bs_hmac_sha256 *h, const uint8_t *key, uint32_t len);
/** Starts a message under the current key. Returns 0, or -1 when no key was set. */
int bs_hmac_sha256_begin(bs_hmac_sha256 *h);
/** Feeds len bytes of the message. */
void bs_hmac_sha256_update(bs_hmac_sha256 *h, const uint8_t *src, uint32_t len);
/** Writes the 32-byte tag to out. begin is needed before the next message. */
void bs_hmac_sha256_finish(bs_hmac_sha256 *h, uint8_t *out);
/**
 * Ends the message like finish and returns 1 when the first len bytes of the tag (len at most
 * 32; more is clamped) equal expected[0..len), else 0. The time does not depend on where they
 * differ; the tag is wiped from the stack. begin is needed before the next message.
 */
int bs_hmac_sha256_finish_compare(bs_hmac_sha256 *h, const uint8_t *expected, uint32_t len);

#endif
