/*
 * brain/keys-watch: reload the keys file when it changes or on SIGHUP (Node host edge).
 *
 * Theory of operation: `watchKeysFile(path, reload, pollMs)` polls the file's stat
 * (fs.watchFile: robust to editors that write a new file and rename it over the old one, and
 * to files on network mounts) and calls `reload("file changed")` when its mtime or size
 * changes; with `sighup` it also calls `reload("SIGHUP")` on that signal (`kill -HUP <pid>`).
 * The caller does the reading and checking (keys.ts) and keeps the old keys when the new
 * file is bad. `stop()` removes the watcher and the signal handler.
 */
import { unwatchFile, watchFile, type Stats } from "node:fs";

/** Default stat polling period of the keys file, ms. */
export const KEYS_POLL_DEFAULT_MS = 1000;

export interface KeysWatch {
  stop(): void;
}

export function watchKeysFile(path: string, reload: (why: string) => void, pollMs = KEYS_POLL_DEFAULT_MS, sighup = true): KeysWatch {
  const onChange = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    reload(cur.nlink === 0 ? "file removed" : "file changed");
  };
  watchFile(path, { interval: pollMs, persistent: false }, onChange);
  const onHup = () => reload("SIGHUP");
  if (sighup) process.on("SIGHUP", onHup);
  return {
    stop() {
      unwatchFile(path, onChange);
      if (sighup) process.off("SIGHUP", onHup);
    },
  };
}
