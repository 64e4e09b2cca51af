/*
 * brain/log-window: one log line per key per window, with a count of what it held back.
 *
 * Theory of operation: `hit(key, nowMs)` returns -1 when a line for key was already logged in
 * the current window (the hit is counted), else the number of hits held back in the window
 * that just ended (0 or more): the caller logs its line now and may append that count.
 * `flush(nowMs, fn)` reports every key whose window has ended with hits held back, so a burst
 * that stops still gets its count logged; the key then starts afresh. At most `maxKeys` keys
 * are remembered (the oldest is forgotten first). Engine-agnostic, no clock: time comes in.
 */

interface Window {
  startMs: number;
  held: number;
}

export class LogWindow {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly windowMs: number,
    private readonly maxKeys = 1000,
  ) {}

  /** -1: suppress (counted); else log now, `held` hits of the previous window were held back. */
  hit(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (w !== undefined && nowMs - w.startMs < this.windowMs) {
      w.held++;
      return -1;
    }
    const held = w === undefined ? 0 : w.held;
    if (w === undefined) {
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, { startMs: nowMs, held: 0 });
    } else {
      w.startMs = nowMs;
      w.held = 0;
    }
    return held;
  }

  /** Calls fn(key, held) for every ended window that held hits back, and forgets it. */
  flush(nowMs: number, fn: (key: string, held: number) => void): void {
    for (const [key, w] of this.windows) {
      if (nowMs - w.startMs < this.windowMs) continue;
      if (w.held > 0) fn(key, w.held);
      this.windows.delete(key);
    }
  }
}
