/*
 * mqtt/ping: the header-only packets a client sends, PINGREQ (§3.12) and DISCONNECT (§3.14):
 * one type byte (flags 0) and a remaining length of 0. (PINGRESP, the server's, is in
 * testkit/mqtt-server-codec.ts.)
 *
 * Theory of operation: each encoder writes two bytes and returns the offset after them, or
 * BUFFER_TOO_SMALL when fewer than two bytes are free at off. Nothing allocates.
 */
import { PacketType } from "./constants";
import { writeHeaderOnlyPacket } from "./header";

/** Encodes a PINGREQ (§3.12): c0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodePingreq(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.Pingreq << 4);
}

/** Encodes a DISCONNECT (§3.14): e0 00. Returns off + 2 or BUFFER_TOO_SMALL. */
export function encodeDisconnect(dst: Uint8Array, off: number): number {
  return writeHeaderOnlyPacket(dst, off, PacketType.Disconnect << 4);
}
