/*
 * agent/control-link: the agent's side of the brainstem control protocol.
 *
 * Theory of operation: owns what one session needs beyond the automaton: the topics, the
 * nonces, the mutual-auth proofs and the session key (docs/protocol.md "Authentication"), the
 * QoS 1 packet ids still awaiting PUBACK (the one place the pending count is kept), and the
 * data topics the brain assigned. `decide` decodes one inbound control message into a reused
 * ControlMessage and turns it into session inputs; it never asks which phase the session is
 * in. What a challenge or a registered message offers (the brain's nonce, the data topics) is
 * kept as a candidate, and adopted only when the session's table says so (the AdoptChallenge
 * and AdoptRegistration actions), so a stray or replayed message can change nothing. The
 * encoders write outbound messages into the agent's outbox. Only the challenge and the
 * registration, and `deathMessage`, do setup-time work (hashing, copying topics, one small
 * allocation for the Will); heartbeats and acks allocate nothing.
 */
import { bytesEqual, copyBytes, readUtf8 } from "../codec/bytes";
import type { HmacSha256 } from "../codec/crypto/hmac";
import { Err } from "../errors";
import { computeAgentProof, computeSessionKey, verifyBrainProof } from "../protocol/auth";
import type { MqttDecoder } from "../codec/mqtt/decoder";
import { topicNameField } from "../codec/mqtt/publish";
import { ControlMessage, decodeControl } from "../protocol/decode";
import { encodeDeath, encodeDeregister, encodeHeartbeat, encodeHello, encodeProof, encodeStatus } from "../protocol/encode";
import { AgentTopics } from "../protocol/topics";
import { MAX_TOPIC_BYTES, MsgType, NONCE_BYTES, PROOF_BYTES, rejectReasonError } from "../protocol/wire";
import { Ev } from "../session/automaton";
import { COUNTER_COUNT } from "../session/counters";
import type { Session } from "../session/session";
import type { ChannelBank } from "./channels";
import type { AgentConfig } from "./config";

const MAX_PENDING = 8;
/** The decoder's watched topic slots (watchTopics): PUBLISH.topicSlot tells the downlinks apart. */
export const MOTOR_TOPIC_SLOT = 1;
export const CONTROL_TOPIC_SLOT = 2;
const NO_TOPIC_FIELD = new Uint8Array(0);

export class ControlLink {
  readonly topics: AgentTopics;
  readonly controlUpBytes: Uint8Array;
  /** controlUpBytes as a PUBLISH topic name field, for the QoS 0 control packets (heartbeat, status). */
  readonly controlUpField: Uint8Array;
  readonly message = new ControlMessage();
  /** The adopted sensor topic as a PUBLISH topic name field (topicNameField); empty until then. */
  sensorTopicField: Uint8Array = NO_TOPIC_FIELD;
  private readonly motorTopic = new Uint8Array(MAX_TOPIC_BYTES);
  private motorTopicLen = 0;
  private readonly offeredSensorTopic = new Uint8Array(MAX_TOPIC_BYTES);
  private offeredSensorTopicLen = 0;
  private readonly offeredMotorTopic = new Uint8Array(MAX_TOPIC_BYTES);
  private offeredMotorTopicLen = 0;
  private readonly agentNonce = new Uint8Array(NONCE_BYTES);
  private readonly brainNonce = new Uint8Array(NONCE_BYTES);
  private readonly offeredBrainNonce = new Uint8Array(NONCE_BYTES);
  private readonly sessionKey = new Uint8Array(PROOF_BYTES);
  private readonly scratch32 = new Uint8Array(PROOF_BYTES);
  private readonly pendingIds = new Uint16Array(MAX_PENDING);
  private pending = 0;
  private packetId = 0;

  constructor(
    private readonly config: AgentConfig,
    private readonly authHmac: HmacSha256,
    /** Keyed with the session key once registered: motor frames' MACs (verifyMotorMac). */
    readonly macHmac: HmacSha256,
    private readonly host: { random(dst: Uint8Array): void },
  ) {
    this.topics = new AgentTopics(config.agentId);
    this.controlUpBytes = this.topics.upCtl;
    const field = topicNameField(this.controlUpBytes, this.controlUpBytes.length);
    if (typeof field === "number") throw new Error(`brainstem: control topic cannot be published to (${field})`); // the agent id was validated: a bug
    this.controlUpField = field;
  }

