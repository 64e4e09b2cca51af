/*
 * status-line: how `npm start` shows its once-a-second status, terminal or not.
 *
 * Theory of operation: on a terminal the status is one line rewritten in place ("\r", erase
 * line) and cut to the terminal's width so it never wraps (a wrapped line cannot be rewritten);
 * log lines first erase it. Anywhere else (a pipe, a file, CI) there are no escape codes: the
 * status is printed as a plain line every `plainEveryMs`, and log lines are plain lines.
 */

/** Plain status lines this often when stdout is not a terminal (default). */
export const PLAIN_STATUS_EVERY_MS = 5000;

/** `text` cut to `columns - 1` characters (the last column would wrap on some terminals), with "…" when cut. */
export function fitWidth(text: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2 || text.length < columns) return text;
  return `${text.slice(0, columns - 2)}…`;
}

export interface StatusOutput {
  /** Shows the current status: rewritten in place on a terminal, a plain line at most every plainEveryMs otherwise. */
  status(text: string, nowMs: number): void;
  /** A log line above the status. */
  line(text: string): void;
  /** Ends the status line (before the last messages). */
  end(lastStatus: string | null): void;
}

export function statusOutput(out: { isTTY?: boolean; columns?: number; write(s: string): unknown }, plainEveryMs = PLAIN_STATUS_EVERY_MS): StatusOutput {
  let lastPlainAt = -Infinity;
  let shown = false;
  if (out.isTTY === true)
    return {
      status(text) {
        out.write(`\r\x1b[K${fitWidth(text, out.columns)}`);
        shown = true;
      },
      line(text) {
        out.write(`\r\x1b[K${text}\n`);
        shown = false;
      },
      end() {
        if (shown) out.write("\n");
        shown = false;
      },
    };
  return {
    status(text, nowMs) {
      if (nowMs - lastPlainAt < plainEveryMs) return;
      lastPlainAt = nowMs;
      out.write(`${text}\n`);
    },
    line(text) {
      out.write(`${text}\n`);
    },
    end(lastStatus) {
      if (lastStatus !== null) out.write(`${lastStatus}\n`);
    },
  };
}
