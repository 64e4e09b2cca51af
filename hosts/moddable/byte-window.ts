/*
 * byte-window: one fixed buffer that native IO sees at any length from 1 byte to its
 * capacity, so byte ranges reach ECMA-419 reads and writes without a view per call.
 *
 * Theory of operation: Moddable's native IO reads or writes a whole buffer, never an
 * (offset, length) range, and a view made per range would allocate on every call (a cache of
 * views still allocates whenever a new range shows up, e.g. a packet that grew by a byte). A
 * ByteWindow is one resizable ArrayBuffer of `capacity` bytes plus a length-tracking
 * Uint8Array over it, both made once. `open(n)` shrinks the buffer to n bytes, the caller
 * copies in or out through `bytes` and hands `buffer` to the native call, and `close()` grows
 * it back to `capacity`. XS resizes a buffer in place while the new length fits the chunk it
 * was made with, so neither step allocates. The window rests at full capacity because the XS
 * garbage collector, when it compacts the chunk heap, trims a chunk to its current length,
 * after which growing would allocate; nothing may allocate between open and close, so no
 * collection can run while it is open. Memory: `capacity` bytes, fixed for the window's life.
 */

export class ByteWindow {
  /** The buffer to pass to native IO; `n` bytes long between open(n) and close(). */
  readonly buffer: ArrayBuffer;
  /** A view that tracks the buffer's current length. */
  readonly bytes: Uint8Array;

  constructor(readonly capacity: number) {
    this.buffer = new ArrayBuffer(capacity, { maxByteLength: capacity });
    this.bytes = new Uint8Array(this.buffer);
  }

  /** Makes the window n bytes long (1..capacity), keeping its first n bytes. */
  open(n: number): ArrayBuffer {
    this.buffer.resize(n);
    return this.buffer;
  }

  /** Back to full capacity (the bytes past the open length read as 0). */
  close(): void {
    this.buffer.resize(this.capacity);
  }
}
