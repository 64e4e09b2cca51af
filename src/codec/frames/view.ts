/*
 * frames/view: the preallocated result of decoding a frame, and access to its payloads.
 *
 * Theory of operation: a decoder fills a FrameView in place: seq, the entry count and, per
 * entry, the channel id, table index, element type, payload offset and byte length, all in
 * Int32Arrays sized once. Payloads are NOT copied: payloadOff indexes `buf`, the receive
 * buffer that was decoded. They are valid until that buffer is reused (normally: until the
 * next packet is read into it). To keep data, `copyEntry` copies one payload into a caller
 * array (zero allocation); `viewEntry` returns a typed array over it (allocates a view, or a
 * copy when the payload is not aligned to the element size: Node and tests only).
 * `readEntries` is the shared entry loop of both frame decoders.
 */
import { Err } from "../../errors";
import { CborReader } from "../cbor/reader";
import { elementBytes, ElementType, MAX_CHANNEL_ID, type ChannelTable } from "./channels";

/** A typed array of any brainstem element type. */
export type ElementArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Decoded frame entries. Subclassed by SensorFrame and MotorFrame. */
export class FrameView {
  /** The buffer that was decoded; payload offsets index it. */
  buf: Uint8Array;
  /** Offset and length of the frame in buf. */
  frameOff = 0;
  frameLen = 0;
  /** Frame sequence number (u32). */
  seq = 0;
  /** Number of entries. */
  count = 0;
  /** Longer frames are refused with FRAME_TOO_LARGE (the negotiated `mfb`). */
  maxFrameBytes: number;
  readonly capacity: number;
  readonly channelId: Int32Array;
  readonly tableIndex: Int32Array;
  readonly elementType: Int32Array;
  readonly payloadOff: Int32Array;
  readonly byteLen: Int32Array;
  /** The reader the decoders use (owned here so decoding allocates nothing). */
  readonly reader: CborReader;
  /** seen[id] === stamp when id already occurred in the frame being decoded. */
  private readonly seen: Uint32Array;
  private stamp = 0;

  /** capacity: most entries (use the table size); maxFrameBytes: the negotiated frame limit. */
  constructor(capacity: number, maxFrameBytes: number) {
    this.capacity = capacity;
    this.maxFrameBytes = maxFrameBytes;
    this.channelId = new Int32Array(capacity);
    this.tableIndex = new Int32Array(capacity);
    this.elementType = new Int32Array(capacity);
    this.payloadOff = new Int32Array(capacity);
    this.byteLen = new Int32Array(capacity);
    this.reader = new CborReader();
    this.seen = new Uint32Array(MAX_CHANNEL_ID + 1);
    this.buf = new Uint8Array(0); // replaced by every decode
  }

  /** Starts a new frame: a fresh duplicate-detection stamp and no entries. */
  protected beginFrame(buf: Uint8Array, off: number, len: number): void {
    this.buf = buf;
    this.frameOff = off;
    this.frameLen = len;
    this.count = 0;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.seen.fill(0);
      this.stamp = 1;
    }
  }

  /** Marks id seen; false when it was already seen in this frame. */
  markSeen(id: number): boolean {
    if (this.seen[id] === this.stamp) return false;
    this.seen[id] = this.stamp;
    return true;
  }
}

/** Maps a reader error to the frame error: a wrong item type is a shape error. */
export function frameError(r: number): number {
  return r === Err.CBOR_TYPE ? Err.FRAME_SHAPE : r;
}

/**
 * Reads n `id, typed array` pairs into out. Each id must be a channel of `kind` in the table,
 * at most once; each payload must have the channel's element type (a plain byte string counts
 * as uint8) and exactly its element count. Returns 0 or FRAME_SHAPE / FRAME_CHANNEL / CBOR_*.
 */
export function readEntries(r: CborReader, table: ChannelTable, kind: number, out: FrameView, n: number): number {
  if (n > out.capacity) return Err.FRAME_CHANNEL; // more entries than channels: some repeat or are unknown
  const kinds = table.kindById;
  const types = table.typeById;
  const lens = table.lengthById;
  const index = table.indexById;
  const channelId = out.channelId;
  const tableIndex = out.tableIndex;
  const elementType = out.elementType;
  const payloadOff = out.payloadOff;
  const byteLen = out.byteLen;
  for (let i = 0; i < n; i++) {
    let e = r.readUint();
    if (e < 0) return frameError(e);
    const id = r.value;
    if (id > MAX_CHANNEL_ID || kinds[id] !== kind || !out.markSeen(id)) return Err.FRAME_CHANNEL;
    e = r.readTypedArray();
    if (e < 0) return frameError(e);
    const tag = r.tag;
    const len = r.len;
    if (tag !== types[id] || len !== lens[id]) return Err.FRAME_CHANNEL;
    channelId[i] = id;
    tableIndex[i] = index[id];
    elementType[i] = tag;
    payloadOff[i] = r.off;
    byteLen[i] = len;
  }
  out.count = n;
  return 0;
}

/**
 * Copies the payload of entry i into dst[0..byteLen) (e.g. a byte view made once over the
 * channel's typed array). Returns the byte count, VALUE_RANGE (no entry i) or BUFFER_TOO_SMALL.
 */
export function copyEntry(out: FrameView, i: number, dst: Uint8Array): number {
  if (!(i >= 0 && i < out.count)) return Err.VALUE_RANGE;
  const len = out.byteLen[i];
  if (len > dst.length) return Err.BUFFER_TOO_SMALL;
  const src = out.buf;
  const o = out.payloadOff[i];
  for (let k = 0; k < len; k++) dst[k] = src[o + k];
  return len;
}

/**
 * A typed array of entry i's element type over its payload, or null when there is no entry i.
 * Allocates (Node and non-hot use). A view shares memory with the receive buffer and is valid
 * until that buffer is reused; when the payload offset is not a multiple of the element size
 * (typed arrays need alignment) the result is a view over a fresh copy instead.
 */
export function viewEntry(out: FrameView, i: number): ElementArray | null {
  if (!(i >= 0 && i < out.count)) return null;
  const et = out.elementType[i];
  const size = elementBytes(et);
  const buf = out.buf;
  let ab = buf.buffer as ArrayBuffer;
  let at = buf.byteOffset + out.payloadOff[i];
  const n = out.byteLen[i] / size;
  if (at % size !== 0) {
    const copy = buf.slice(out.payloadOff[i], out.payloadOff[i] + out.byteLen[i]);
    ab = copy.buffer as ArrayBuffer;
    at = 0;
  }
  switch (et) {
    case ElementType.I8:
      return new Int8Array(ab, at, n);
    case ElementType.U16:
      return new Uint16Array(ab, at, n);
    case ElementType.I16:
      return new Int16Array(ab, at, n);
    case ElementType.U32:
      return new Uint32Array(ab, at, n);
    case ElementType.I32:
      return new Int32Array(ab, at, n);
    case ElementType.F32:
      return new Float32Array(ab, at, n);
    case ElementType.F64:
      return new Float64Array(ab, at, n);
    default:
      return new Uint8Array(ab, at, n);
  }
}
