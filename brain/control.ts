/*
 * brain/control: the brain's side of the control protocol, one handler per message type
 * (protocol.md §Control messages; src/protocol decodes and encodes every message).
 *
 * Theory of operation: `handleControl` decodes the payload of bs/1/A/up/ctl into one reused
 * ControlMessage and dispatches on its type:
 *   hello       checks (id matches the topic, agent in the registry, version 1, a valid
 *               channel table, an mfb, requested and granted, that holds the largest frame
 *               of those channels), then a fresh brain nonce and the brain proof go
 *               out in `challenge`; a hello always supersedes the agent's previous session
 *               (an agent only says hello when it has lost its session) and sets the current
 *               generation, so the old connection's Last Will arrives as a stale death.
 *   proof       verified in constant time against the pending handshake; on success the
 *               session key is derived, a random session id assigned and `registered` sent
 *               with the negotiated limits; a wrong proof is rejected (invalid auth) and logged.
 *   heartbeat   answered at once with heartbeat-ack (s and ta echoed, tb = brain time),
 *               QoS 0; it refreshes liveness and the agent's reported RTT.
 *   status      stored for /status (phase, generation, RTT, clock offset, counters, reason).
 *   deregister  acknowledged with `deregistered` (drain complete when the agent was draining).
 *   death       the Last Will: the current generation's death marks the agent dead; any
 *               other generation is stale: ignored, counted and reported as "stale-death".
 * Rejections: unknown agent -> UNKNOWN_AGENT, wrong proof -> INVALID_AUTH, malformed or
 * unacceptable hello -> INVALID_REQUEST, protocol version != 1 -> UNSUPPORTED_VERSION.
 */
import { errorName } from "../src/errors";
import { ControlMessage, decodeControl } from "../src/protocol/decode";
import { encodeChallenge, encodeDeregistered, encodeHeartbeatAck, encodeRegistered } from "../src/protocol/encode";
import { PROTOCOL_VERSION, TopicKind, topicFor } from "../src/protocol/topics";
import { DEFAULT_MAX_COUNTERS, DeregisteredReason, DeregisterReason, MsgType, NONCE_BYTES, PROOF_BYTES, RejectReason, msgTypeName } from "../src/protocol/wire";
import { MAX_CHANNELS } from "../src/codec/frames/channels";
import { agentProofValid, brainProof, MotorSigner, newNonce, newSessionId, sessionKey } from "./auth";
import { declareChannels, type TypedArray } from "./channels";
import { brainTimeMs, nowMs } from "./clock";
import type { BrainCore } from "./core";
import { isLive, type Session } from "./record";

/** A duplicate proof this soon after registration is ignored rather than answered with an eviction. */
const DUPLICATE_PROOF_WINDOW_MS = 5000;

function text(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString("utf8");
}

function copyOut(buf: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(buf.subarray(off, off + len)); // copies
}

export class ControlHandlers {
  /** Room for every legal channel table (256 ids, protocol.md §7) and 64 status counters. */
  private readonly m = new ControlMessage(MAX_CHANNELS, DEFAULT_MAX_COUNTERS);

  constructor(private readonly core: BrainCore) {}

  /** One message from bs/1/<agentId>/up/ctl. */
  handle(agentId: string, payload: Uint8Array): void {
    const core = this.core;
    const m = this.m;
    const t = decodeControl(payload, 0, payload.length, m);
    if (t < 0) {
      if (m.type === MsgType.HELLO) {
        core.reject(agentId, core.recordOf(agentId), RejectReason.INVALID_REQUEST, `malformed hello (${errorName(t)})`, "warn");
        return;
      }
      const r = core.records.get(agentId);
      if (r !== undefined) r.malformed++;
      else core.malformed++;
      core.log("debug", `agent ${agentId}: malformed control message skipped (${errorName(t)})`);
      return;
    }
    switch (t) {
      case MsgType.HELLO:
        return this.onHello(agentId);
      case MsgType.PROOF:
        return this.onProof(agentId);
      case MsgType.HEARTBEAT:
        return this.onHeartbeat(agentId);
      case MsgType.STATUS:
        return this.onStatus(agentId);
      case MsgType.DEREGISTER:
        return this.onDeregister(agentId);
      case MsgType.DEATH:
        return this.onDeath(agentId);
      default: {
        const r = core.records.get(agentId);
        if (r !== undefined) r.unexpected++;
        core.log("debug", `agent ${agentId}: unexpected ${msgTypeName(t)} on its upward control topic`);
      }
    }
  }

