/*
 * frames/motor: motor frames, brain -> agent on the motor topic (protocol.md §Motor frame).
 *
 * Theory of operation: a motor frame is the CBOR array
 *     [seq u32, dl u32, id0, ta0, ..., mac bstr(16)]      (3 + 2n items, n >= 1)
 * where dl is the deadline in brain time (ms) and mac is the first 16 bytes of
 *     HMAC-SHA256(sessionKey, sessionId as u32 big-endian || frame[array head .. mac item))
 * i.e. the MAC covers every byte of the frame before the mac item's head (0x50; a reader
 * also accepts the mac as tag 64 + bstr(16), the way cbor-x tags a Uint8Array by default).
 * The HMAC engine sits behind the HmacSha256 interface (crypto/hmac.ts) and must already be
 * keyed with the session key (setKey once per session). The decoder only parses and records
 * macOff/signedLen; verifyMotorMac checks the MAC with the engine's finishAndCompare (constant
 * time, and no per-byte work in the script engine when the engine is native). The MotorFrame
 * keeps the session id's 4 MAC bytes and rewrites them only when the session id changes, so a
 * steady-state verification writes no bytes in script either. Sequence and deadline
 * policy (stale, out of order, replay) belongs to the session, not to this codec.
 */
import { Err } from "../../errors";
import type { HmacSha256 } from "../crypto/hmac";
import { ChannelKind, type ChannelTable } from "./channels";
import { entryBytes, headBytes, writeEntries, writeFrameHead, type FrameEntries } from "./entries";
import { FrameView, MOTOR_MAC_BYTES } from "./view";

export { MOTOR_MAC_BYTES } from "./view";
/** Bytes of the mac item: 0x50 head + 16 bytes. */
export const MOTOR_MAC_ITEM_BYTES = 1 + MOTOR_MAC_BYTES;

/** A decoded motor frame. */
export class MotorFrame extends FrameView {
  /** verifyMotorMac's cache (internal): macIdBytes holds macId as u32 big-endian; -1 before the first. */
  macId = -1;
  readonly macIdBytes = new Uint8Array(4);

  /** capacity: most entries (use the table size); maxFrameBytes: the negotiated frame limit. decode() fills it. */
  constructor(capacity: number, maxFrameBytes: number) {
    super(capacity, maxFrameBytes, ChannelKind.Motor, true);
  }

  /** Deadline dl: brain time in ms (mod 2^32) after which the frame must not be applied (the frame's `second`). */
  get deadline(): number {
    return this.second;
  }
}

/**
 * Decodes the motor frame in buf[off..off+len) against the channel table into out. Does NOT
 * check the MAC: call verifyMotorMac next. Returns the entry count (>= 1) or the errors of
 * decodeSensorFrame (sensor.ts), with FRAME_SHAPE also for a mac that is not bstr(16) and
 * FRAME_CHANNEL for sensor channels.
 */
export function decodeMotorFrame(buf: Uint8Array, off: number, len: number, table: ChannelTable, out: MotorFrame): number {
  return out.decode(buf, off, len, table);
}

/**
 * Computes HMAC-SHA256(key, sessionId u32 BE || src[off..off+len)) into scratch32[0..32).
 * hmac must be keyed with the session key. scratch32 needs 32 bytes.
 */
export function computeMotorMac(hmac: HmacSha256, sessionId: number, src: Uint8Array, off: number, len: number, scratch32: Uint8Array): void {
  // written here rather than through writeSessionId: an XS call costs about as much as the four stores
  scratch32[0] = sessionId >>> 24;
  scratch32[1] = (sessionId >>> 16) & 0xff;
  scratch32[2] = (sessionId >>> 8) & 0xff;
  scratch32[3] = sessionId & 0xff;
  hmac.begin();
  hmac.update(scratch32, 0, 4);
  hmac.update(src, off, len);
  hmac.finish(scratch32, 0);
}

