/*
 * hmac-bare: the native HMAC-SHA256 (hosts/moddable/native/hmac-sha256-core.c over the Moddable
 * SDK's fips180.c) on a bare RP2040, no XS: the C-level work of the firmware's HMAC.
 *
 * Prints on UART0 (115200 8N1), one result per line, then "done":
 *   rfc4231 <case> ok|FAIL            RFC 4231 §4.2-4.8 test cases 1-7 (case 5 on 128 bits)
 *   cycles <name> <cycles>            the median of REPEAT runs, read from SysTick (processor
 *                                     clock, 24 bits: every measured span is far shorter)
 * Cases measured: the motor-frame MAC of a steady-state tick (begin, 4-byte session id, 21
 * frame bytes, finish: a 25-byte message), the same with a 93-byte message (a sensor frame's
 * size), set_key with a 32-byte key, and one empty SysTick read (the overhead, already
 * subtracted from the others).
 */
#include <stdio.h>
#include <string.h>
#include "pico/stdlib.h"
#include "hardware/clocks.h"
#include "hardware/structs/systick.h"
#include "hmac-sha256-core.h"

#define REPEAT 15

static int unhex(const char *s, uint8_t *out)
{
	int n = 0;
	while (s[0] && s[1]) {
		unsigned v;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

struct vector {
	const char *name;
	uint8_t keyByte;  /* key: keyLen copies of keyByte, or the bytes 1..25 when keyByte is 0 */
	uint16_t keyLen;
	const char *data; /* text, or NULL: dataLen copies of dataByte */
	uint8_t dataByte;
	uint16_t dataLen;
	const char *tag;  /* hex, maybe truncated */
};

static const struct vector vectors[] = {
	{ "1", 0x0b, 20, "Hi There", 0, 0, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "2", 0, 0, "what do ya want for nothing?", 0, 0, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ "3", 0xaa, 20, NULL, 0xdd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "4", 0, 25, NULL, 0xcd, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ "5", 0x0c, 20, "Test With Truncation", 0, 0, "a3b6167473100ee06e0c796c2955552b" },
	{ "6", 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ "7", 0xaa, 131, "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", 0, 0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static bs_hmac_sha256 h;
static uint8_t key[160], data[200], want[32], tag[32];

static void rfc4231(void)
{
	for (unsigned v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		const struct vector *t = &vectors[v];
		int keyLen = t->keyLen, dataLen, tagLen = unhex(t->tag, want);
		if (keyLen == 0) { /* case 2: "Jefe" */
			memcpy(key, "Jefe", 4);
			keyLen = 4;
		}
		else if (t->keyByte == 0)
			for (int i = 0; i < keyLen; i++) key[i] = (uint8_t)(i + 1);
		else
			memset(key, t->keyByte, keyLen);
		if (t->data) {
			dataLen = strlen(t->data);
			memcpy(data, t->data, dataLen);
		}
		else {
			dataLen = t->dataLen;
			memset(data, t->dataByte, dataLen);
		}
		bs_hmac_sha256_set_key(&h, key, keyLen);
		int ok = bs_hmac_sha256_begin(&h) == 0;
		bs_hmac_sha256_update(&h, data, dataLen);
		bs_hmac_sha256_finish(&h, tag);
		ok = ok && memcmp(tag, want, tagLen) == 0;
		printf("rfc4231 %s %s\n", t->name, ok ? "ok" : "FAIL");
	}
}

static inline uint32_t now(void)
{
	return systick_hw->cvr; /* counts down */
}

static uint32_t median(uint32_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint32_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

static uint32_t overhead;

static uint32_t spanOf(int which, uint32_t msgLen)
{
	uint32_t runs[REPEAT];
	for (int r = 0; r < REPEAT; r++) {
		uint32_t t0 = now();
		switch (which) {
		case 0:
			break;
		case 1:
			bs_hmac_sha256_begin(&h);
			bs_hmac_sha256_update(&h, data, 4);
			bs_hmac_sha256_update(&h, data + 4, msgLen - 4);
			bs_hmac_sha256_finish(&h, tag);
			break;
		case 2:
			bs_hmac_sha256_set_key(&h, key, 32);
			break;
		}
		uint32_t t1 = now();
		runs[r] = ((t0 - t1) & 0xffffff) - overhead;
	}
	return median(runs, REPEAT);
}

int main(void)
{
	stdio_init_all();
	printf("hmac-bare: native HMAC-SHA256 on fips180.c, clk_sys %lu Hz\n", (unsigned long)clock_get_hz(clk_sys));
	bs_hmac_sha256_init(&h);
	rfc4231();
	systick_hw->rvr = 0xffffff;
	systick_hw->cvr = 0;
	systick_hw->csr = 0x5; /* enable, processor clock, no interrupt */
	overhead = 0;
	overhead = spanOf(0, 0);
	printf("cycles systick-overhead %lu\n", (unsigned long)overhead);
	for (int i = 0; i < 200; i++) data[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 32; i++) key[i] = (uint8_t)(i + 0x40);
	printf("cycles set_key-32 %lu\n", (unsigned long)spanOf(2, 0));
	printf("cycles hmac-25 %lu\n", (unsigned long)spanOf(1, 25));
	printf("cycles hmac-93 %lu\n", (unsigned long)spanOf(1, 93));
	printf("done\n");
	for (;;)
		tight_loop_contents();
}
