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
  /** The frame's time stamp t: the agent's estimate of brain time, ms mod 2^32. */
  time = 0;

  /** Fills the frame from buf[off..off+len). See decodeSensorFrame. */
  decode(buf: Uint8Array, off: number, len: number, table: ChannelTable): number {
    const n = this.decodeFrame(buf, off, len, table, ChannelKind.Sensor, false);
    if (n > 0) this.time = this.second;
    return n;
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
