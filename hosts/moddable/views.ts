/*
 * views: a small cache of Uint8Array views, so byte ranges can be handed to native APIs
 * (ECMA-419 TCP read/write, crypt Digest.write) without allocating a view per call.
 *
 * Theory of operation: Moddable's native IO reads or writes a whole buffer or view, never an
 * (offset, length) range. The agent works in ranges of a few long-lived buffers, and in the
 * steady state the same ranges recur (a sensor frame has a fixed size at a fixed offset). The
 * cache remembers the last `SLOTS` (buffer, offset, length) triples and their views; a hit
 * costs a short scan, a miss makes one view and evicts round-robin. A range that covers a
 * whole buffer is returned as the buffer itself.
 */

const SLOTS = 8;

export class ViewCache {
  private readonly bufs: (Uint8Array | null)[] = [null, null, null, null, null, null, null, null];
  private readonly views: (Uint8Array | null)[] = [null, null, null, null, null, null, null, null];
  private readonly offs = new Int32Array(SLOTS);
  private readonly lens = new Int32Array(SLOTS);
  private next = 0;
  /** Views created so far (misses), for the stats line. */
  misses = 0;

  /** A view of buf[off..off+len). The caller checks the range. */
  get(buf: Uint8Array, off: number, len: number): Uint8Array {
    if (off === 0 && len === buf.length) return buf;
    for (let i = 0; i < SLOTS; i++) {
      if (this.bufs[i] === buf && this.offs[i] === off && this.lens[i] === len) return this.views[i]!;
    }
    const slot = this.next;
    this.next = (slot + 1) % SLOTS;
    const view = buf.subarray(off, off + len);
    this.bufs[slot] = buf;
    this.views[slot] = view;
    this.offs[slot] = off;
    this.lens[slot] = len;
    this.misses++;
    return view;
  }

  /** Forgets every view (e.g. when a buffer is retired). */
  clear(): void {
    for (let i = 0; i < SLOTS; i++) {
      this.bufs[i] = null;
      this.views[i] = null;
    }
  }
}