  private onHello(agentId: string): void {
    const core = this.core;
    const m = this.m;
    const helloId = text(m.buf, m.idOff, m.idLen);
    const key = core.registry.keyOf(agentId);
    if (key === undefined) {
      core.reject(agentId, undefined, RejectReason.UNKNOWN_AGENT, `unknown agent "${agentId}": no key for it in the brain's keys file`, "warn");
      return;
    }
    const r = core.recordOf(agentId)!;
    if (helloId !== agentId) {
      core.reject(agentId, r, RejectReason.INVALID_REQUEST, `hello id "${helloId}" does not match the topic's agent id`, "warn");
      return;
    }
    if (m.version !== PROTOCOL_VERSION) {
      core.reject(agentId, r, RejectReason.UNSUPPORTED_VERSION, `protocol version ${m.version} is not supported (this brain speaks ${PROTOCOL_VERSION})`, "warn");
      return;
    }
    const declared = declareChannels(m);
    if (typeof declared === "string") {
      core.reject(agentId, r, RejectReason.INVALID_REQUEST, declared, "warn");
      return;
    }
    // protocol.md §5.1: an mfb that cannot hold a frame is an invalid request
    if (m.maxFrameBytes < declared.largestFrameBytes) {
      core.reject(agentId, r, RejectReason.INVALID_REQUEST, `mfb ${m.maxFrameBytes} cannot hold the largest frame of these channels (${declared.largestFrameBytes} bytes)`, "warn");
      return;
    }
    if (core.limits.maxFrameBytes < declared.largestFrameBytes) {
      core.reject(agentId, r, RejectReason.INVALID_REQUEST, `frames of these channels need ${declared.largestFrameBytes} bytes; this brain allows ${core.limits.maxFrameBytes}`, "warn");
      return;
    }
    if (r.session !== null) core.log("info", `agent ${agentId}: new hello (generation ${m.generation}) supersedes session 0x${r.session.sessionId.toString(16)}`);
    core.endSession(r);
    const agentNonce = copyOut(m.buf, m.nonceOff, NONCE_BYTES);
    const brainNonce = newNonce();
    r.handshake = { agentNonce, brainNonce, generation: m.generation, declared, requestedFrameBytes: m.maxFrameBytes, startedAtMs: nowMs() };
    r.generation = m.generation;
    r.firmware = text(m.buf, m.fwOff, m.fwLen);
    r.deathCause = null;
    core.setPhase(r, "authenticating");
    r.lastHeardMs = nowMs();
    const proof = brainProof(key, agentNonce, brainNonce);
    core.sendScratch(r.controlTopic, encodeChallenge(core.scratch, 0, brainNonce, 0, agentNonce, 0, proof, 0), 1);
  }

