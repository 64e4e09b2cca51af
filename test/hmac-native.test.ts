/*
 * The native HMAC-SHA256 (hosts/moddable/native) compiled with this machine's cc and run
 * through test/native/hmac-harness.c: RFC 4231 cases 1-7 (whole, chunked, the same key twice,
 * a fresh state), begin before setKey refused, 400 seeded random keys, messages and
 * chunkings against node:crypto, and finish_compare (the verifier's call): on each RFC 4231
 * tag over 16 and 32 bytes, equal, one bit off at every bit of the compared range (all
 * unequal), a byte off just past a 16-byte range (still equal) and an empty range.
 * Which SHA-256 is under the C code depends on what this machine has, and each backend is its
 * own test, skipped (with the reason in its title) where it cannot be built:
 *   - the Moddable SDK's fips180.c, the backend of every firmware build: needs $MODDABLE
 *     (the SDK source is not in this repository). The same test also compiles the XS binding
 *     hosts/moddable/native/hmac-sha256.c against the SDK's headers (syntax and types only;
 *     it runs in the simulator and on the devices);
 *   - OpenSSL's libcrypto: needs its headers (Debian libssl-dev), so that the HMAC layer is
 *     tested on machines without the Moddable SDK.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Prng } from "../testkit/prng";
import { hmacVectors } from "./vectors/hmac.suite";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const native = path.join(root, "hosts", "moddable", "native");
const harness = path.join(root, "test", "native", "hmac-harness.c");
const shim = path.join(root, "test", "native", "xs-platform-shim");
const core = path.join(native, "hmac-sha256-core.c");
const cc = process.env.CC ?? "cc";

interface Backend {
  name: string;
  /** Why it cannot be built here, or null. */
  missing: string | null;
  args: string[];
}

function compiles(args: string[], source: string): boolean {
  const r = spawnSync(cc, [...args, "-x", "c", "-fsyntax-only", "-"], { input: source, encoding: "utf8" });
  return r.status === 0;
}

function moddableBackend(): Backend {
  const sdk = process.env.MODDABLE;
  const kcl = sdk ? path.join(sdk, "modules", "crypt", "digest", "kcl") : "";
  const missing = !sdk ? "$MODDABLE is not set" : !fs.existsSync(path.join(kcl, "fips180.c")) ? `no fips180.c under ${kcl}` : null;
  return { name: "the Moddable SDK's fips180.c", missing, args: [`-I${shim}`, `-I${kcl}`, path.join(kcl, "fips180.c")] };
}

function opensslBackend(): Backend {
  const ok = compiles([], "#include <openssl/sha.h>\n");
  return { name: "OpenSSL libcrypto", missing: ok ? null : "no OpenSSL headers (Debian: libssl-dev)", args: ["-DBS_SHA256_OPENSSL", "-Wno-deprecated-declarations", "-lcrypto"] };
}

