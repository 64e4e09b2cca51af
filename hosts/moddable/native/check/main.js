/*
 * check/main: the native modules under XS, as the firmware loads them. The HMAC-SHA256
 * (hosts/moddable/native/hmac-sha256): RFC 4231 §4.2-4.8 cases 1-7 (case 5 on its 128 bits),
 * each whole, in chunks at offsets inside larger buffers and twice under the same key;
 * finishAndCompare over 16 and 32 bytes (equal, one bit off at every position); matchesTag
 * on a message split in two (equal, one bit off at every position); begin before setKey and
 * ranges outside a buffer throw. The byte copy (hosts/moddable/native/byte-copy): lengths and
 * offsets against a loop, overlaps, ranges outside a buffer throw. Prints one line per check
 * and "native checks: N passed, M failed"; throws (exit status 1) when any failed. Build and run with Moddable's
 * command-line Linux target: mcconfig -m -p x-cli-lin -o DIR hosts/moddable/native/check/manifest.json
 */
import HmacSha256 from "hosts/moddable/native/hmac-sha256";
import copyBytes from "hosts/moddable/native/byte-copy";

function print(text) @ "xs_check_print";

function bytes(hex) {
	const out = new Uint8Array(hex.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
	return out;
}
function text(s) {
	const out = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
	return out;
}
function filled(n, v) {
	return new Uint8Array(n).fill(v);
}
function range(from, to) {
	const out = new Uint8Array(to - from + 1);
	for (let i = 0; i < out.length; i++) out[i] = from + i;
	return out;
}
function hex(b, n) {
	let s = "";
	for (let i = 0; i < n; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
	return s;
}

const vectors = [
	["case 1", filled(20, 0x0b), text("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
	["case 2", text("Jefe"), text("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
	["case 3", filled(20, 0xaa), filled(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
	["case 4", range(0x01, 0x19), filled(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
	["case 5", filled(20, 0x0c), text("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
	["case 6", filled(131, 0xaa), text("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
	["case 7", filled(131, 0xaa), text("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"],
];

let passed = 0, failed = 0;
function check(ok, what) {
	if (ok) passed++;
	else failed++;
	print(`${ok ? "ok  " : "FAIL"} ${what}`);
}
function throws(fn) {
	try {
		fn();
	}
	catch {
		return true;
	}
	return false;
}

const h = new HmacSha256();
check(throws(() => h.begin()), "begin before setKey throws");
const out = new Uint8Array(40);
for (const [name, key, data, want] of vectors) {
	h.setKey(key, 0, key.length);
	h.begin();
	h.update(data, 0, data.length);
	h.finish(out, 0);
	check(hex(out, want.length / 2) === want, `RFC 4231 ${name} whole`);
	// the key and the message at offsets inside larger buffers, the message in chunks, the tag at offset 5
	const framedKey = new Uint8Array(key.length + 9).fill(0xee);
	framedKey.set(key, 4);
	const framed = new Uint8Array(data.length + 9).fill(0x11);
	framed.set(data, 3);
	h.setKey(framedKey, 4, key.length);
	for (let run = 0; run < 2; run++) {
		out.fill(0);
		h.begin();
		let off = 0, step = 1;
		while (off < data.length) {
			const n = Math.min(step, data.length - off);
			h.update(framed, 3 + off, n);
			off += n;
			step = step * 2 + 1;
		}
		h.update(framed, 3, 0);
		h.finish(out, 5);
		check(hex(out.subarray(5), want.length / 2) === want && out[4] === 0 && out[37] === 0, `RFC 4231 ${name} chunked at offsets, run ${run}`);
	}
}
// finishAndCompare: RFC 4231 case 2's tag at offset 3 over 16 and 32 bytes, one bit off unequal
{
	const [name, key, data, want] = vectors[1];
	const expected = new Uint8Array(40).fill(0x77);
	expected.set(bytes(want), 3);
	const compare = (off, len) => {
		h.begin();
		h.update(data, 0, data.length);
		return h.finishAndCompare(expected, off, len);
	};
	h.setKey(key, 0, key.length);
	for (const len of [16, 32]) {
		check(compare(3, len) === true, `finishAndCompare ${name} ${len} bytes equal`);
		let unequal = 0;
		for (let bit = 0; bit < len * 8; bit++) {
			expected[3 + (bit >> 3)] ^= 0x80 >> (bit & 7);
			if (compare(3, len) === false) unequal++;
			expected[3 + (bit >> 3)] ^= 0x80 >> (bit & 7);
		}
		check(unequal === len * 8, `finishAndCompare ${name} ${len} bytes: each of ${len * 8} one-bit changes unequal`);
	}
	check(throws(() => h.finishAndCompare(expected, 30, 16)), "finishAndCompare past the end throws");
	check(throws(() => h.finishAndCompare(expected, 0, 33)), "finishAndCompare of 33 bytes throws");
}
// matchesTag: RFC 4231 case 2 split in two at offsets, its tag at offset 3; one bit off unequal
{
	const [name, key, data, want] = vectors[1];
	const expected = new Uint8Array(40).fill(0x77);
	expected.set(bytes(want), 3);
	const a = new Uint8Array(16).fill(0xee);
	a.set(data.subarray(0, 10), 2);
	const b = new Uint8Array(40).fill(0xee);
	b.set(data.subarray(10), 5);
	const matches = () => h.matchesTag(a, 2, 10, b, 5, data.length - 10, expected, 3, 32);
	h.setKey(key, 0, key.length);
	check(matches() === true, `matchesTag ${name} split at 10 equal`);
	let unequal = 0;
	for (let bit = 0; bit < 256; bit++) {
		expected[3 + (bit >> 3)] ^= 0x80 >> (bit & 7);
		if (matches() === false) unequal++;
		expected[3 + (bit >> 3)] ^= 0x80 >> (bit & 7);
	}
	check(unequal === 256, `matchesTag ${name}: each of 256 one-bit changes unequal`);
	check(throws(() => h.matchesTag(a, 10, 10, b, 0, 0, expected, 3, 32)), "matchesTag with a past the end throws");
	check(throws(() => h.matchesTag(a, 0, 0, b, 0, 0, expected, 0, 33)), "matchesTag over 33 bytes throws");
}
check(throws(() => h.update(new Uint8Array(4), 2, 3)), "update past the end throws RangeError");
check(throws(() => h.finish(new Uint8Array(40), 9)), "finish with fewer than 32 bytes left throws");
check(throws(() => h.setKey(new Uint8Array(4), -1, 2)), "a negative offset throws");

// copyBytes (byte-copy): every length and offset pair between two buffers against a loop,
// overlapping moves within one buffer both ways, nothing outside the range touched, and every
// range outside a buffer throwing
{
	const src = range(1, 40);
	let wrong = 0;
	for (let len = 0; len <= 12; len++) {
		for (let so = 0; so + len <= src.length; so += 7) {
			for (let d0 = 0; d0 + len <= 16; d0 += 3) {
				const dst = new Uint8Array(16).fill(0xee);
				copyBytes(dst, d0, src, so, len);
				for (let i = 0; i < 16; i++) if (dst[i] !== (i >= d0 && i < d0 + len ? src[so + i - d0] : 0xee)) wrong++;
			}
		}
	}
	check(wrong === 0, `copyBytes between two buffers: every byte as a loop copies it (${wrong} wrong)`);
	const a = range(0, 19);
	copyBytes(a, 5, a, 2, 10);
	check(hex(a, 20) === "000102030402030405060708090a0b0f10111213", "copyBytes within one buffer, forward overlap (memmove)");
	const b = range(0, 19);
	copyBytes(b, 2, b, 5, 10);
	check(hex(b, 20) === "00010506070809" + "0a0b0c0d0e0c0d0e0f10111213", "copyBytes within one buffer, backward overlap (memmove)");
	const dst = new Uint8Array(8);
	check(throws(() => copyBytes(dst, 4, src, 0, 5)), "copyBytes past the destination's end throws");
	check(throws(() => copyBytes(dst, 0, src, 36, 5)), "copyBytes past the source's end throws");
	check(throws(() => copyBytes(dst, -1, src, 0, 1)) && throws(() => copyBytes(dst, 0, src, -1, 1)) && throws(() => copyBytes(dst, 0, src, 0, -1)), "copyBytes with a negative offset or length throws");
	check(dst.every((v) => v === 0), "a copyBytes that throws writes nothing");
}
print(`native checks: ${passed} passed, ${failed} failed`);
if (failed) throw new Error(`${failed} checks failed`);
