/*
 * The XS harness itself (test/helpers/xs.ts, hosts/xs/*): suites run on XS and report
 * passes, failures and exceptions; calls, commands and allocation metering work; and no
 * process survives its worker.
 */
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runSuiteOnXs, startXsWorker, withXsWorker, XsError, type XsWorker } from "./helpers/xs";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xs-harness-"));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes a throwaway suite module and returns its absolute path. */
function suiteFile(name: string, body: string): string {
  const file = path.join(tmp, `${name}.suite.ts`);
  const bytes = JSON.stringify(path.join(repoRoot, "src", "codec", "bytes"));
  fs.writeFileSync(file, `import { fromHex, toHex } from ${bytes};\nexport function run(check: any): void {\n${body}\n}\n`);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a passing suite runs on XS, not V8, and counts its checks", async (t) => {
  const file = suiteFile(
    "pass",
    `check.ok(typeof (globalThis as any).print === "function" && typeof (globalThis as any).process === "undefined", "on XS");
     check.is(toHex(fromHex("00ff10")), "00ff10", "hex round trip");
     check.bytes(fromHex("0102"), new Uint8Array([1, 2]), "bytes");`,
  );
  t.deepEqual(await runSuiteOnXs(file), { passed: 3, failures: [] });
});

test("a failing suite reports each failure", async (t) => {
  const file = suiteFile(
    "fail",
    `check.is(1, 2, "one is two");
     check.ok(true, "fine");
     check.bytes(fromHex("0102"), fromHex("0103"), "bytes differ");
     check.ok(false, "plain failure");`,
  );
  t.deepEqual(await runSuiteOnXs(file), {
    passed: 1,
    failures: ["one is two: got 1, want 2", "bytes differ: got 0102, want 0103", "plain failure"],
  });
});

test("exceptions on XS become failure entries", async (t) => {
  const inRun = await runSuiteOnXs(suiteFile("throws", `check.ok(true, "before"); throw new RangeError("kaboom");`));
  t.is(inRun.passed, 1);
  t.is(inRun.failures.length, 1);
  t.regex(inRun.failures[0], /^exception: .*RangeError: kaboom/s);

  const atLoad = path.join(tmp, "load.suite.ts");
  fs.writeFileSync(atLoad, `throw new Error("module init failed");\nexport function run(check: any): void { check.ok(true, "never"); }\n`);
  const r = await runSuiteOnXs(atLoad);
  t.is(r.passed, 0);
  t.is(r.failures.length, 1);
  t.regex(r.failures[0], /XS exception in .*load\.suite\.ts: Error: module init failed/);

  const nodeImport = path.join(tmp, "node.suite.ts");
  fs.writeFileSync(nodeImport, `import { readFileSync } from "node:fs";\nexport function run(check: any): void { check.ok(!!readFileSync, "fs"); }\n`);
  const b = await runSuiteOnXs(nodeImport);
  t.is(b.passed, 0);
  t.regex(b.failures[0], /bundling .* failed: .*Node built-in "node:fs"/s);
});

test("the worker and driver processes are gone after use, even when the callback throws", async (t) => {
  let pids: number[] = [];
  const value = await withXsWorker(async (w) => {
    pids = [w.driverPid, w.xsnapPid];
    t.true(pids.every((p) => p > 0 && alive(p)));
    return w.call<number>("(a, b) => a * b", 6, 7);
  });
  t.is(value, 42);
  t.false(alive(pids[0]), "driver still running");
  t.false(alive(pids[1]), "xsnap still running");

  let pids2: number[] = [];
  await t.throwsAsync(
    withXsWorker(async (w) => {
      pids2 = [w.driverPid, w.xsnapPid];
      throw new Error("callback failed");
    }),
    { message: "callback failed" },
  );
  t.true(pids2.length === 2 && !alive(pids2[0]) && !alive(pids2[1]));
});

test("close() stops a worker stuck in an endless loop", async (t) => {
  const w = await startXsWorker();
  const stuck = w.evaluate("for (;;) {}");
  await new Promise((r) => setTimeout(r, 100));
  await w.close();
  await t.throwsAsync(stuck);
  t.false(alive(w.driverPid), "driver still running");
  t.false(alive(w.xsnapPid), "xsnap still running");
});