  /** Topic strings for the MQTT encoders that take strings (CONNECT, SUBSCRIBE: setup only). */
  get controlUpString(): string {
    return readUtf8(this.topics.upCtl, 0, this.topics.upCtl.length);
  }

  get controlDownString(): string {
    return readUtf8(this.topics.dnCtl, 0, this.topics.dnCtl.length);
  }

  get clientIdString(): string {
    return readUtf8(this.topics.clientId, 0, this.topics.clientId.length);
  }

  motorTopicString(): string {
    return readUtf8(this.motorTopic, 0, this.motorTopicLen);
  }

  /** QoS 1 messages awaiting their PUBACK. */
  get pendingCount(): number {
    return this.pending;
  }

  /** A new connection: forget the pending ids and the assigned topics. */
  resetSession(): void {
    this.pending = 0;
    this.sensorTopicField = NO_TOPIC_FIELD;
    this.motorTopicLen = 0;
    this.offeredSensorTopicLen = 0;
    this.offeredMotorTopicLen = 0;
  }

  /**
   * Has the decoder tell this link's downlink topics apart (MqttPacketReader.watchTopic): the
   * control topic in CONTROL_TOPIC_SLOT, the adopted motor topic, if any, in MOTOR_TOPIC_SLOT.
   * Call after any change of the motor topic (resetSession, adoptRegistration). Returns 0 or
   * the watchTopic code of a topic that cannot be a PUBLISH topic (none then matches it).
   */
  watchTopics(decoder: MqttDecoder): number {
    const ctl = this.topics.dnCtl;
    const c = decoder.watchTopic(CONTROL_TOPIC_SLOT, ctl, 0, ctl.length);
    const m = decoder.watchTopic(MOTOR_TOPIC_SLOT, this.motorTopic, 0, this.motorTopicLen);
    return c !== 0 ? c : m;
  }

  /** Next QoS 1 packet id, recorded as pending; QUEUE_FULL when MAX_PENDING are unacknowledged. */
  nextPacketId(): number {
    if (this.pending === MAX_PENDING) return Err.QueueFull;
    this.packetId = this.packetId === 0xffff ? 1 : this.packetId + 1; // MQTT 3.1.1 §2.3.1: non-zero
    this.pendingIds[this.pending++] = this.packetId;
    return this.packetId;
  }

  /** A PUBACK arrived: forget that id (unknown ids are ignored). True when nothing is pending any more. */
  acked(packetId: number): boolean {
    for (let i = 0; i < this.pending; i++) {
      if (this.pendingIds[i] === packetId) {
        this.pendingIds[i] = this.pendingIds[--this.pending];
        return this.pending === 0;
      }
    }
    return false;
  }

  /** The Last Will payload for a generation. Allocates once per connection attempt. */
  deathMessage(scratch: Uint8Array, generation: number): Uint8Array {
    const len = encodeDeath(scratch, 0, generation);
    return scratch.slice(0, len < 0 ? 0 : len);
  }

  /** hello with a fresh nonce (a new one for every connection: a replayed challenge cannot match). */
  encodeHello(dst: Uint8Array, off: number, generation: number, channels: ChannelBank): number {
    this.host.random(this.agentNonce);
    const c = this.config;
    return encodeHello(dst, off, c.firmwareVersion, c.agentId, generation, this.agentNonce, 0, c.maxFrameBytes, channels.wire, channels.channels);
  }

  encodeProof(dst: Uint8Array, off: number): number {
    const r = computeAgentProof(this.authHmac, this.config.key, this.agentNonce, 0, this.brainNonce, 0, this.scratch32, 0);
    return r < 0 ? r : encodeProof(dst, off, this.scratch32, 0);
  }

  encodeHeartbeat(dst: Uint8Array, off: number, seq: number, nowMs: number, rttMs: number): number {
    return encodeHeartbeat(dst, off, seq, nowMs, rttMs);
  }

  encodeDeregister(dst: Uint8Array, off: number, reason: number): number {
    return encodeDeregister(dst, off, reason);
  }

  encodeStatus(dst: Uint8Array, off: number, s: Session): number {
    const st = s.status();
    return encodeStatus(dst, off, st.phase, st.generation, st.rttMs, st.clockOffsetMs, s.counters, COUNTER_COUNT, st.lastReason);
  }

