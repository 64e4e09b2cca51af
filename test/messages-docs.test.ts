/*
 * docs/protocol.md stays in step with the code: every generated block (message and frame
 * examples, handshake values, frame sizes, error-code table) equals what
 * tools/protocol-examples.ts renders now, and every example passes its checks (cbor-x decodes
 * it to the stated object and writes the same bytes; our decoders accept it).
 */
import test from "ava";
import fs from "node:fs";
import { annotate, DOC_PATH, examples, renderBlocks, renderDocument } from "../tools/protocol-examples.ts";
import { errorTable } from "../src/errors.ts";
import { fromHex } from "../src/codec/bytes.ts";

test("docs/protocol.md is up to date (run: npx tsx tools/protocol-examples.ts --write)", (t) => {
  const doc = fs.readFileSync(DOC_PATH, "utf8");
  t.is(renderDocument(doc, renderBlocks()), doc);
});

test("the document has an example for every message type and both frames, and every error code", (t) => {
  const doc = fs.readFileSync(DOC_PATH, "utf8");
  const names = examples().map((e) => e.name);
  t.is(names.length, 16, "13 messages (hello twice: without and with channel names) and 2 frames");
  for (const n of names) t.true(doc.includes(`<!-- generated:example:${n} -->`), n);
  for (const [code, name] of errorTable) t.true(doc.includes(`| ${code} | \`${name}\` |`), name);
});

test("annotate() lists one head per line and refuses bytes outside the subset", (t) => {
  t.is(annotate(fromHex("820161 61")), ['82       # array(2)', '  01     # 1', '  61 61  # text(1) "a"'].join("\n"));
  t.throws(() => annotate(fromHex("9fff")));
  t.throws(() => annotate(fromHex("0000")));
});
