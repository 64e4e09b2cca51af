/*
 * mqtt/client-rules: the MQTT 3.1.1 rules that a client can check only by remembering what it
 * sent on the connection: CONNACK first and once, session present against the clean-session
 * flag it asked for, acknowledgements only for what it is waiting for, SUBACK with one code
 * per filter, PUBLISH no higher than the QoS it subscribed with.
 *
 * Theory of operation: the client reports each packet it writes with `sent(buf, off)`: the
 * rules read the packet's own bytes (type, CONNECT flags, packet id, SUBSCRIBE filters), so
 * the caller needs one call per packet and no bookkeeping of its own. `received(...)` is asked
 * about each well-formed packet from the server and answers 0 or the violated rule's code.
 * Tracking starts with the CONNECT (a decoder used without `sent`, e.g. a test decoding
 * lone packets, checks each packet on its own) and ends with `reset()` (a new connection).
 * Outstanding packet ids live in a fixed table (`capacity` entries, default 16: the agent
 * has at most 8 QoS 1 messages and 2 subscriptions in flight). Should it ever overflow, the
 * rules stop checking acknowledgements until the next connection instead of refusing a valid
 * one (`overflowed` tells). Nothing allocates after the constructor.
 *
 * Rules (section numbers of the OASIS MQTT 3.1.1 standard):
 *   - the first packet from the server is CONNACK (MQTT-3.2.0-1), and it comes once;
 *   - session present is 0 when the client asked for a clean session (MQTT-3.2.2-1);
 *   - PUBACK answers a QoS 1 PUBLISH, PUBREC a QoS 2 PUBLISH, PUBREL a PUBREC, PUBCOMP a
 *     PUBREL, SUBACK a SUBSCRIBE, UNSUBACK an UNSUBSCRIBE, each with the same packet id and
 *     only while unanswered (MQTT-2.3.1-6, MQTT-3.8.4-2, MQTT-3.10.4-4); PINGRESP answers a
 *     PINGREQ (§3.13);
 *   - a SUBACK has one return code per topic filter of its SUBSCRIBE (MQTT-3.8.4-5);
 *   - on a clean session, a PUBLISH is at most the highest QoS subscribed with on this
 *     connection (MQTT-3.8.4-6: delivery QoS is at most the granted QoS, which is at most
 *     the requested one).
 */
import { Err } from "../../errors";
import { ConnectFlag, PacketType } from "./constants";

/** Connection states: no CONNECT sent since reset() (nothing is checked), CONNACK awaited, connected. */
const Conn = { Untracked: 0, AwaitingConnack: 1, Connected: 2 } as const;

/** Largest number of outstanding PINGREQs counted (more only saturate). */
const MAX_PINGS = 0xffff;
/** Offset of the connect flags in a CONNECT body: protocol name (2 + 4), level (§3.1.2). */
const CONNECT_FLAGS_AT = 7;

export class MqttClientRules {
  /**
   * What received() answers now for a QoS 0 PUBLISH, kept with the connection state it
   * depends on alone (MQTT-3.2.0-1: nothing before the CONNACK; QoS 0 is always granted), so
   * a decoder's repeat path can ask with one read. received() has no side effect for PUBLISH.
   */
  qos0PublishVerdict = 0;
  /** True when more packet ids were outstanding than the table holds (acks unchecked until reset). */
  overflowed = false;
  private conn: number = Conn.Untracked;
  private cleanSession = false;
  /** Highest QoS of any filter subscribed to on this connection; -1 before any SUBSCRIBE. */
  private maxQos = -1;
  private pings = 0;
  // Outstanding packet ids: ids[i] awaits a packet of type awaits[i]; a SUBSCRIBE's has filters[i] filters.
  private readonly ids: Uint16Array;
  private readonly awaits: Uint8Array;
  private readonly filters: Uint16Array;
  private used = 0;

  constructor(capacity = 16) {
    this.ids = new Uint16Array(capacity);
    this.awaits = new Uint8Array(capacity);
    this.filters = new Uint16Array(capacity);
  }

  /** A new connection: forget everything; nothing is checked until the next CONNECT. */
  reset(): void {
    this.conn = Conn.Untracked;
    this.qos0PublishVerdict = 0;
    this.cleanSession = false;
    this.maxQos = -1;
    this.pings = 0;
    this.used = 0;
    this.overflowed = false;
  }

