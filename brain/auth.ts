/*
 * brain/auth: the brain's side of the mutual HMAC-SHA256 handshake and the motor-frame MAC
 * (protocol.md §Authentication, §Motor frame). Engine-agnostic: the firmware's own HMAC
 * (src/codec/crypto) and src/protocol/auth.ts; randomness comes from the caller.
 *
 * Theory of operation: with the device key K, the agent nonce nA (hello `n`) and a fresh
 * brain nonce nB (challenge `n`), both 16 bytes:
 *     brain proof = HMAC-SHA256(K, "bs1-brain" || nA || nB)   sent in the challenge
 *     agent proof = HMAC-SHA256(K, "bs1-agent" || nA || nB)   checked in constant time
 *     session key = HMAC-SHA256(K, "bs1-sess"  || nA || nB)   keys the motor-frame MAC
 * These are the functions of src/protocol/auth.ts that the agent uses, so both ends agree by
 * construction (test/brain-frames.test.ts also checks them against node:crypto).
 * A motor frame's MAC is the first 16 bytes of HMAC-SHA256(sessionKey, sessionId u32 BE ||
 * the frame bytes before the mac item); a MotorSigner per session writes it over the frame's
 * last 16 bytes (the placeholder the encoder left there).
 */
import { computeAgentProof, computeBrainProof, computeSessionKey, verifyAgentProof } from "../src/protocol/auth";
import { NONCE_BYTES, PROOF_BYTES } from "../src/protocol/wire";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { computeMotorMac, MOTOR_MAC_BYTES, MOTOR_MAC_ITEM_BYTES } from "../src/codec/frames/motor";

/** Fills dst with random bytes (the host's CSPRNG). */
export type RandomFill = (dst: Uint8Array) => void;

const hmac = new SoftHmacSha256();
const scratch32 = new Uint8Array(32);
const random4 = new Uint8Array(4);

/** A fresh 16-byte brain nonce. */
export function newNonce(random: RandomFill): Uint8Array {
  const n = new Uint8Array(NONCE_BYTES);
  random(n);
  return n;
}

/** A random non-zero u32 session id. */
export function newSessionId(random: RandomFill): number {
  for (;;) {
    random(random4);
    const id = ((random4[0] << 24) | (random4[1] << 16) | (random4[2] << 8) | random4[3]) >>> 0;
    if (id !== 0) return id;
  }
}

/** HMAC-SHA256(K, "bs1-brain" || nA || nB): 32 bytes. */
export function brainProof(key: Uint8Array, nA: Uint8Array, nB: Uint8Array): Uint8Array {
  const out = new Uint8Array(PROOF_BYTES);
  computeBrainProof(hmac, key, nA, 0, nB, 0, out, 0);
  return out;
}

/** HMAC-SHA256(K, "bs1-agent" || nA || nB): 32 bytes (what an agent holding K sends). */
export function agentProof(key: Uint8Array, nA: Uint8Array, nB: Uint8Array): Uint8Array {
  const out = new Uint8Array(PROOF_BYTES);
  computeAgentProof(hmac, key, nA, 0, nB, 0, out, 0);
  return out;
}

/** True when proof[off..off+32) equals HMAC-SHA256(K, "bs1-agent" || nA || nB); compared in constant time. */
export function agentProofValid(key: Uint8Array, nA: Uint8Array, nB: Uint8Array, proof: Uint8Array, off = 0): boolean {
  if (proof.length - off < PROOF_BYTES) return false;
  return verifyAgentProof(hmac, key, nA, 0, nB, 0, proof, off, scratch32) === 0;
}

/** HMAC-SHA256(K, "bs1-sess" || nA || nB): the 32-byte session key. */
export function sessionKey(key: Uint8Array, nA: Uint8Array, nB: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  computeSessionKey(hmac, key, nA, 0, nB, 0, out, 0);
  return out;
}

/**
 * Signs motor frames of one session: HMAC-SHA256(sessionKey, sessionId u32 BE || the frame
 * bytes before the mac item), first 16 bytes, written over the frame's last 16 bytes (the
 * placeholder the encoder left there). Uses the firmware's own HMAC (src/codec/crypto,
 * keyed once per session: the two pad blocks are hashed once) and computeMotorMac from
 * src/codec/frames/motor.ts: per frame no object is created, and on V8 it is faster than a
 * node:crypto Hmac object per frame (test/brain-frames.test.ts checks it against node:crypto).
 */
export class MotorSigner {
  private readonly hmac = new SoftHmacSha256();
  private readonly scratch32 = new Uint8Array(32);

  constructor(
    sessionKeyBytes: Uint8Array,
    readonly sessionId: number,
  ) {
    this.hmac.setKey(sessionKeyBytes, 0, sessionKeyBytes.length);
  }

  /** frame ends with the mac item (0x50 + 16 placeholder bytes); the MAC replaces the placeholder. */
  sign(frame: Uint8Array): void {
    const signedLen = frame.length - MOTOR_MAC_ITEM_BYTES;
    computeMotorMac(this.hmac, this.sessionId, frame, 0, signedLen, this.scratch32);
    frame.set(this.scratch32.subarray(0, MOTOR_MAC_BYTES), frame.length - MOTOR_MAC_BYTES);
  }
}
