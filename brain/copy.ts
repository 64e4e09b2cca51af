/*
 * brain/copy: a fresh copy of bytes that a transport may keep, made the fastest way the engine
 * offers: on Node, Buffer.from (pooled allocation: several times faster than a typed-array
 * slice for frame-sized copies, and MQTT.js takes the Buffer as it is); elsewhere (XS), a
 * plain Uint8Array slice. Engine-agnostic: it only looks for a global Buffer, it imports none.
 */

interface BufferLike {
  from(src: Uint8Array): Uint8Array;
}

const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/** A copy of src[start..end) (a Buffer on Node, a Uint8Array elsewhere). */
export const copyOut: (src: Uint8Array, start: number, end: number) => Uint8Array =
  NodeBuffer !== undefined ? (src, start, end) => NodeBuffer.from(src.subarray(start, end)) : (src, start, end) => src.slice(start, end);