function build(b: Backend, dir: string): string {
  const exe = path.join(dir, "hmac-harness");
  // Sources before libraries: -lcrypto must follow the objects that use it.
  const sources = b.args.filter((a) => a.endsWith(".c"));
  const flags = b.args.filter((a) => !a.endsWith(".c") && !a.startsWith("-l"));
  const libs = b.args.filter((a) => a.startsWith("-l"));
  const r = spawnSync(cc, ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", ...flags, `-I${native}`, "-o", exe, harness, core, ...sources, ...libs], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc failed (${b.name}):\n${r.stderr}`);
  return exe;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** One script for the harness and the lines it must print, from the vector tables. */
function script(): { input: string; expect: string[]; labels: string[] } {
  const lines: string[] = [];
  const expect: string[] = [];
  const labels: string[] = [];
  const rng = new Prng(0x4231c);
  const finish = (want: string, label: string) => {
    lines.push("F");
    expect.push(want);
    labels.push(label);
  };
  const begin = (label: string) => {
    lines.push("B");
    expect.push("ok");
    labels.push(label);
  };
  const chunks = (msg: Uint8Array) => {
    let off = 0;
    while (off < msg.length) {
      const n = rng.chance(0.15) ? 0 : rng.int(1, msg.length - off);
      lines.push(`U ${hex(msg.subarray(off, off + n))}`);
      off += n;
    }
  };
  // begin before any key is refused, and the state still works afterwards
  lines.push("N", "B");
  expect.push("err");
  labels.push("begin before setKey");
  for (const [name, key, data, tag] of hmacVectors) {
    lines.push("N", `K ${hex(key)}`);
    begin(name);
    lines.push(`U ${hex(data)}`);
    finish(tag, `${name} whole`);
    for (let k = 0; k < 2; k++) {
      begin(name);
      chunks(data);
      finish(tag, `${name} chunked, run ${k} under the same key`);
    }
  }
  // finish_compare: the tag itself, then one bit off at every position of the compared range
  const compare = (want: Uint8Array, result: "eq" | "ne", label: string) => {
    lines.push(`C ${hex(want)}`);
    expect.push(result);
    labels.push(label);
  };
  for (const [name, key, data, tagHex] of hmacVectors) {
    const tag = Buffer.from(tagHex, "hex");
    lines.push(`K ${hex(key)}`);
    const message = () => {
      begin(`${name} compare`);
      lines.push(`U ${hex(data)}`);
    };
    for (const len of [16, 32]) {
      if (len > tag.length) continue; // RFC 4231 case 5 lists 16 bytes
      message();
      compare(tag.subarray(0, len), "eq", `${name} compare ${len} equal`);
      for (let bit = 0; bit < len * 8; bit++) {
        const off = Uint8Array.from(tag.subarray(0, len));
        off[bit >> 3] ^= 0x80 >> (bit & 7);
        message();
        compare(off, "ne", `${name} compare ${len}, bit ${bit} flipped`);
      }
    }
    if (tag.length === 32) {
      const past = Uint8Array.from(tag);
      past[16] ^= 1;
      message();
      compare(past.subarray(0, 16), "eq", `${name} compare 16 ignores byte 16`);
    }
    message();
    compare(new Uint8Array(0), "eq", `${name} compare 0 bytes`);
    // the engine is ready for the next message after a compare
    message();
    finish(tagHex, `${name} finish after compare`);
  }
  // seeded random cases against node:crypto, re-keying one state
  for (let i = 0; i < 400; i++) {
    const key = rng.bytes(rng.int(0, 200));
    const msg = rng.bytes(rng.int(0, 300));
    lines.push(`K ${hex(key)}`);
    begin(`random ${i}`);
    chunks(msg);
    finish(createHmac("sha256", key).update(msg).digest("hex"), `random ${i} (key ${key.length} B, message ${msg.length} B)`);
  }
  return { input: lines.join("\n") + "\n", expect, labels };
}

function check(t: import("ava").ExecutionContext, exe: string): void {
  const s = script();
  const r = spawnSync(exe, [], { input: s.input, encoding: "utf8", maxBuffer: 1 << 24 });
  t.is(r.status, 0, `harness exit status (stderr: ${r.stderr})`);
  const got = r.stdout.trim().split("\n");
  t.is(got.length, s.expect.length, "one output line per B and F command");
  const wrong: string[] = [];
  for (let i = 0; i < s.expect.length; i++) {
    // RFC 4231 case 5 lists only the first 128 bits of the tag
    if (got[i]?.slice(0, s.expect[i].length) !== s.expect[i]) wrong.push(`${s.labels[i]}: got ${got[i]}, want ${s.expect[i]}`);
  }
  t.deepEqual(wrong, [], "every tag and every begin result as expected");
  t.log(`${s.expect.length} results checked`);
}

for (const backend of [moddableBackend(), opensslBackend()]) {
  const title = `native HMAC-SHA256 (C) on ${backend.name}: RFC 4231, finish_compare and 400 random cases vs node:crypto`;
  if (backend.missing) {
    test.skip(`${title} (skipped: ${backend.missing})`, () => {});
    continue;
  }
  test(title, (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-hmac-native-"));
    try {
      check(t, build(backend, dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

const sdk = moddableBackend();
const bindingTitle = "native HMAC-SHA256 XS binding compiles against the Moddable SDK headers";
if (sdk.missing) test.skip(`${bindingTitle} (skipped: ${sdk.missing})`, () => {});
else
  test(bindingTitle, (t) => {
    const m = process.env.MODDABLE!;
    const inc = ["xs/includes", "xs/platforms", "xs/sources", "modules/crypt/digest/kcl"].map((d) => `-I${path.join(m, d)}`);
    const r = spawnSync(cc, ["-std=gnu99", "-Wall", "-Werror", "-fsyntax-only", ...inc, `-I${native}`, path.join(native, "hmac-sha256.c")], { encoding: "utf8" });
    t.is(r.status, 0, r.stderr);
  });
