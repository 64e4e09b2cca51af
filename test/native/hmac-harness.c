/*
 * hmac-harness: drives hosts/moddable/native/hmac-sha256-core.c from a line protocol, so that
 * test/hmac-native.test.ts can run its vector tables against the C code:
 *   K <hex>   set_key         (empty hex: an empty key)
 *   B         begin           prints "ok" or "err"
 *   U <hex>   update
 *   F         finish          prints the tag as hex
 *   C <hex>   finish_compare  against the hex (its length is the compared length); prints
 *                             "eq" or "ne"
 *   N         a fresh state   (bs_hmac_sha256_free, then bs_hmac_sha256_init)
 * Lines are at most 64 KiB. Exits 2 on a malformed line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hmac-sha256-core.h"

#define LINE_BYTES 65536

static int nibble(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes hex at s into out; returns the byte count or -1. */
static long unhex(const char *s, uint8_t *out)
{
	long n = 0;
	while (s[0] && s[0] != '\n') {
		int hi = nibble(s[0]), lo = s[1] ? nibble(s[1]) : -1;
		if (hi < 0 || lo < 0) return -1;
		out[n++] = (uint8_t)(hi * 16 + lo);
		s += 2;
	}
	return n;
}

int main(void)
{
	static char line[2 * LINE_BYTES + 8];
	static uint8_t bytes[LINE_BYTES];
	bs_hmac_sha256 h;
	bs_hmac_sha256_init(&h);
	while (fgets(line, sizeof(line), stdin)) {
		long n = 0;
		if (line[0] == 'K' || line[0] == 'U' || line[0] == 'C') {
			n = unhex(line[1] == ' ' ? line + 2 : line + 1, bytes);
			if (n < 0) return 2;
		}
		switch (line[0]) {
		case 'K': bs_hmac_sha256_set_key(&h, bytes, (uint32_t)n); break;
		case 'B': puts(bs_hmac_sha256_begin(&h) == 0 ? "ok" : "err"); break;
		case 'U': bs_hmac_sha256_update(&h, bytes, (uint32_t)n); break;
		case 'F': {
			uint8_t tag[BS_HMAC_SHA256_BYTES];
			int i;
			bs_hmac_sha256_finish(&h, tag);
			for (i = 0; i < BS_HMAC_SHA256_BYTES; i++) printf("%02x", tag[i]);
			putchar('\n');
			break;
		}
		case 'C': puts(bs_hmac_sha256_finish_compare(&h, bytes, (uint32_t)n) ? "eq" : "ne"); break;
		case 'N': bs_hmac_sha256_free(&h); bs_hmac_sha256_init(&h); break;
		case '\n': break;
		default: return 2;
		}
	}
	bs_hmac_sha256_free(&h);
	return 0;
}
