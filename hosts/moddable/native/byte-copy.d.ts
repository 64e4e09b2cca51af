/*
 * Types of byte-copy.js, the native byte copy (see that file).
 */
export default function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void;
