/*
 * brain keys and registry: the keys file format, its one-line errors, and the registry.
 * Table-driven: each bad keys file names the words its error message must contain.
 */
import test from "ava";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentRegistry, KeysFileError, loadKeysFile, parseKeys } from "../brain/keys";
import { startBrain } from "../brain/index";
import { tempDir } from "../testkit/temp-dir";

const HEX32 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

const badFiles: readonly [name: string, text: string, mustContain: string][] = [
  ["not JSON", "{agents: }", "not valid JSON"],
  ["an array", "[]", '{"agents"'],
  ["null", "null", '{"agents"'],
  ["agents missing", '{"keys": {}}', '{"agents"'],
  ["agents an array", '{"agents": []}', '{"agents"'],
  ["no agents", '{"agents": {}}', "lists no agents"],
  ["invalid agent id", `{"agents": {"bad id!": "${HEX32}"}}`, 'agent id "bad id!" is invalid'],
  ["agent id too long", `{"agents": {"a23456789012345678901": "${HEX32}"}}`, "is invalid"],
  ["key not a string", '{"agents": {"r1": 12}}', 'key of agent "r1" must be a hex string'],
  ["key not hex", '{"agents": {"r1": "zz"}}', "must be a hex string"],
  ["odd hex digits", '{"agents": {"r1": "abc"}}', "must be a hex string"],
  ["key too short", '{"agents": {"r1": "0011223344556677"}}', "8 bytes; keys must be 16..64 bytes"],
  ["key too long", `{"agents": {"r1": "${"ab".repeat(65)}"}}`, "65 bytes"],
];

for (const [name, text, mustContain] of badFiles) {
  test(`keys file error: ${name}`, (t) => {
    const err = t.throws(() => parseKeys(text, "k.json"), { instanceOf: KeysFileError });
    t.true(err!.message.includes(mustContain), err!.message);
    t.true(err!.message.includes("k.json"), "names the file");
    t.false(err!.message.includes("\n"), "one line");
  });
}

test("keys file: valid file, other top-level members ignored, hex of any case", (t) => {
  const keys = parseKeys(`{"_comment": "x", "agents": {"r1": "${HEX32}", "Bot_2-b": "${HEX32.toUpperCase().slice(0, 32)}"}}`, "k.json");
  t.deepEqual([...keys.keys()], ["r1", "Bot_2-b"]);
  t.is(Buffer.from(keys.get("r1")!).toString("hex"), HEX32);
  t.is(keys.get("Bot_2-b")!.length, 16);
});

test("keys file: a missing file is a one-line KeysFileError naming the path", (t) => {
  const path = join(tmpdir(), "brainstem-no-such-keys-file.json");
  const err = t.throws(() => loadKeysFile(path), { instanceOf: KeysFileError });
  t.is(err!.message, `keys file not found: ${path}`);
});

test("keys file: read from disk", (t) => {
  const dir = tempDir(t, "bs-keys-");
  const path = join(dir, "keys.json");
  writeFileSync(path, `{"agents": {"r1": "${HEX32}"}}`);
  t.is(loadKeysFile(path).size, 1);
  writeFileSync(path, "{");
  t.throws(() => loadKeysFile(path), { instanceOf: KeysFileError, message: /not valid JSON/ });
});

test("keys file: brain/keys.example.json holds the clearly marked demo key of demo1", (t) => {
  const keys = loadKeysFile(new URL("../brain/keys.example.json", import.meta.url).pathname);
  t.deepEqual([...keys.keys()], ["demo1"]);
  t.true(Buffer.from(keys.get("demo1")!).toString("utf8").includes("demo-key"));
});

test("registry: lookups, a copy of the keys, and checked ids and key lengths", (t) => {
  const key = new Uint8Array(16).fill(1);
  const reg = new AgentRegistry(new Map([["r1", key]]));
  key[0] = 9;
  t.is(reg.keyOf("r1")![0], 1, "the registry keeps its own copy");
  t.is(reg.keyOf("r2"), undefined);
  t.is(reg.size, 1);
  t.deepEqual(reg.ids(), ["r1"]);
  t.throws(() => new AgentRegistry(new Map([["no/slash", new Uint8Array(16)]])), { instanceOf: KeysFileError, message: /is invalid/ });
  t.throws(() => new AgentRegistry(new Map([["r1", new Uint8Array(15)]])), { instanceOf: KeysFileError, message: /15 bytes/ });
  t.throws(() => new AgentRegistry(new Map([["r1", "00" as unknown as Uint8Array]])), { instanceOf: KeysFileError, message: /Uint8Array/ });
});

test("startBrain refuses a missing keys file before it opens anything", async (t) => {
  await t.throwsAsync(startBrain({ keys: join(tmpdir(), "brainstem-missing.json") }), { instanceOf: KeysFileError, message: /keys file not found/ });
});