  /**
   * Decodes one control message and feeds it to the session. Returns 0 when handled, or the
   * Err code of a malformed or unacceptable message (the caller counts and skips it).
   */
  decide(nowMs: number, buf: Uint8Array, off: number, len: number, session: Session): number {
    const m = this.message;
    const type = decodeControl(buf, off, len, m);
    if (type === Err.RegMissingEndpoint) {
      session.handle(nowMs, Ev.RejectedRetry, Err.RegMissingEndpoint); // a missing endpoint is a failure
      return 0;
    }
    if (type < 0) return type;
    switch (type) {
      // the steady state's message first: XS tests a switch's cases one by one
      case MsgType.HeartbeatAck:
        session.onHeartbeatAck(nowMs, m.seq, m.agentTime, m.brainTime);
        return 0;
      case MsgType.Challenge:
        return this.onChallenge(nowMs, session);
      case MsgType.Registered:
        return this.onRegistered(nowMs, session);
      case MsgType.Rejected:
        session.onRejected(nowMs, rejectReasonError(m.reason), m.retryAfterMs);
        return 0;
      case MsgType.Drain:
        session.onDrain(nowMs, m.reason, m.retryAfterMs, m.drainDeadlineMs, this.pending);
        return 0;
      case MsgType.Deregistered:
        session.handle(nowMs, Ev.Deregistered);
        return 0;
      case MsgType.StatusRequest:
        session.statusRequested();
        return 0;
      default:
        session.unexpected(); // an agent->brain type on our downlink
        return 0;
    }
  }

  /**
   * A challenge that echoes our nonce offers the brain's nonce; the brain's proof decides
   * between ChallengeOk and ChallengeUnproven. A brain whose proof fails is never trusted (the
   * table keeps it from active), but we still answer with our proof, so that a real brain
   * holding a different key rejects us with a reason (invalid auth -> failed). The proof is an
   * HMAC over fresh nonces: it teaches a rogue nothing, and the motor MAC needs the session
   * key, which needs the key.
   */
  private onChallenge(nowMs: number, session: Session): number {
    const m = this.message;
    if (!bytesEqual(m.buf, m.agentNonceOff, this.agentNonce, 0, NONCE_BYTES)) return Err.AuthReplayed;
    copyBytes(this.offeredBrainNonce, 0, m.buf, m.nonceOff, NONCE_BYTES);
    const proven = verifyBrainProof(this.authHmac, this.config.key, this.agentNonce, 0, this.offeredBrainNonce, 0, m.buf, m.proofOff, this.scratch32) === 0;
    session.handle(nowMs, proven ? Ev.ChallengeOk : Ev.ChallengeUnproven);
    return 0;
  }

  /** The session accepted the challenge: the offered nonce becomes the brain's, and the session key follows. */
  adoptChallenge(): void {
    copyBytes(this.brainNonce, 0, this.offeredBrainNonce, 0, NONCE_BYTES);
    computeSessionKey(this.authHmac, this.config.key, this.agentNonce, 0, this.brainNonce, 0, this.sessionKey, 0);
    this.macHmac.setKey(this.sessionKey, 0, PROOF_BYTES);
  }

  private onRegistered(nowMs: number, session: Session): number {
    const m = this.message;
    if (m.generation !== session.generation) return Err.MsgBadField;
    if (m.sensorTopicLen > MAX_TOPIC_BYTES || m.motorTopicLen > MAX_TOPIC_BYTES) {
      session.handle(nowMs, Ev.RejectedRetry, Err.TopicTooLong);
      return 0;
    }
    this.offeredSensorTopicLen = copyBytes(this.offeredSensorTopic, 0, m.buf, m.sensorTopicOff, m.sensorTopicLen);
    this.offeredMotorTopicLen = copyBytes(this.offeredMotorTopic, 0, m.buf, m.motorTopicOff, m.motorTopicLen);
    session.onRegistered(nowMs, m.sessionId, m.heartbeatMs, m.motorDeadlineMs, m.maxSensorHz, m.brainTime);
    return 0;
  }

  /**
   * The session accepted the registration: the offered data topics become ours. Returns 0, or
   * topicNameField's code for a sensor topic that cannot be published to (empty).
   */
  adoptRegistration(): number {
    const field = topicNameField(this.offeredSensorTopic, this.offeredSensorTopicLen);
    if (typeof field === "number") return field;
    this.sensorTopicField = field;
    this.motorTopicLen = copyBytes(this.motorTopic, 0, this.offeredMotorTopic, 0, this.offeredMotorTopicLen);
    return 0;
  }
}