test("call, evaluate, bundles and commands in both directions", async (t) => {
  await withXsWorker(async (w: XsWorker) => {
    t.deepEqual(await w.call("(o) => ({ sum: o.a + o.b, tag: 'xs' })", { a: 1, b: 2 }), { sum: 3, tag: "xs" });
    t.is(await w.call("async (x) => (await Promise.resolve(x)) + 1", 41), 42);
    const err = await t.throwsAsync(w.call("() => { throw new TypeError('bad arg') }"), { instanceOf: XsError });
    t.regex(err!.message, /TypeError: bad arg/);
    await t.throwsAsync(w.evaluate("throw new Error('boom')"), { message: /boom/ });
    const r = await w.evaluate("globalThis.counter = 5; new TextEncoder().encode('hi').buffer");
    t.is(new TextDecoder().decode(r.reply), "hi");
    t.true(r.meter.compute > 0);

    // What the xsnap global scope offers (documented in hosts/xs/bundle.ts).
    t.deepEqual(
      await w.call(
        "() => ['print', 'gc', 'performance', 'TextEncoder', 'TextDecoder', 'issueCommand', 'console', 'setTimeout', 'process', 'Buffer'].map((n) => typeof globalThis[n])",
      ),
      ["function", "function", "object", "function", "function", "function", "undefined", "undefined", "undefined", "undefined"],
    );

    // A TypeScript module from src/, bundled, with its exports on a global.
    await w.evaluateBundle("src/codec/crypto/sha256.ts", "sha");
    const hex = await w.call<string>(
      "() => Array.from(sha.sha256Once(new TextEncoder().encode('abc')), (b) => b.toString(16).padStart(2, '0')).join('')",
    );
    t.is(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    // XS -> host: issueCommand() blocks in XS until the host answers.
    w.onCommand((msg) => new TextEncoder().encode(new TextDecoder().decode(msg).toUpperCase()));
    t.is(await w.call("(s) => new TextDecoder().decode(issueCommand(new TextEncoder().encode(s).buffer))", "ping"), "PING");
    // host -> XS: globalThis.handleCommand answers.
    await w.evaluate("globalThis.handleCommand = (buf) => new Uint8Array(buf).reverse().buffer");
    const reply = await w.issueCommand(new Uint8Array([1, 2, 3]));
    t.deepEqual([...reply.reply], [3, 2, 1]);
  });
});

test("allocation metering on XS counts slots and chunk bytes exactly", async (t) => {
  await withXsWorker(async (w) => {
    t.true(w.hasMemoryStats, "metered xsnap worker missing: run npm run build:xs");
    const none = await w.measureAlloc("() => {}", 100_000);
    t.deepEqual(none && [none.slots, none.chunkBytes, none.bytes], [0, 0, 0]);
    // An object with one property: an instance slot and a property slot. A million of them
    // exhaust the heap several times, so this also exercises the window splitting.
    const objs = await w.measureAlloc("() => ({ a: 1 })", 1_000_000);
    t.is(objs!.slots, 2_000_000);
    t.is(objs!.chunkBytes, 0);
    t.is(objs!.bytes, 2_000_000 * objs!.slotBytes);
    // Strings allocate chunks only: invisible to the stock meter, visible here.
    const strs = await w.measureAlloc("() => String(Math.random())", 10_000);
    t.is(strs!.slots, 0);
    t.true(strs!.chunkBytes >= 10_000 * 8, `chunkBytes ${strs!.chunkBytes}`);
    const bufs = await w.measureAlloc("() => new Uint8Array(1000)", 5_000);
    t.true(bufs!.slots > 0 && bufs!.slots % 5_000 === 0, `slots ${bufs!.slots}`);
    t.true(bufs!.chunkBytes >= 5_000 * 1000, `chunkBytes ${bufs!.chunkBytes}`);
    // Preallocated typed-array work allocates nothing; a subarray() view does.
    await w.evaluate("globalThis.buf = new Uint8Array(64); globalThis.dv = new DataView(buf.buffer)");
    const hot = await w.measureAlloc("() => { for (let i = 0; i < 16; i++) dv.setFloat32(i * 4, i * 1.5); }", 10_000);
    t.is(hot!.bytes, 0);
    const view = await w.measureAlloc("() => buf.subarray(1, 5)", 10_000);
    t.true(view!.slots >= 10_000, `slots ${view!.slots}`);
  });
});
