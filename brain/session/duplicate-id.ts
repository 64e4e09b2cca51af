/*
 * brain/session/duplicate-id: notices two clients alternating on one agent id.
 *
 * Theory of operation: a device raises its generation by one for every connection, so the
 * generations of one device's hellos only grow (a reboot starts them again, once). Two
 * devices with one id take the session from each other, and their hellos interleave: the
 * generation keeps going back (or repeats). `noteHello` counts the hellos whose generation is
 * not newer than the one before (u32 wrap-aware) within a window of DUPLICATE_WINDOW_MS;
 * DUPLICATE_REGRESSIONS of them are the finding. The finding stays `suspected` for a window
 * after it was last made. Time comes in as nowMs; engine-agnostic.
 */

/** Window of the detector (and of its log line), ms. */
export const DUPLICATE_WINDOW_MS = 60_000;
/** Hellos not newer than the one before, within the window, that mean two clients share the id. */
export const DUPLICATE_REGRESSIONS = 3;

export class DuplicateIdDetector {
  private seen = false;
  private lastGeneration = 0;
  private windowStartMs = -Infinity;
  /** Regressions counted in the current window. */
  regressions = 0;
  /** When the finding was last made (-Infinity: never). */
  foundAtMs = -Infinity;

  /** Records a hello's generation; true when it completes (or repeats) the finding. */
  noteHello(nowMs: number, generation: number): boolean {
    let found = false;
    if (this.seen && ((generation - this.lastGeneration) | 0) <= 0) {
      if (nowMs - this.windowStartMs > DUPLICATE_WINDOW_MS) {
        this.windowStartMs = nowMs;
        this.regressions = 0;
      }
      this.regressions++;
      if (this.regressions >= DUPLICATE_REGRESSIONS) {
        this.foundAtMs = nowMs;
        found = true;
      }
    }
    this.seen = true;
    this.lastGeneration = generation >>> 0;
    return found;
  }

  /** True while the finding is recent (within a window of when it was last made). */
  suspected(nowMs: number): boolean {
    return nowMs - this.foundAtMs < DUPLICATE_WINDOW_MS;
  }
}
