/*
 * brain/motor: motor frames out, encoded with cbor-x and signed for the session.
 *
 * Theory of operation: a motor frame is the CBOR array
 *     [seq u32, dl u32, id0, ta0, ..., mac bstr(16)]
 * exactly as src/codec/frames/motor.ts writes it (protocol.md §Motor frame): cbor-x with
 * `tagUint8Array: false` writes each typed array as RFC 8746 tag + byte string (handed over
 * as a cbor-x Tag around a byte view: same bytes, half the time of its typed-array
 * extension), uint8 as a plain byte string, and integers in their shortest form, so the
 * bytes match (test/brain-frames.test.ts checks them against encodeMotorFrame). The encoder
 * puts a 16-byte placeholder where the mac goes, copies the result out of cbor-x's shared
 * buffer (a transport may hold the payload until its socket drains), and the session's
 * MotorSigner (auth.ts) signs it in place: HMAC-SHA256(sessionKey, sessionId BE || bytes
 * before the mac item), truncated to 16.
 * `encode` checks the command against the declared motor channels first and returns a
 * problem text instead of a frame when the controller's output does not fit.
 */
import { Encoder, Tag } from "cbor-x";
import { ElementType } from "../src/codec/frames/channels";
import { MOTOR_MAC_BYTES } from "../src/codec/frames/motor";
import type { MotorSigner } from "./auth";
import { copyOut } from "./copy";
import { fitsChannel, type DeclaredChannels, type TypedArray } from "./channels";

/** What a controller returns: values per motor channel id, and an optional time-to-live. */
export interface MotorCommand {
  channels: Map<number, TypedArray> | Record<number, TypedArray>;
  /** Deadline = brain time now + ttlMs (default: the session's motor deadline). */
  ttlMs?: number;
}

const PLACEHOLDER = new Uint8Array(MOTOR_MAC_BYTES);

export class MotorEncoder {
  private readonly encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });
  /** Reused item list [seq, dl, id, ta, ..., mac]. */
  private readonly items: unknown[] = [];

  /**
   * Builds the signed motor frame, or returns a problem text (unknown or sensor channel,
   * wrong element type or count, no entries). The frame is a fresh byte array (a Buffer on
 * Node; engine-agnostic code sees a Uint8Array).
   */
  encode(
    cmd: MotorCommand,
    seq: number,
    deadline: number,
    channels: DeclaredChannels,
    signer: MotorSigner,
  ): Buffer | string {
    const items = this.items;
    items.length = 0;
    items.push(seq >>> 0, deadline >>> 0);
    const src = cmd.channels;
    if (src instanceof Map) {
      for (const [id, value] of src) {
        const p = this.add(channels, id, value);
        if (p !== null) return p;
      }
    } else {
      for (const key in src) {
        const p = this.add(channels, Number(key), src[key as unknown as number]);
        if (p !== null) return p;
      }
    }
    if (items.length === 2) return "motor command has no channels";
    items.push(PLACEHOLDER);
    const bytes = this.encoder.encode(items);
    const frame = copyOut(bytes, 0, bytes.length) as Buffer; // a copy: cbor-x reuses its buffer (a Buffer on Node)
    signer.sign(frame);
    return frame;
  }

  private add(channels: DeclaredChannels, id: number, value: unknown): string | null {
    const ch = channels.byId.get(id);
    if (ch === undefined || ch.kind !== "motor") return `motor command names channel ${id}, which is not a declared motor channel`;
    if (!fitsChannel(ch, value)) return `motor command for channel ${id} must be a ${ch.ctor.name} of ${ch.count} elements`;
    // RFC 8746: tag(et) + the little-endian bytes. Handing cbor-x the tag and a byte view
    // writes the same bytes as its typed-array extension, in about half the time.
    this.items.push(id, ch.elementType === ElementType.U8 ? value : new Tag(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), ch.elementType));
    return null;
  }
}