  private onProof(agentId: string): void {
    const core = this.core;
    const m = this.m;
    const r = core.records.get(agentId);
    const hs = r?.handshake ?? null;
    const key = core.registry.keyOf(agentId);
    if (r === undefined || hs === null || key === undefined) {
      if (r !== undefined && r.session !== null && nowMs() - r.session.startedAtMs < DUPLICATE_PROOF_WINDOW_MS) {
        r.unexpected++; // a QoS 1 duplicate of the proof that opened this session
        return;
      }
      core.evict(agentId, "proof without a pending handshake");
      return;
    }
    const proof = m.buf.subarray(m.proofOff, m.proofOff + PROOF_BYTES);
    if (!agentProofValid(key, hs.agentNonce, hs.brainNonce, proof)) {
      core.reject(agentId, r, RejectReason.INVALID_AUTH, "the agent's proof does not match its key in the keys file (wrong device key?)", "warn");
      return;
    }
    const limits = core.limits;
    const sessionId = newSessionId();
    const now = nowMs();
    const s: Session = {
      sessionId,
      signer: new MotorSigner(sessionKey(key, hs.agentNonce, hs.brainNonce), sessionId),
      generation: hs.generation,
      declared: hs.declared,
      limits: {
        maxFrameBytes: Math.min(hs.requestedFrameBytes, limits.maxFrameBytes),
        maxSensorHz: limits.maxSensorHz,
        heartbeatMs: limits.heartbeatMs,
        motorDeadlineMs: limits.motorDeadlineMs,
      },
      sensorTopic: topicFor(agentId, TopicKind.UP_SNS),
      motorTopic: topicFor(agentId, TopicKind.DN_MOT),
      startedAtMs: now,
      motorSeq: 0,
      sensorSeq: 0,
      haveSensorSeq: false,
      ctx: { agentId, sessionId, seq: 0, brainTimeMs: 0, agentTimeMs: 0, channels: new Map<number, TypedArray>(), declared: hs.declared },
      problemsLogged: 0,
    };
    r.handshake = null;
    r.session = s;
    r.generation = s.generation;
    r.sessions++;
    r.lastHeardMs = now;
    core.setPhase(r, "registered");
    const l = s.limits;
    core.sendScratch(
      r.controlTopic,
      encodeRegistered(core.scratch, 0, sessionId, s.generation, s.sensorTopic, s.motorTopic, l.maxFrameBytes, l.maxSensorHz, l.heartbeatMs, l.motorDeadlineMs, brainTimeMs()),
      1,
    );
    const start = core.controller.onSessionStart;
    if (start !== undefined) {
      try {
        start.call(core.controller, { agentId, sessionId, generation: s.generation, declared: s.declared });
      } catch (e) {
        core.log("warn", `controller onSessionStart(${agentId}) threw: ${(e as Error).message}`);
      }
    }
    core.log("info", `agent ${agentId} registered: session 0x${sessionId.toString(16).padStart(8, "0")}, generation ${s.generation}, ${s.declared.list.length} channels, max frame ${l.maxFrameBytes} bytes`);
    core.host.emit("registered", { agentId, sessionId, generation: s.generation, limits: l, channels: s.declared.list.length, firmware: r.firmware });
  }

  private onHeartbeat(agentId: string): void {
    const core = this.core;
    const m = this.m;
    const r = core.records.get(agentId);
    if (r === undefined || r.session === null) {
      core.evict(agentId, "heartbeat without a session");
      return;
    }
    core.sendScratch(r.controlTopic, encodeHeartbeatAck(core.scratch, 0, m.seq, m.agentTime, brainTimeMs()), 0);
    r.lastHeardMs = nowMs();
    r.heartbeats++;
    if (m.rttMs > 0) r.rttMs = m.rttMs;
    if (r.phase === "registered") core.setPhase(r, "active");
  }

  private onStatus(agentId: string): void {
    const m = this.m;
    const r = this.core.records.get(agentId);
    if (r === undefined) return;
    r.agentPhase = m.phase;
    r.rttMs = m.rttMs;
    r.clockOffsetMs = m.clockOffsetMs;
    r.agentLastReason = m.lastReason;
    r.agentCounters = m.counters.slice(0, m.counterCount);
    r.statusAtMs = nowMs();
    if (r.session !== null) r.lastHeardMs = r.statusAtMs;
  }

  private onDeregister(agentId: string): void {
    const core = this.core;
    const r = core.records.get(agentId);
    if (r === undefined) return;
    const drained = this.m.reason === DeregisterReason.DRAIN || r.phase === "draining";
    core.sendScratch(r.controlTopic, encodeDeregistered(core.scratch, 0, drained ? DeregisteredReason.DRAIN_COMPLETE : DeregisteredReason.ACKNOWLEDGED), 1);
    core.endSession(r);
    core.setPhase(r, "deregistered");
    r.lastHeardMs = nowMs();
    const why = drained ? "drain complete" : this.m.reason === DeregisterReason.FAULT ? "fault" : "stop requested";
    core.log("info", `agent ${agentId} deregistered (${why})`);
    core.host.emit("deregistered", { agentId, reason: why });
  }

  private onDeath(agentId: string): void {
    const core = this.core;
    const g = this.m.generation;
    const r = core.records.get(agentId);
    if (r === undefined) {
      core.log("debug", `agent ${agentId}: death notice (generation ${g}) for an agent without a record: ignored`);
      return;
    }
    if (g !== r.generation) {
      r.staleDeathsIgnored++;
      core.log("info", `agent ${agentId}: stale death notice ignored (generation ${g}, current ${r.generation})`);
      core.host.emit("stale-death", { agentId, generation: g, currentGeneration: r.generation });
      return;
    }
    if (isLive(r.phase)) core.declareDead(r, "last will");
  }
}
