/*
 * Types of hmac-sha256.js, the native HMAC-SHA256 host class (see that file).
 */
export default class HmacSha256 {
  constructor();
  setKey(key: Uint8Array, off: number, len: number): void;
  begin(): void;
  update(src: Uint8Array, off: number, len: number): void;
  finish(dst: Uint8Array, off: number): void;
  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean;
  matchesTag(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number, expected: Uint8Array, expectedOff: number, expectedLen: number): boolean;
}
