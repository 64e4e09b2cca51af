/*
 * cost-tick.xs: what bench/cost.ts runs on XS to split a steady-state tick: the session loop
 * of session-loop.ts (agent plus in-memory brain), and the two HMAC operations of a tick on
 * their own, on the same kind of motor frame the loop exchanges:
 *   - sign: computeMotorMac, what the brain does for every motor frame it writes;
 *   - verify: verifyMotorMac, what the agent does for every motor frame it receives.
 * The frame has the loop's shape (one f32[2] motor channel, seq past 255, a deadline near
 * 2^30 ms: a 2-byte seq head and a 5-byte deadline head), so the MAC covers the same number
 * of bytes as in the loop, and SHA-256's work depends only on that length.
 * Bench code, not firmware: module-level state is fine here.
 */
import { utf8Bytes } from "../src/codec/bytes";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { byteView, ChannelKind, ChannelTable } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { computeMotorMac, encodeMotorFrame, MotorFrame, verifyMotorMac } from "../src/codec/frames/motor";

export { createSessionLoop } from "./session-loop";

const SESSION_ID = 77;

interface HmacState {
  hmac: SoftHmacSha256;
  frame: Uint8Array;
  frameLen: number;
  decoded: MotorFrame;
  scratch: Uint8Array;
}

let st: HmacState | null = null;

/** Builds and decodes the motor frame; returns the number of bytes the MAC covers (session id included). */
export function hmacSetup(): number {
  const table = new ChannelTable([
    { id: 0, kind: ChannelKind.Sensor, elementType: 85, count: 16, rateHz: 100 },
    { id: 1, kind: ChannelKind.Sensor, elementType: 77, count: 8, rateHz: 100 },
    { id: 10, kind: ChannelKind.Motor, elementType: 85, count: 2, rateHz: 100 },
  ]);
  const values = new Float32Array([12, 12]);
  const entries = new FrameEntries(table, ChannelKind.Motor, 1);
  entries.add(10, byteView(values));
  const hmac = new SoftHmacSha256();
  const key = utf8Bytes("cost-session-key-0123456789abcdef");
  hmac.setKey(key, 0, key.length);
  const scratch = new Uint8Array(32);
  const frame = new Uint8Array(256);
  const frameLen = encodeMotorFrame(frame, 0, 1001, 0x40000000 + 12345, entries, SESSION_ID, hmac, scratch);
  if (frameLen < 0) throw new Error(`cost-tick: encodeMotorFrame failed with ${frameLen}`);
  const decoded = new MotorFrame(table.size, 256);
  const n = decoded.decode(frame, 0, frameLen, table);
  if (n !== 1) throw new Error(`cost-tick: decode gave ${n}`);
  st = { hmac, frame, frameLen, decoded, scratch };
  if (verifyMotorMac(frame, 0, decoded, SESSION_ID, hmac) !== 0) throw new Error("cost-tick: the MAC does not verify");
  return 4 + decoded.signedLen;
}

/** The brain's part: the MAC of one motor frame. */
export function sign(): void {
  const s = st!;
  computeMotorMac(s.hmac, SESSION_ID, s.frame, 0, s.decoded.signedLen, s.scratch);
}

/** The agent's part: recompute and compare the MAC of one received motor frame. */
export function verify(): void {
  const s = st!;
  if (verifyMotorMac(s.frame, 0, s.decoded, SESSION_ID, s.hmac) !== 0) throw new Error("cost-tick: verify failed");
}
