/*
 * Zero allocation on XS for the control-message paths the agent runs while Active:
 * decoding heartbeat-ack, drain, registered and challenge into the one ControlMessage,
 * encoding heartbeat, status and the Last Will death message, and the handshake HMACs.
 * Measured with the metered xsnap worker (test/helpers/xs.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testHotPathsOnXs } from "./helpers/both-engines";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = (p: string) => JSON.stringify(path.join(root, p));

const entry = `
import { ControlMessage, decodeControl, encodeHeartbeat, encodeStatus, encodeDeath, encodeHeartbeatAck, encodeDrain } from ${src("src/protocol/messages")};
import { computeSessionKey, verifyBrainProof } from ${src("src/protocol/auth")};
import { SoftHmacSha256 } from ${src("src/codec/crypto/hmac")};
import { fromHex } from ${src("src/codec/bytes")};
import { messageVectors, AUTH_KEY, AGENT_NONCE, BRAIN_NONCE, BRAIN_PROOF_HEX } from ${src("test/vectors/messages.suite")};

const m = new ControlMessage();
const tx = new Uint8Array(256);
const ack = new Uint8Array(64);
const ackLen = encodeHeartbeatAck(ack, 0, 42, 100000, 123456789);
const drain = new Uint8Array(64);
const drainLen = encodeDrain(drain, 0, 1, 2000, 30000);
const vectors = messageVectors();
const registered = fromHex(vectors.find((v) => v.name === "registered").hex);
const challenge = fromHex(vectors.find((v) => v.name === "challenge").hex);
const counters = new Uint32Array([1, 2, 300, 70000, 5, 6, 7, 8]);
const hmac = new SoftHmacSha256();
const proof = fromHex(BRAIN_PROOF_HEX);
const scratch = new Uint8Array(32);
const sessionKey = new Uint8Array(32);
let seq = 0;

globalThis.__hot = {
  decodeAck: () => decodeControl(ack, 0, ackLen, m),
  decodeDrain: () => decodeControl(drain, 0, drainLen, m),
  decodeRegistered: () => decodeControl(registered, 0, registered.length, m),
  decodeChallenge: () => decodeControl(challenge, 0, challenge.length, m),
  encodeHeartbeat() {
    seq = (seq + 1) & 15;
    return encodeHeartbeat(tx, 0, seq, 100000, 12);
  },
  encodeStatus: () => encodeStatus(tx, 0, 4, 3, 12, -250, counters, 8, -134),
  encodeDeath: () => encodeDeath(tx, 0, 3),
  verifyBrainProof: () => verifyBrainProof(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, proof, 0, scratch),
  sessionKey: () => computeSessionKey(hmac, AUTH_KEY, AGENT_NONCE, 0, BRAIN_NONCE, 0, sessionKey, 0),
};
`;

const hot: ReadonlyArray<readonly [string, number]> = [
  ["decodeAck", 7],
  ["decodeDrain", 8],
  ["decodeRegistered", 4],
  ["decodeChallenge", 2],
  ["encodeHeartbeat", 20],
  ["encodeStatus", 44],
  ["encodeDeath", 7],
  ["verifyBrainProof", 0],
  ["sessionKey", 32],
];

testHotPathsOnXs("control-message paths allocate nothing on XS", entry, root, hot, 1_000);
