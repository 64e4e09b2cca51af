/*
 * protocol/auth: the mutual HMAC-SHA256 handshake values (protocol.md §Authentication).
 *
 * Theory of operation: agent and brain share the per-device key K. With the agent nonce nA
 * (hello `n`) and the brain nonce nB (challenge `n`), both 16 bytes:
 *     brain proof = HMAC-SHA256(K, "bs1-brain" || nA || nB)   (challenge `p`)
 *     agent proof = HMAC-SHA256(K, "bs1-agent" || nA || nB)   (proof `p`)
 *     session key = HMAC-SHA256(K, "bs1-sess"  || nA || nB)   (keys the motor-frame MAC)
 * Labels are the ASCII bytes, without length or terminator. The agent checks the brain proof
 * (and that `an` is its current nA) before it sends its own proof, so a rogue broker that
 * does not know K learns nothing it could use and cannot drive the motors.
 * The HMAC engine is the HmacSha256 seam (codec/crypto/hmac.ts); these calls re-key it with
 * K, so re-key it with the session key afterwards if the same engine signs frames. The label
 * is staged in the destination's 32 bytes before the tag overwrites them: no module state,
 * no allocation. dst must not overlap the nonces.
 */
import { Err } from "../errors";
import { constantTimeEqual } from "../codec/bytes";
import type { HmacSha256 } from "../codec/crypto/hmac";
import { NONCE_BYTES, PROOF_BYTES } from "./wire";

/** Bytes of the derived session key. */
export const SESSION_KEY_BYTES = 32;

/** The derivation labels (ASCII), for docs and logs. */
export const AuthLabel = {
  Brain: "bs1-brain",
  Agent: "bs1-agent",
  Session: "bs1-sess",
} as const;

// The same labels as byte values, frozen: reading them touches no string (on XS, character
// access boxes a string and allocates).
const BRAIN_LABEL: readonly number[] = Object.freeze([0x62, 0x73, 0x31, 0x2d, 0x62, 0x72, 0x61, 0x69, 0x6e]); // bs1-brain
const AGENT_LABEL: readonly number[] = Object.freeze([0x62, 0x73, 0x31, 0x2d, 0x61, 0x67, 0x65, 0x6e, 0x74]); // bs1-agent
const SESSION_LABEL: readonly number[] = Object.freeze([0x62, 0x73, 0x31, 0x2d, 0x73, 0x65, 0x73, 0x73]); // bs1-sess

/**
 * HMAC-SHA256(key, label || nA[nAOff..+16) || nB[nBOff..+16)) into dst[dstOff..+32), label
 * given as byte values (at most 32).
 * Returns dstOff + 32, BUFFER_TOO_SMALL (dst) or VALUE_RANGE (a nonce range outside its array).
 */
export function deriveLabelled(
  hmac: HmacSha256,
  key: Uint8Array,
  label: readonly number[],
  nA: Uint8Array,
  nAOff: number,
  nB: Uint8Array,
  nBOff: number,
  dst: Uint8Array,
  dstOff: number,
): number {
  if (!(dstOff >= 0 && dstOff + PROOF_BYTES <= dst.length)) return Err.BufferTooSmall;
  if (!(nAOff >= 0 && nAOff + NONCE_BYTES <= nA.length && nBOff >= 0 && nBOff + NONCE_BYTES <= nB.length)) return Err.ValueRange;
  hmac.setKey(key, 0, key.length);
  hmac.begin();
  for (let i = 0; i < label.length; i++) dst[dstOff + i] = label[i];
  hmac.update(dst, dstOff, label.length);
  hmac.update(nA, nAOff, NONCE_BYTES);
  hmac.update(nB, nBOff, NONCE_BYTES);
  hmac.finish(dst, dstOff);
  return dstOff + PROOF_BYTES;
}

/** Brain proof HMAC(K, "bs1-brain" || nA || nB) into dst[off..+32). Returns off + 32 or an Err code. */
export function computeBrainProof(hmac: HmacSha256, key: Uint8Array, nA: Uint8Array, nAOff: number, nB: Uint8Array, nBOff: number, dst: Uint8Array, off: number): number {
  return deriveLabelled(hmac, key, BRAIN_LABEL, nA, nAOff, nB, nBOff, dst, off);
}

/** Agent proof HMAC(K, "bs1-agent" || nA || nB) into dst[off..+32). Returns off + 32 or an Err code. */
export function computeAgentProof(hmac: HmacSha256, key: Uint8Array, nA: Uint8Array, nAOff: number, nB: Uint8Array, nBOff: number, dst: Uint8Array, off: number): number {
  return deriveLabelled(hmac, key, AGENT_LABEL, nA, nAOff, nB, nBOff, dst, off);
}

/** Session key HMAC(K, "bs1-sess" || nA || nB) into dst[off..+32). Returns off + 32 or an Err code. */
export function computeSessionKey(hmac: HmacSha256, key: Uint8Array, nA: Uint8Array, nAOff: number, nB: Uint8Array, nBOff: number, dst: Uint8Array, off: number): number {
  return deriveLabelled(hmac, key, SESSION_LABEL, nA, nAOff, nB, nBOff, dst, off);
}

function verify(
  hmac: HmacSha256,
  key: Uint8Array,
  label: readonly number[],
  nA: Uint8Array,
  nAOff: number,
  nB: Uint8Array,
  nBOff: number,
  proof: Uint8Array,
  proofOff: number,
  scratch32: Uint8Array,
): number {
  if (!(proofOff >= 0 && proofOff + PROOF_BYTES <= proof.length)) return Err.ValueRange;
  const e = deriveLabelled(hmac, key, label, nA, nAOff, nB, nBOff, scratch32, 0);
  if (e < 0) return e === Err.BufferTooSmall ? Err.ValueRange : e;
  return constantTimeEqual(scratch32, 0, proof, proofOff, PROOF_BYTES) ? 0 : Err.AuthBadProof;
}

/**
 * Agent side: checks the challenge's brain proof proof[proofOff..+32) in constant time, using
 * scratch32 (32 bytes). Returns 0, AUTH_BAD_PROOF, or VALUE_RANGE (a range outside its array).
 */
export function verifyBrainProof(
  hmac: HmacSha256,
  key: Uint8Array,
  nA: Uint8Array,
  nAOff: number,
  nB: Uint8Array,
  nBOff: number,
  proof: Uint8Array,
  proofOff: number,
  scratch32: Uint8Array,
): number {
  return verify(hmac, key, BRAIN_LABEL, nA, nAOff, nB, nBOff, proof, proofOff, scratch32);
}

/** Brain side: checks the agent proof like verifyBrainProof. Returns 0, AUTH_BAD_PROOF or VALUE_RANGE. */
export function verifyAgentProof(
  hmac: HmacSha256,
  key: Uint8Array,
  nA: Uint8Array,
  nAOff: number,
  nB: Uint8Array,
  nBOff: number,
  proof: Uint8Array,
  proofOff: number,
  scratch32: Uint8Array,
): number {
  return verify(hmac, key, AGENT_LABEL, nA, nAOff, nB, nBOff, proof, proofOff, scratch32);
}
