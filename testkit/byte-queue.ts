/*
 * byte-queue: the bytes a simulated broker has sent and the device has not read yet, as the
 * chunks they were sent in. `read` serves a transport's recv(dst, off, len): it copies as much
 * as fits, across chunks (fewer than len only when nothing more is waiting, as the agent's
 * transport seam asks), keeps the rest of a partly read chunk, and returns 0 when nothing is
 * waiting.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  clear(): void {
    this.chunks = [];
  }

  read(dst: Uint8Array, off: number, len: number): number {
    let n = 0;
    while (n < len && this.chunks.length > 0) {
      const head = this.chunks[0];
      const k = Math.min(len - n, head.length);
      dst.set(head.subarray(0, k), off + n);
      if (k === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(k);
      n += k;
    }
    return n;
  }
}
