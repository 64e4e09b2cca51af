/*
 * mqtt/decoder: the client's streaming, allocation-free decoder of what an MQTT 3.1.1 server
 * sends (CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP), strict
 * about every rule a client can check.
 *
 * Theory of operation: the framing, the receive buffer, PUBLISH and the packet-id-only
 * packets are packet-reader.ts's (read its header for buffer use and field validity). This
 * class adds the server → client direction (a CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ or
 * DISCONNECT from a server is MQTT_WRONG_DIRECTION), CONNACK and SUBACK, and the rules that
 * depend on what the client sent (client-rules.ts): the client calls `sent(buf, off)` for
 * each packet it writes, and from its CONNECT on, next() also refuses packets that arrive out
 * of turn (a packet before CONNACK, a second CONNACK, session present on a clean session, an
 * acknowledgement of nothing outstanding, a SUBACK with the wrong number of codes, a PUBLISH
 * above the QoS subscribed with). Every refusal is a negative Err code, sticky until reset():
 * the client must close the connection (MQTT-4.8.0-1) and reconnect, and reset() then starts
 * the new connection's bookkeeping afresh.
 * The broker side (CONNECT, SUBSCRIBE, UNSUBSCRIBE parsing) lives in
 * testkit/mqtt-server-codec.ts: the device never needs it.
 * Nothing on the path of push/next/sent allocates.
 */
import { Err } from "../../errors";
import { MqttClientRules } from "./client-rules";
import { CONNACK_FLAG_SESSION_PRESENT, MAX_CONNACK_CODE, PacketType, SUBACK_FAILURE } from "./constants";
import { DEFAULT_TOPIC_CACHE_BYTES, MqttPacketReader, typeBit } from "./packet-reader";

export { DEFAULT_TOPIC_CACHE_BYTES } from "./packet-reader";

/** The packet types a server sends to a client (§2.2.1, Table 2.1). */
const SERVER_TO_CLIENT =
  typeBit(PacketType.Connack) | typeBit(PacketType.Publish) | typeBit(PacketType.Puback) | typeBit(PacketType.Pubrec) |
  typeBit(PacketType.Pubrel) | typeBit(PacketType.Pubcomp) | typeBit(PacketType.Suback) | typeBit(PacketType.Unsuback) |
  typeBit(PacketType.Pingresp);

export class MqttDecoder extends MqttPacketReader {
  /** What the client sent on this connection, for the rules that depend on it (read for every packet). */
  readonly rules: MqttClientRules;
  // ---- CONNACK ----
  /** Session Present, 1 or 0 (§3.2.2.2). */
  sessionPresent = 0;
  /** Connect return code 0..5 (§3.2.2.3, ConnackCode). */
  returnCode = 0;
  // ---- SUBACK ----
  /** The return codes, one byte each: 0..2 granted QoS or 0x80 failure (§3.9.3). */
  returnCodesOff = 0;
  returnCodesLen = 0;

  /**
   * maxPacketBytes and topicCacheBytes as for MqttPacketReader; trackedIds: how many packet
   * ids may be outstanding at once for the acknowledgement checks (client-rules.ts).
   * Throws RangeError on a bad size (setup bug).
   */
  constructor(maxPacketBytes: number, topicCacheBytes: number = DEFAULT_TOPIC_CACHE_BYTES, trackedIds = 16) {
    super(maxPacketBytes, topicCacheBytes, SERVER_TO_CLIENT);
    this.rules = new MqttClientRules(trackedIds);
    this.qos0Rules = this.rules; // checkSequence below asks them
  }

  /** Drops buffered bytes, the sticky error and the connection's bookkeeping (a new connection). */
  override reset(): void {
    super.reset();
    this.rules.reset();
  }

  /**
   * The client wrote the packet at src[off] (one of its own, whole): remembered for the
   * rules that depend on what was sent. Call it once per packet, CONNECT first. Returns 0 or
   * VALUE_RANGE when src[off..] holds no whole packet.
   */
  sent(src: Uint8Array, off: number): number {
    return this.rules.sent(src, off);
  }

  protected parseBody(type: number, p: number, end: number): number {
    return type === PacketType.Connack ? this.parseConnack(p) : this.parseSuback(p, end);
  }

  protected override checkSequence(type: number): number {
    return this.rules.received(type, this.packetId, this.qos, this.sessionPresent, this.returnCodesLen);
  }

  /** §3.2.2: acknowledge flags (bits 7-1 reserved 0), return code 0..5. Length is 2. */
  private parseConnack(p: number): number {
    const ackFlags = this.buf[p];
    const rc = this.buf[p + 1];
    if ((ackFlags & ~CONNACK_FLAG_SESSION_PRESENT) !== 0) return Err.MqttBadConnack; // §3.2.2.1
    if (rc > MAX_CONNACK_CODE) return Err.MqttBadConnack; // §3.2.2.3: 6..255 reserved
    if (ackFlags !== 0 && rc !== 0) return Err.MqttBadConnack; // MQTT-3.2.2-4
    this.sessionPresent = ackFlags;
    this.returnCode = rc;
    return 0;
  }

  /** §3.9: packet id, then one or more return codes in {0, 1, 2, 0x80} (length >= 3). */
  private parseSuback(p: number, end: number): number {
    const r = this.parsePacketId(p);
    if (r !== 0) return r;
    const buf = this.buf;
    for (let i = p + 2; i < end; i++) {
      const c = buf[i];
      if (c > 2 && c !== SUBACK_FAILURE) return Err.MqttBadSubackCode; // MQTT-3.9.3-2
    }
    this.returnCodesOff = p + 2;
    this.returnCodesLen = end - p - 2;
    return 0;
  }
}
