/*
 * temp-dir: temporary directories that tests cannot leave behind.
 *
 * Theory of operation: `tempDir(t, prefix)` makes a fresh directory under the OS temp dir and
 * registers its removal as a teardown of the ava test `t`, at once, before the caller writes
 * anything into it, so a test that fails halfway still removes it. `suiteTempDir(prefix)`
 * is the same for a directory shared by every test of a file (removed after the last one).
 * Both remove the whole tree, keys and certificates included.
 */
import test, { type ExecutionContext } from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new empty directory, removed when the test `t` ends (pass or fail). */
export function tempDir(t: ExecutionContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new empty directory for every test of the calling file, removed after the last one. */
export function suiteTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  test.after.always(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
