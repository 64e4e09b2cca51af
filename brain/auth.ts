/*
 * brain/auth: the brain's side of the mutual HMAC-SHA256 handshake and the motor-frame MAC,
 * with node:crypto (protocol.md §Authentication, §Motor frame).
 *
 * Theory of operation: with the device key K, the agent nonce nA (hello `n`) and a fresh
 * brain nonce nB (challenge `n`), both 16 bytes:
 *     brain proof = HMAC-SHA256(K, "bs1-brain" || nA || nB)   sent in the challenge
 *     agent proof = HMAC-SHA256(K, "bs1-agent" || nA || nB)   checked in constant time
 *     session key = HMAC-SHA256(K, "bs1-sess"  || nA || nB)   keys the motor-frame MAC
 * These are the same values src/protocol/auth.ts computes on the agent (the tests check it).
 * A motor frame's MAC is the first 16 bytes of HMAC-SHA256(sessionKey, sessionId u32 BE ||
 * the frame bytes before the mac item); a MotorSigner per session writes it over the frame's
 * last 16 bytes (the placeholder the encoder left there).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AuthLabel } from "../src/protocol/auth";
import { NONCE_BYTES, PROOF_BYTES } from "../src/protocol/wire";
import { SoftHmacSha256 } from "../src/codec/crypto/hmac";
import { computeMotorMac, MOTOR_MAC_BYTES, MOTOR_MAC_ITEM_BYTES } from "../src/codec/frames/motor";

const LABEL_BRAIN = Buffer.from(AuthLabel.BRAIN, "ascii");
const LABEL_AGENT = Buffer.from(AuthLabel.AGENT, "ascii");
const LABEL_SESSION = Buffer.from(AuthLabel.SESSION, "ascii");

function labelled(key: Uint8Array, label: Buffer, nA: Uint8Array, nB: Uint8Array): Buffer {
  return createHmac("sha256", key).update(label).update(nA).update(nB).digest();
}

/** A fresh 16-byte brain nonce. */
export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** A random non-zero u32 session id. */
export function newSessionId(): number {
  for (;;) {
    const id = randomBytes(4).readUInt32BE(0);
    if (id !== 0) return id;
  }
}

/** HMAC-SHA256(K, "bs1-brain" || nA || nB): 32 bytes. */
export function brainProof(key: Uint8Array, nA: Uint8Array, nB: Uint8Array): Buffer {
  return labelled(key, LABEL_BRAIN, nA, nB);
}

/** True when proof (32 bytes) equals HMAC-SHA256(K, "bs1-agent" || nA || nB); compared in constant time. */
export function agentProofValid(key: Uint8Array, nA: Uint8Array, nB: Uint8Array, proof: Uint8Array): boolean {
  if (proof.length !== PROOF_BYTES) return false;
  return timingSafeEqual(labelled(key, LABEL_AGENT, nA, nB), proof);
}

/** HMAC-SHA256(K, "bs1-sess" || nA || nB): the 32-byte session key. */
export function sessionKey(key: Uint8Array, nA: Uint8Array, nB: Uint8Array): Buffer {
  return labelled(key, LABEL_SESSION, nA, nB);
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
