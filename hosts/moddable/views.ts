/*
 * views: a small cache of Uint8Array views, so byte ranges can be handed to native APIs
 * (crypt Digest.write) without allocating a view per call. The transport does not use it:
 * its reads and writes go through one ByteWindow (byte-window.ts), which never allocates.
 *
 * Theory of operation: Moddable's native IO reads or writes a whole buffer or view, never an
 * (offset, length) range. The agent works in ranges of a few long-lived buffers, and in the
 * steady state the same ranges recur (a sensor frame has a fixed size at a fixed offset; TCP
 * delivers a handful of distinct read sizes). The cache remembers `SLOTS` (buffer, offset,
 * length) triples and their views; a hit costs a short scan, a miss makes one view and evicts
 * the least recently used entry, so rare sizes do not push out the common ones. A range that
 * covers a whole buffer is returned as the buffer itself. `getRecurring` makes a view only the
 * second time a range is asked for (it returns null the first time, and the caller copies
 * instead), so one-off ranges, such as the tail of a partial write, never allocate.
 */

const SLOTS = 16;

export class ViewCache {
  private readonly bufs: (Uint8Array | null)[] = new Array<Uint8Array | null>(SLOTS).fill(null);
  private readonly views: (Uint8Array | null)[] = new Array<Uint8Array | null>(SLOTS).fill(null);
  private readonly offs = new Int32Array(SLOTS);
  private readonly lens = new Int32Array(SLOTS);
  private readonly used = new Float64Array(SLOTS);
  private clock = 0;
  /** Views created so far (misses); it stops growing once the steady state's ranges are cached. */
  misses = 0;

  /** A view of buf[off..off+len). The caller checks the range. */
  get(buf: Uint8Array, off: number, len: number): Uint8Array {
    return this.lookup(buf, off, len, false)!;
  }

  /** A view of buf[off..off+len) if this range was asked for before; null (and remembered) otherwise. */
  getRecurring(buf: Uint8Array, off: number, len: number): Uint8Array | null {
    return this.lookup(buf, off, len, true);
  }

  private lookup(buf: Uint8Array, off: number, len: number, recurringOnly: boolean): Uint8Array | null {
    if (off === 0 && len === buf.length) return buf;
    const now = ++this.clock;
    let victim = 0;
    for (let i = 0; i < SLOTS; i++) {
      if (this.bufs[i] === buf && this.offs[i] === off && this.lens[i] === len) {
        this.used[i] = now;
        let view = this.views[i];
        if (view === null) {
          view = buf.subarray(off, off + len); // seen before: now it earns a view
          this.views[i] = view;
          this.misses++;
        }
        return view;
      }
      if (this.used[i] < this.used[victim]) victim = i;
    }
    const view = recurringOnly ? null : buf.subarray(off, off + len);
    this.bufs[victim] = buf;
    this.views[victim] = view;
    this.offs[victim] = off;
    this.lens[victim] = len;
    this.used[victim] = now;
    if (view !== null) this.misses++;
    return view;
  }

  /** Forgets every view (e.g. when a buffer is retired). */
  clear(): void {
    this.bufs.fill(null);
    this.views.fill(null);
    this.used.fill(0);
  }
}
