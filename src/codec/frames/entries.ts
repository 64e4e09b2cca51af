/*
 * frames/entries: the (channel id, typed array) pairs a frame writer copies into a frame.
 *
 * Theory of operation: at setup the owner makes one byte view per channel over that
 * channel's typed array (channels.ts `byteView`) and a FrameEntries bound to the channel
 * table and a kind (sensor frames carry sensor channels, motor frames motor channels).
 * `add(id, view)` checks the entry once (known id, right kind, exact byte length, not
 * repeated) and stores references only; the entries can stay for every frame, or be
 * cleared and re-added per frame to send a subset. `writeEntries` then writes
 * `id, tag(et) + bstr` for each entry (protocol.md §Frames). An entry's head bytes (id, tag,
 * byte-string head) depend on its channel only, so the constructor writes them once per
 * channel of the kind (`heads`); per frame, an entry is two native `set()`s, its head and its
 * channel's bytes. On XS every typed-array element access is a property access through a host
 * getter or setter, so one `set()` of five bytes costs about what one byte written by hand
 * does. No object or view is created per frame.
 * Nothing here allocates after construction, but writeFrameHead's DataView when a frame goes
 * to another destination buffer than the last one.
 */
import { Err } from "../../errors";
import { Major, TAG_UINT8 } from "../cbor/types";
import { writeBytesHeader, writeHead, writeUint } from "../cbor/writer";
import { MAX_CHANNEL_ID, type ChannelTable } from "./channels";

/**
 * Payloads up to this many bytes are copied by a loop, longer ones by one native set(): on
 * the RP2040 one set() of 16 bytes costs about what one byte stored by hand does (the
 * rp2040 bench's micro rows); on a PC's XS, about eight.
 */
const LOOP_COPY_MAX_BYTES = 2;

/** Preallocated list of entries for frames of one kind over one channel table. */
export class FrameEntries {
  /** Number of entries. */
  count = 0;
  /** Counts the changes (add, clear): a writer that remembers a frame's layout checks it. */
  revision = 0;
  readonly table: ChannelTable;
  /** ChannelKind of every entry. */
  readonly kind: number;
  readonly capacity: number;
  /** Channel id of each entry. */
  readonly ids: Int32Array;
  /** Byte view of each entry's data (the whole channel: count * element size bytes). */
  readonly data: Uint8Array[];
  /** The encoded head bytes (id, tag, byte-string head) of each entry. */
  readonly head: Uint8Array[];
  /** head[i].length and data[i].length, kept apart: on XS a typed array's length is a getter call. */
  readonly headLen: number[] = [];
  readonly dataLen: number[] = [];
  /** Per table index: the head bytes of that channel's entries (channels of this kind only). */
  private readonly heads: Uint8Array[] = [];
  /** writeFrameHead's DataView over the last destination it wrote (a cache of one: a writer keeps its buffer). */
  headView: DataView;
  headViewOf: Uint8Array;

  /** capacity defaults to the number of channels of this kind in the table. */
  constructor(table: ChannelTable, kind: number, capacity = table.size) {
    this.table = table;
    this.kind = kind;
    this.capacity = capacity;
    this.ids = new Int32Array(capacity);
    this.data = [];
    this.head = [];
    const empty = new Uint8Array(0);
    this.headViewOf = empty;
    this.headView = new DataView(empty.buffer);
    for (let i = 0; i < capacity; i++) {
      this.data.push(empty);
      this.head.push(empty);
      this.headLen.push(0);
      this.dataLen.push(0);
    }
    for (let i = 0; i < table.size; i++) {
      const spec = table.specs[i];
      this.heads.push(spec.kind === kind ? entryHead(spec.id, spec.elementType, table.byteLength[i]) : empty);
    }
  }

  /** Forgets all entries (keeps the storage). */
  clear(): void {
    this.count = 0;
    this.revision++;
  }

