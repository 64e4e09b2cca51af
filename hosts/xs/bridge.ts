/*
 * bridge: the byte protocol between Node and the firmware running inside XS (xsnap).
 *
 * Theory of operation: Node owns the socket and the clock; XS owns the agent. Every exchange
 * is one request and one reply (xsnap's issueCommand), so a whole tick costs one round trip:
 *   request  = [op u8][now u32 LE][arg i32 LE][entropy 64 bytes][payload...]
 *              payload: inbound socket bytes (op TICK) or the JSON config (op CONFIGURE)
 *   reply    = records [kind u8][len u32 LE][data], always ending with one STATE record
 *              (nextDeadline u32, phase u8, generation u32).
 * Everything here is engine-agnostic (it is bundled into the XS firmware too) and uses only
 * typed arrays and src/codec/bytes.
 */
export const Op = { Configure: 1, Start: 2, Tick: 3, Opened: 4, Closed: 5, Stop: 6, Status: 7 } as const;
export const Rec = { Send: 1, Open: 2, Close: 3, Log: 4, Motor: 5, Safe: 6, NetRestart: 7, Reboot: 8, State: 9, Status: 10, Sample: 11 } as const;

export const ENTROPY_BYTES = 64;
export const REQUEST_HEADER_BYTES = 1 + 4 + 4 + ENTROPY_BYTES;

export function writeU32LE(dst: Uint8Array, off: number, v: number): void {
  dst[off] = v & 0xff;
  dst[off + 1] = (v >>> 8) & 0xff;
  dst[off + 2] = (v >>> 16) & 0xff;
  dst[off + 3] = (v >>> 24) & 0xff;
}

export function readU32LE(src: Uint8Array, off: number): number {
  return (src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24)) >>> 0;
}

/** Writes a request header at dst[0]; the payload goes at REQUEST_HEADER_BYTES. */
export function writeRequestHeader(dst: Uint8Array, op: number, nowMs: number, arg: number, entropy: Uint8Array): void {
  dst[0] = op;
  writeU32LE(dst, 1, nowMs >>> 0);
  writeU32LE(dst, 5, arg >>> 0);
  dst.set(entropy.subarray(0, ENTROPY_BYTES), 9);
}

/** Walks the records of a reply: calls fn(kind, dataOff, dataLen) for each. */
export function forEachRecord(reply: Uint8Array, fn: (kind: number, off: number, len: number) => void): void {
  let off = 0;
  while (off + 5 <= reply.length) {
    const kind = reply[off];
    const len = readU32LE(reply, off + 1);
    fn(kind, off + 5, len);
    off += 5 + len;
  }
}
