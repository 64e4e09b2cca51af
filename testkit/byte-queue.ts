/*
 * byte-queue: the bytes a simulated broker has sent and the device has not read yet, as the
 * chunks they were sent in. `read` serves a transport's recv(dst, off, len): it copies as much
 * as fits, keeps the rest of a partly read chunk, and returns 0 when nothing is waiting.
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
    if (this.chunks.length === 0) return 0;
    const head = this.chunks[0];
    const n = Math.min(len, head.length);
    dst.set(head.subarray(0, n), off);
    if (n === head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    return n;
  }
}
