/*
 * mqtt/ping: the header-only packets PINGREQ (§3.12), PINGRESP (§3.13) and DISCONNECT
 * (§3.14): one type byte (flags 0) and a remaining length of 0.
 *
 * Theory of operation: each encoder writes two bytes and returns the offset after them, or
 * BUFFER_TOO_SMALL when fewer than two bytes are free at off. Nothing allocates.
 */
import { PacketType } from "./constants";
import { writeHeaderOnlyPacket } from "./header";

/** Encodes a PINGREQ (§3.12): c0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodePingreq(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.PINGREQ << 4);
}

/** Encodes a PINGRESP (§3.13): d0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodePingresp(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.PINGRESP << 4);
}

/** Encodes a DISCONNECT (§3.14): e0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodeDisconnect(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.DISCONNECT << 4);
}