/** sessionId as u32 big-endian at dst[0..4). */
function writeSessionId(sessionId: number, dst: Uint8Array): void {
  dst[0] = sessionId >>> 24;
  dst[1] = (sessionId >>> 16) & 0xff;
  dst[2] = (sessionId >>> 8) & 0xff;
  dst[3] = sessionId & 0xff;
}

/**
 * Verifies the MAC of a motor frame decoded into out from buf at frameOff, for this session.
 * hmac must be keyed with the session key. The tag never leaves the engine (matchesTag: the
 * whole check in one engine call) and the session id's bytes live in out, so nothing is written here.
 * Returns 0, FRAME_BAD_MAC (mismatch, compared in constant time) or VALUE_RANGE (out does not
 * describe a frame in buf).
 */
export function verifyMotorMac(buf: Uint8Array, frameOff: number, out: MotorFrame, sessionId: number, hmac: HmacSha256): number {
  const bufLen = buf.length;
  if (frameOff < 0 || frameOff + out.signedLen > bufLen || out.macOff + MOTOR_MAC_BYTES > bufLen) return Err.ValueRange;
  sessionId >>>= 0;
  if (out.macId !== sessionId) {
    writeSessionId(sessionId, out.macIdBytes);
    out.macId = sessionId;
  }
  return hmac.matchesTag(out.macIdBytes, 0, 4, buf, frameOff, out.signedLen, buf, out.macOff, MOTOR_MAC_BYTES) ? 0 : Err.FrameBadMac;
}

/**
 * Writes the motor frame [seq, deadlineMs, entries..., mac] at dst[off] and signs it for
 * sessionId with hmac (keyed with the session key), using scratch32 (32 bytes) for the tag.
 * entries is a FrameEntries of motor channels (checked when added). Returns the end offset,
 * or VALUE_RANGE (seq, deadlineMs or sessionId not u32; scratch32 too small), CHANNEL_UNKNOWN
 * (no entries, or entries of sensor channels), BUFFER_TOO_SMALL. Allocates nothing.
 */
export function encodeMotorFrame(
  dst: Uint8Array,
  off: number,
  seq: number,
  deadlineMs: number,
  entries: FrameEntries,
  sessionId: number,
  hmac: HmacSha256,
  scratch32: Uint8Array,
): number {
  if ((seq >>> 0) !== seq || (deadlineMs >>> 0) !== deadlineMs || (sessionId >>> 0) !== sessionId) return Err.ValueRange;
  if (scratch32.length < 32 || off < 0) return Err.ValueRange;
  const n = entries.count;
  if (n === 0 || entries.kind !== ChannelKind.Motor) return Err.ChannelUnknown;
  const start = off;
  off = writeFrameHead(dst, off, 3 + 2 * n, seq, deadlineMs, entries);
  if (off < 0) return off;
  off = writeEntries(dst, off, entries);
  if (off < 0) return off;
  if (off + MOTOR_MAC_ITEM_BYTES > dst.length) return Err.BufferTooSmall;
  computeMotorMac(hmac, sessionId, dst, start, off - start, scratch32);
  dst[off] = 0x40 | MOTOR_MAC_BYTES; // RFC 8949 §3.1: byte string of 16
  for (let i = 0; i < MOTOR_MAC_BYTES; i++) dst[off + 1 + i] = scratch32[i];
  return off + MOTOR_MAC_ITEM_BYTES;
}

/** Largest motor frame for this table (all motor channels, u32 seq and dl, mac). */
export function motorFrameMaxBytes(table: ChannelTable): number {
  let n = 0;
  let bytes = 5 + 5 + MOTOR_MAC_ITEM_BYTES;
  for (let i = 0; i < table.size; i++) {
    if (table.specs[i].kind !== ChannelKind.Motor) continue;
    n++;
    bytes += entryBytes(table, i);
  }
  return headBytes(3 + 2 * n) + bytes;
}
