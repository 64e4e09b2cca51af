/*
 * frames/sensor: sensor frames, agent -> brain on the sensor topic (protocol.md §Sensor frame).
 *
 * Theory of operation: a sensor frame is the CBOR array
 *     [seq u32, t u32, id0, ta0, id1, ta1, ...]        (2 + 2n items, n >= 1)
 * where t is the agent's estimate of brain time in ms and each ta is an RFC 8746 typed array
 * (tag + little-endian byte string; uint8 as a plain byte string) holding exactly the
 * channel's element count. The writer is the hot path: array head, two integers, then per
 * entry its head and one native copy into the caller's preallocated buffer; it allocates
 * nothing while the caller keeps its buffer (the entries carry byte views made at setup, and
 * one DataView over the last destination, for the four-byte integers).
 * The decoder fills a preallocated SensorFrame (view.ts) with payload offsets into the
 * input: valid until the receive buffer is reused.
 */
import { Err } from "../../errors";
import { ChannelKind, type ChannelTable } from "./channels";
import { entryBytes, headBytes, writeEntries, writeFrameHead, type FrameEntries } from "./entries";
import { FrameView } from "./view";

/** A decoded sensor frame. */
export class SensorFrame extends FrameView {
  /** capacity: most entries (use the table size); maxFrameBytes: the negotiated frame limit. decode() fills it. */
  constructor(capacity: number, maxFrameBytes: number) {
    super(capacity, maxFrameBytes, ChannelKind.Sensor, false);
  }

  /** The frame's time stamp t: the agent's estimate of brain time, ms mod 2^32 (the frame's `second`). */
  get time(): number {
    return this.second;
  }
}

/**
 * Decodes the sensor frame in buf[off..off+len) against the channel table into out.
 * Returns the entry count (>= 1) or: VALUE_RANGE (range outside buf), FRAME_TOO_LARGE
 * (len > out.maxFrameBytes), FRAME_SHAPE (not [u32, u32, (id, typed array)+]),
 * FRAME_CHANNEL (unknown, motor or repeated channel; wrong element type or count),
 * CBOR_TRUNCATED, CBOR_TRAILING, or another CBOR_* code for items outside the subset.
 * After an error out's fields are unspecified, but out stays usable.
 */
export function decodeSensorFrame(buf: Uint8Array, off: number, len: number, table: ChannelTable, out: SensorFrame): number {
  return out.decode(buf, off, len, table);
}

/**
 * Writes the sensor frame [seq, timeMs, entries...] at dst[off]. entries is a FrameEntries of
 * sensor channels (checked when added). Returns the end offset, or VALUE_RANGE (seq or timeMs
 * not u32), CHANNEL_UNKNOWN (no entries, or entries of motor channels), BUFFER_TOO_SMALL.
 * Allocates nothing.
 */
export function encodeSensorFrame(dst: Uint8Array, off: number, seq: number, timeMs: number, entries: FrameEntries): number {
  if ((seq >>> 0) !== seq || (timeMs >>> 0) !== timeMs) return Err.ValueRange;
  const n = entries.count;
  if (n === 0 || entries.kind !== ChannelKind.Sensor) return Err.ChannelUnknown;
  off = writeFrameHead(dst, off, 2 + 2 * n, seq, timeMs, entries);
  if (off < 0) return off;
  return writeEntries(dst, off, entries);
}

/**
 * Writes the sensor frames of one FrameEntries, and refreshes the last one in place.
 * From one frame to the next only seq, t and the channels' bytes change, and as long as seq
 * and t keep their CBOR widths the frame keeps its length and every other byte. `refresh`
 * writes just those into the frame `write` wrote last (same buffer, same offset): the array
 * head and the entry heads stay, and so does whatever the caller wrote around the frame (a
 * PUBLISH header, whose remaining length has not changed). The caller must know that nothing
 * else wrote over the frame since; refresh checks the rest. Allocates nothing, but one
 * DataView when frames go to another buffer.
 */
