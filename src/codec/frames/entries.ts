/*
 * frames/entries: the (channel id, typed array) pairs a frame writer copies into a frame.
 *
 * Theory of operation: at setup the owner makes one byte view per channel over that
 * channel's typed array (channels.ts `byteView`), and a FrameEntries with room for every
 * channel. Per frame it calls clear() and add(id, view) for each channel to send (add stores
 * references only), then encodeSensorFrame / encodeMotorFrame. `writeEntries` checks and
 * writes `id, tag(et) + bstr` for each entry (protocol.md §Frames): a uint head, a two-byte tag head
 * (none for uint8), a byte-string head and one native `set()` of the channel's bytes.
 * Nothing here allocates after construction.
 */
import { Err } from "../../errors";
import { writeHead } from "../cbor/writer";
import { TAG_UINT8 } from "../cbor/types";
import type { ChannelTable } from "./channels";

/** Preallocated list of entries for one frame. */
export class FrameEntries {
  count = 0;
  readonly capacity: number;
  /** Channel id of each entry. */
  readonly ids: Int32Array;
  /** Byte view of each entry's data (the whole channel: count * element size bytes). */
  readonly data: Uint8Array[];

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ids = new Int32Array(capacity);
    this.data = [];
    const empty = new Uint8Array(0);
    for (let i = 0; i < capacity; i++) this.data.push(empty);
  }

  /** Forgets all entries (keeps the storage). */
  clear(): void {
    this.count = 0;
  }

  /** Appends (id, bytes). Returns 0, or QUEUE_FULL when capacity entries are already held. */
  add(id: number, bytes: Uint8Array): number {
    if (this.count >= this.capacity) return Err.QUEUE_FULL;
    this.ids[this.count] = id;
    this.data[this.count] = bytes;
    this.count++;
    return 0;
  }
}

/** Bytes of the shortest CBOR head for argument v (RFC 8949 §3, §4.2.1). */
export function headBytes(v: number): number {
  return v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v < 0x100000000 ? 5 : 9;
}

/** Encoded size of one entry for table index i: id head, tag head (not for uint8), bstr head, payload. */
export function entryBytes(table: ChannelTable, i: number): number {
  const spec = table.specs[i];
  const len = table.byteLength[i];
  return headBytes(spec.id) + (spec.elementType === TAG_UINT8 ? 0 : 2) + headBytes(len) + len;
}

/**
 * Writes the entries as `id, typed array` item pairs at dst[off], checking each as it goes:
 * every entry must name a distinct channel of `kind` and carry exactly its byte length.
 * Returns the new offset, CHANNEL_UNKNOWN (no entries; unknown id, wrong kind or length,
 * repeated id) or BUFFER_TOO_SMALL. On error dst[off..] is unspecified.
 */
export function writeEntries(dst: Uint8Array, off: number, table: ChannelTable, kind: number, entries: FrameEntries): number {
  const n = entries.count;
  if (n === 0) return Err.CHANNEL_UNKNOWN; // a frame carries at least one entry
  const ids = entries.ids;
  const data = entries.data;
  const specs = table.specs;
  const lens = table.byteLength;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const idx = table.indexOf(id);
    if (idx < 0) return Err.CHANNEL_UNKNOWN;
    const spec = specs[idx];
    const bytes = data[i];
    const len = bytes.length;
    if (spec.kind !== kind || len !== lens[idx]) return Err.CHANNEL_UNKNOWN;
    for (let j = 0; j < i; j++) if (ids[j] === id) return Err.CHANNEL_UNKNOWN;
    const et = spec.elementType;
    if (off + (id < 24 ? 1 : 2) + (et === TAG_UINT8 ? 0 : 2) + headBytes(len) + len > dst.length) return Err.BUFFER_TOO_SMALL;
    // RFC 8949 §3.1: the id as a uint head (ids are 0..255)
    if (id < 24) dst[off++] = id;
    else {
      dst[off++] = 24;
      dst[off++] = id;
    }
    if (et !== TAG_UINT8) {
      // RFC 8746 §2: tags 64..87 take a one-byte argument, head 0xd8 tag
      dst[off++] = 0xd8;
      dst[off++] = et;
    }
    off = writeHead(dst, off, 2, len); // cannot fail: room was checked above
    if (len > 16) dst.set(bytes, off);
    else for (let k = 0; k < len; k++) dst[off + k] = bytes[k];
    off += len;
  }
  return off;
}