  /**
   * Appends (id, bytes). Returns 0, CHANNEL_UNKNOWN (id not a channel of this kind, bytes not
   * exactly its byte length, or id already added) or QUEUE_FULL (capacity reached).
   */
  add(id: number, bytes: Uint8Array): number {
    const t = this.table;
    if (!((id >>> 0) === id && id <= MAX_CHANNEL_ID) || t.kindById[id] !== this.kind || bytes.length !== t.lengthById[id]) return Err.ChannelUnknown;
    const n = this.count;
    for (let i = 0; i < n; i++) if (this.ids[i] === id) return Err.ChannelUnknown;
    if (n >= this.capacity) return Err.QueueFull;
    this.ids[n] = id;
    this.data[n] = bytes;
    this.head[n] = this.heads[t.indexById[id]];
    this.headLen[n] = this.head[n].length;
    this.dataLen[n] = bytes.length;
    this.count = n + 1;
    this.revision++;
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
 * Writes a frame's head: the array head for `items` items (< 2^16) and the two u32 items
 * that open every frame (seq, then time or deadline), all in the shortest form (RFC 8949
 * §3.1, §4.2.1), inline: one call instead of three. A four-byte argument goes through a
 * DataView over dst (one call instead of four element stores on XS), cached in entries and
 * made again only when dst changes. Returns the new offset or BUFFER_TOO_SMALL. The caller
 * checks that seq and second are u32.
 */
export function writeFrameHead(dst: Uint8Array, off: number, items: number, seq: number, second: number, entries: FrameEntries): number {
  if (off < 0) return off;
  const need = (items < 24 ? 1 : items < 0x100 ? 2 : 3) + (seq < 24 ? 1 : seq < 0x100 ? 2 : seq < 0x10000 ? 3 : 5) + (second < 24 ? 1 : second < 0x100 ? 2 : second < 0x10000 ? 3 : 5);
  if (off + need > dst.length) return Err.BufferTooSmall;
  if (items < 24) dst[off++] = 0x80 | items;
  else if (items < 0x100) {
    dst[off++] = 0x98;
    dst[off++] = items;
  } else {
    dst[off++] = 0x99;
    dst[off++] = items >>> 8;
    dst[off++] = items & 0xff;
  }
  let v = seq;
  for (let k = 0; k < 2; k++) {
    if (v < 24) dst[off++] = v;
    else if (v < 0x100) {
      dst[off++] = 0x18;
      dst[off++] = v;
    } else if (v < 0x10000) {
      dst[off++] = 0x19;
      dst[off++] = v >>> 8;
      dst[off++] = v & 0xff;
    } else {
      dst[off] = 0x1a;
      if (entries.headViewOf !== dst) {
        entries.headView = new DataView(dst.buffer, dst.byteOffset);
        entries.headViewOf = dst;
      }
      entries.headView.setUint32(off + 1, v);
      off += 5;
    }
    v = second;
  }
  return off;
}

/**
 * The head of an entry: the channel id (RFC 8949 §3.1, a uint 0..255), the element type's
 * tag (RFC 8746 §2: tags 64..87 take a one-byte argument; uint8 goes untagged) and the byte
 * string head of a len-byte payload (major type 2, shortest form). Setup-time work.
 */
function entryHead(id: number, et: number, len: number): Uint8Array {
  const h = new Uint8Array(2 + 2 + 9);
  let p = writeUint(h, 0, id);
  if (et !== TAG_UINT8) p = writeHead(h, p, Major.Tag, et);
  p = writeBytesHeader(h, p, len);
  return h.slice(0, p);
}

/**
 * Writes the entries as `id, typed array` item pairs at dst[off] (entries were checked by
 * add): per entry, its head and its bytes. Returns the new offset, or BUFFER_TOO_SMALL; on
 * error dst[off..] is unspecified.
 */
export function writeEntries(dst: Uint8Array, off: number, entries: FrameEntries): number {
  const n = entries.count;
  const heads = entries.head;
  const data = entries.data;
  const headLen = entries.headLen;
  const dataLen = entries.dataLen;
  const cap = dst.length;
  for (let i = 0; i < n; i++) {
    const h = headLen[i];
    const len = dataLen[i];
    if (off + h + len > cap) return Err.BufferTooSmall;
    dst.set(heads[i], off);
    off += h;
    if (len > LOOP_COPY_MAX_BYTES) dst.set(data[i], off);
    else {
      const bytes = data[i];
      for (let k = 0; k < len; k++) dst[off + k] = bytes[k];
    }
    off += len;
  }
  return off;
}
