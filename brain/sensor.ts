/*
 * brain/sensor: sensor frames in, decoded with cbor-x and checked against the agent's table.
 *
 * Theory of operation: a sensor frame is the CBOR array [seq u32, t u32, id0, ta0, ...]
 * (protocol.md §Sensor frame). cbor-x (mapsAsObjects, no records) decodes the RFC 8746 typed
 * arrays to typed arrays and a plain byte string (uint8 channels) to a Buffer. Each entry must
 * name a declared sensor channel, at most once, with exactly its element type and count.
 * `SensorDecoder.decode` fills the caller's Map (cleared first, reused per agent so the hot
 * path allocates only what cbor-x does) and the decoder's `seq` and `time` fields, and
 * returns 0 or the src/errors.ts code of the reason the frame is dropped. It never throws.
 */
import { Decoder } from "cbor-x";
import { Err } from "../src/errors";
import { fitsChannel, type DeclaredChannels, type TypedArray } from "./channels";

function isU32(v: unknown): v is number {
  return typeof v === "number" && (v as number) >>> 0 === v;
}

export class SensorDecoder {
  private readonly decoder = new Decoder({ mapsAsObjects: true, useRecords: false });
  /** seq of the last frame decoded successfully. */
  seq = 0;
  /** t of the last frame: the agent's estimate of brain time, ms. */
  time = 0;

  /**
   * Decodes payload against channels into out. Returns 0, or: CBOR_TRUNCATED, CBOR_TRAILING,
   * CBOR_UNSUPPORTED (anything else cbor-x refuses), FRAME_SHAPE (not [u32, u32, (id, ta)+]),
   * FRAME_CHANNEL (unknown, motor or repeated channel; wrong element type or count).
   * After an error `out` holds an unspecified subset of the entries.
   */
  decode(payload: Uint8Array, channels: DeclaredChannels, out: Map<number, TypedArray>): number {
    out.clear();
    let frame: unknown;
    try {
      frame = this.decoder.decode(payload);
    } catch (e) {
      // cbor-x marks truncation with `incomplete`; trailing bytes have their own message.
      if ((e as { incomplete?: boolean }).incomplete === true) return Err.CborTruncated;
      return /end of buffer not reached/.test((e as Error).message) ? Err.CborTrailing : Err.CborUnsupported;
    }
    if (!Array.isArray(frame)) return Err.FrameShape;
    const n = frame.length;
    if (n < 4 || (n & 1) !== 0 || !isU32(frame[0]) || !isU32(frame[1])) return Err.FrameShape;
    const byId = channels.byId;
    for (let i = 2; i < n; i += 2) {
      const id = frame[i];
      if (typeof id !== "number") return Err.FrameShape;
      const ch = byId.get(id);
      if (ch === undefined || ch.kind !== "sensor" || out.has(id)) return Err.FrameChannel;
      const value = frame[i + 1];
      if (!fitsChannel(ch, value)) return Err.FrameChannel;
      out.set(id, value);
    }
    this.seq = frame[0];
    this.time = frame[1];
    return 0;
  }
}