export class SensorFrameWriter {
  // fields in refresh's order of use: XS finds an own property by walking the object's list
  readonly entries: FrameEntries;
  /** The last frame's offset (-1 before the first and after a failed write) and buffer. */
  private off = -1;
  private dst: Uint8Array | null = null;
  /** entries.revision when the last frame was written. */
  private revision = -1;
  /** Widths of seq's and t's items in bytes (head included), and their offsets. */
  private seqWidth = 0;
  private timeWidth = 0;
  private view: DataView | null = null;
  private seqAt = 0;
  private timeAt = 0;
  /** Offset of each entry's bytes (after its head), for the last frame's `count` entries. */
  private readonly dataAt: number[] = [];
  private count = 0;
  /** The last frame's end offset. */
  private end = -1;

  constructor(entries: FrameEntries) {
    this.entries = entries;
    for (let i = 0; i < entries.capacity; i++) this.dataAt.push(0);
  }

  /** encodeSensorFrame, remembering where seq, t and each entry's bytes went. */
  write(dst: Uint8Array, off: number, seq: number, timeMs: number): number {
    const entries = this.entries;
    const end = encodeSensorFrame(dst, off, seq, timeMs, entries);
    if (end < 0) {
      this.off = -1;
      return end;
    }
    if (dst !== this.dst) {
      this.dst = dst;
      this.view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    }
    this.off = off;
    this.end = end;
    this.seqAt = off + headBytes(2 + 2 * entries.count);
    this.seqWidth = headBytes(seq);
    this.timeAt = this.seqAt + this.seqWidth;
    this.timeWidth = headBytes(timeMs);
    let at = this.timeAt + this.timeWidth;
    this.revision = entries.revision;
    const n = (this.count = entries.count);
    for (let i = 0; i < n; i++) {
      at += entries.headLen[i];
      this.dataAt[i] = at;
      at += entries.dataLen[i];
    }
    return end;
  }

  /**
   * Rewrites the frame last written at dst[off] with seq, timeMs and the entries' bytes now.
   * Returns its end offset, or FRAME_SHAPE when that frame cannot be refreshed (another
   * buffer or offset, no frame yet, seq or timeMs of another width or not u32): write instead.
   */
  refresh(dst: Uint8Array, off: number, seq: number, timeMs: number): number {
    const entries = this.entries;
    if (off !== this.off || dst !== this.dst || entries.revision !== this.revision || (seq >>> 0) !== seq || (timeMs >>> 0) !== timeMs) return Err.FrameShape;
    if ((seq < 24 ? 1 : seq < 0x100 ? 2 : seq < 0x10000 ? 3 : 5) !== this.seqWidth) return Err.FrameShape;
    if ((timeMs < 24 ? 1 : timeMs < 0x100 ? 2 : timeMs < 0x10000 ? 3 : 5) !== this.timeWidth) return Err.FrameShape;
    // each argument written in place (the head byte stays), inline: a call costs more than the test
    const view = this.view!;
    let at = this.seqAt;
    let width = this.seqWidth;
    let v = seq;
    for (let k = 0; k < 2; k++) {
      if (width === 5) view.setUint32(at + 1, v);
      else if (width === 3) view.setUint16(at + 1, v);
      else if (width === 2) dst[at + 1] = v;
      else dst[at] = v;
      at = this.timeAt;
      width = this.timeWidth;
      v = timeMs;
    }
    const data = entries.data;
    const dataAt = this.dataAt;
    const n = this.count;
    for (let i = 0; i < n; i++) dst.set(data[i], dataAt[i]);
    return this.end;
  }
}

/** Largest sensor frame for this table (all sensor channels, u32 seq and t): size buffers and `mfb` with it. */
export function sensorFrameMaxBytes(table: ChannelTable): number {
  let n = 0;
  let bytes = 5 + 5;
  for (let i = 0; i < table.size; i++) {
    if (table.specs[i].kind !== ChannelKind.Sensor) continue;
    n++;
    bytes += entryBytes(table, i);
  }
  return headBytes(2 + 2 * n) + bytes;
}