  /**
   * The client wrote the packet at src[off] (a whole, valid packet of its own encoders).
   * Returns 0, or VALUE_RANGE when src[off..] does not hold a packet header.
   */
  sent(src: Uint8Array, off: number): number {
    if (!(off >= 0 && off + 2 <= src.length)) return Err.ValueRange;
    const b0 = src[off];
    if ((b0 & 0xf6) === 0x30) return 0; // a QoS 0 PUBLISH (the steady state's packet): nothing to expect
    const type = b0 >>> 4;
    // §2.2.3 remaining length, then the body at p.
    let p = off + 1;
    let remLen = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      if (p >= src.length) return Err.ValueRange;
      const b = src[p++];
      remLen += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    const end = p + remLen;
    if (end > src.length) return Err.ValueRange;
    switch (type) {
      case PacketType.Connect:
        this.reset();
        this.conn = Conn.AwaitingConnack;
        this.qos0PublishVerdict = Err.MqttConnackNotFirst;
        this.cleanSession = p + CONNECT_FLAGS_AT < end && (src[p + CONNECT_FLAGS_AT] & ConnectFlag.CleanSession) !== 0;
        return 0;
      case PacketType.Publish: {
        const qos = (b0 >>> 1) & 3;
        if (qos === 0 || p + 2 > end) return 0;
        const at = p + 2 + ((src[p] << 8) | src[p + 1]);
        if (at + 2 > end) return Err.ValueRange;
        this.expect((src[at] << 8) | src[at + 1], qos === 1 ? PacketType.Puback : PacketType.Pubrec, 0);
        return 0;
      }
      case PacketType.Pubrec:
        if (remLen === 2) this.expect((src[p] << 8) | src[p + 1], PacketType.Pubrel, 0);
        return 0;
      case PacketType.Pubrel:
        if (remLen === 2) this.expect((src[p] << 8) | src[p + 1], PacketType.Pubcomp, 0);
        return 0;
      case PacketType.Subscribe: {
        if (remLen < 2) return Err.ValueRange;
        // §3.8.3: (u16 length, filter, requested QoS) to the end.
        let count = 0;
        let q = p + 2;
        while (q < end) {
          if (q + 2 > end) return Err.ValueRange;
          q += 2 + ((src[q] << 8) | src[q + 1]);
          if (q >= end) return Err.ValueRange;
          const qos = src[q++] & 3;
          if (qos > this.maxQos) this.maxQos = qos;
          count++;
        }
        this.expect((src[p] << 8) | src[p + 1], PacketType.Suback, count);
        return 0;
      }
      case PacketType.Unsubscribe:
        if (remLen >= 2) this.expect((src[p] << 8) | src[p + 1], PacketType.Unsuback, 0);
        return 0;
      case PacketType.Pingreq:
        if (this.pings < MAX_PINGS) this.pings++;
        return 0;
      default:
        return 0; // PUBACK, PUBCOMP, DISCONNECT: nothing to wait for
    }
  }

  private expect(id: number, awaited: number, filterCount: number): void {
    if (this.conn === Conn.Untracked) return;
    const n = this.used;
    if (n === this.ids.length) {
      this.overflowed = true;
      return;
    }
    this.ids[n] = id;
    this.awaits[n] = awaited;
    this.filters[n] = filterCount;
    this.used = n + 1;
  }

  /**
   * A well-formed packet of this type came from the server (packetId for the acks and
   * PUBLISH, qos for PUBLISH, sessionPresent for CONNACK, returnCodes = SUBACK's count).
   * Returns 0 when it may come now, or MQTT_CONNACK_NOT_FIRST, MQTT_CONNACK_REPEATED,
   * MQTT_SESSION_PRESENT, MQTT_UNSOLICITED_ACK, MQTT_SUBACK_COUNT, MQTT_QOS_NOT_REQUESTED.
   */
  received(type: number, packetId: number, qos: number, sessionPresent: number, returnCodes: number): number {
    const conn = this.conn;
    if (conn === Conn.Untracked) return 0;
    if (conn === Conn.AwaitingConnack) {
      if (type !== PacketType.Connack) return Err.MqttConnackNotFirst; // MQTT-3.2.0-1
      if (this.cleanSession && sessionPresent !== 0) return Err.MqttSessionPresent; // MQTT-3.2.2-1
      this.conn = Conn.Connected;
      this.qos0PublishVerdict = 0;
      return 0;
    }
    switch (type) {
      case PacketType.Connack:
        return Err.MqttConnackRepeated;
      case PacketType.Publish:
        return this.cleanSession && qos > this.maxQos && qos > 0 ? Err.MqttQosNotRequested : 0; // MQTT-3.8.4-6
      case PacketType.Pingresp:
        if (this.pings === 0) return Err.MqttUnsolicitedAck;
        this.pings--;
        return 0;
      case PacketType.Suback: {
        const i = this.find(packetId, type);
        if (i < 0) return this.overflowed ? 0 : Err.MqttUnsolicitedAck;
        const want = this.filters[i];
        this.remove(i);
        return returnCodes === want ? 0 : Err.MqttSubackCount; // MQTT-3.8.4-5
      }
      default: {
        // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK.
        const i = this.find(packetId, type);
        if (i < 0) return this.overflowed ? 0 : Err.MqttUnsolicitedAck;
        this.remove(i);
        return 0;
      }
    }
  }

  private find(id: number, awaited: number): number {
    const ids = this.ids;
    const awaits = this.awaits;
    for (let i = 0; i < this.used; i++) if (ids[i] === id && awaits[i] === awaited) return i;
    return -1;
  }

  /** Removes entry i (the last entry takes its place). */
  private remove(i: number): void {
    const last = --this.used;
    this.ids[i] = this.ids[last];
    this.awaits[i] = this.awaits[last];
    this.filters[i] = this.filters[last];
  }
}
