/*
 * protocol/messages: the control-message API in one import (protocol.md §Control messages).
 *
 * Theory of operation: the pieces live in single-purpose files and are re-exported here:
 *   wire.ts    message types, reason codes, keys, field bits, limits;
 *   encode.ts  encodeHello ... encodeDeath into caller buffers (both directions);
 *   decode.ts  ControlMessage (one preallocated result object) and decodeControl.
 */
export * from "./wire";
export * from "./encode";
export * from "./decode";
