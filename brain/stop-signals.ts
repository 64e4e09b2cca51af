/*
 * brain/stop-signals: Ctrl-C and SIGTERM for the command-line tools, one Ctrl-C counted once.
 *
 * Theory of operation: a Ctrl-C in a terminal signals the whole foreground process group, and
 * `npm run` / tsx forward the same SIGINT again, so one key press can reach the process two or
 * three times within milliseconds. StopSignals classifies each signal by its arrival time:
 * the first one starts the clean stop, any other within `sameWithinMs` of the first is the
 * same key press (ignored), and one after that is a deliberate second Ctrl-C that forces the
 * exit. `onStopSignals` installs it on SIGINT and SIGTERM.
 */

/** Signals closer than this to the first are taken as the same Ctrl-C (default). */
export const SAME_SIGNAL_WITHIN_MS = 1500;

export type SignalVerdict = "stop" | "same" | "force";

export class StopSignals {
  private firstAt: number | null = null;
  constructor(private readonly sameWithinMs = SAME_SIGNAL_WITHIN_MS) {}

  classify(nowMs: number): SignalVerdict {
    if (this.firstAt === null) {
      this.firstAt = nowMs;
      return "stop";
    }
    return nowMs - this.firstAt < this.sameWithinMs ? "same" : "force";
  }
}

/** Calls `stop` on the first SIGINT / SIGTERM and `force` on a later, separate one. */
export function onStopSignals(stop: (signal: string) => void, force: (signal: string) => void, sameWithinMs = SAME_SIGNAL_WITHIN_MS): void {
  const signals = new StopSignals(sameWithinMs);
  const handle = (signal: string) => {
    const v = signals.classify(Date.now());
    if (v === "stop") stop(signal);
    else if (v === "force") force(signal);
  };
  process.on("SIGINT", () => handle("SIGINT"));
  process.on("SIGTERM", () => handle("SIGTERM"));
}
