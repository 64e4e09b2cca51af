/*
 * mqtt/constants: the numbers of MQTT 3.1.1 that every packet file and the decoder share.
 *
 * Theory of operation: nothing here computes or allocates; these are `as const` tables so
 * that packet types, flag masks and limits read as names at the call site and compile to
 * small integers. Section numbers refer to the OASIS MQTT 3.1.1 standard (29 Oct 2014).
 */

/** Control packet types: the high nibble of the first fixed-header byte (§2.2.1, Table 2.1). */
export const PacketType = {
  Connect: 1,
  Connack: 2,
  Publish: 3,
  Puback: 4,
  Pubrec: 5,
  Pubrel: 6,
  Pubcomp: 7,
  Subscribe: 8,
  Suback: 9,
  Unsubscribe: 10,
  Unsuback: 11,
  Pingreq: 12,
  Pingresp: 13,
  Disconnect: 14,
} as const;
export type PacketTypeCode = (typeof PacketType)[keyof typeof PacketType];

/** Fixed-header flag nibble that PUBREL, SUBSCRIBE and UNSUBSCRIBE must carry (§2.2.2, Table 2.2). */
export const FLAGS_RESERVED_0010 = 0x2;

/** PUBLISH fixed-header flag bits (§3.3.1). */
export const PUBLISH_FLAG_DUP = 0x8;
export const PUBLISH_FLAG_QOS_MASK = 0x6;
export const PUBLISH_FLAG_QOS_SHIFT = 1;
export const PUBLISH_FLAG_RETAIN = 0x1;

/** Largest value the remaining-length varint can carry: 4 bytes of 7 bits (§2.2.3). */
export const MAX_REMAINING_LENGTH_BYTES = 268_435_455;
/** Longest remaining-length encoding, in bytes (§2.2.3). */
export const MAX_REMAINING_LENGTH_FIELD_BYTES = 4;
/** Longest fixed header: 1 type/flags byte + 4 remaining-length bytes (§2.2). */
export const MAX_FIXED_HEADER_BYTES = 5;
/** Longest UTF-8 string or binary field: a u16 length prefix (§1.5.3, §3.1.3.5). */
export const MAX_STRING_BYTES = 65_535;
/** Largest packet identifier; 0 is not allowed where one is required (§2.3.1). */
export const MAX_PACKET_ID = 65_535;
/** Largest keep-alive, in seconds (§3.1.2.10). */
export const MAX_KEEP_ALIVE_S = 65_535;

/** Protocol name and level of MQTT 3.1.1 in CONNECT (§3.1.2.1, §3.1.2.2). */
export const PROTOCOL_LEVEL_3_1_1 = 4;
/** "MQTT" as bytes, the protocol name (§3.1.2.1). */
export const PROTOCOL_NAME_M = 0x4d;
export const PROTOCOL_NAME_Q = 0x51;
export const PROTOCOL_NAME_T = 0x54;
/** Bytes of CONNECT's variable header: name (2+4), level, flags, keep-alive (§3.1.2). */
export const CONNECT_VARIABLE_HEADER_BYTES = 10;

/** CONNECT flag bits (§3.1.2.3, Figure 3.4). */
export const ConnectFlag = {
  Reserved: 0x01,
  CleanSession: 0x02,
  Will: 0x04,
  WillQosMask: 0x18,
  WillQosShift: 3,
  WillRetain: 0x20,
  Password: 0x40,
  Username: 0x80,
} as const;

/** CONNACK acknowledge-flags bit (§3.2.2.1); the other 7 bits are reserved 0. */
export const CONNACK_FLAG_SESSION_PRESENT = 0x01;

/** CONNACK return codes (§3.2.2.3, Table 3.1). 6..255 are reserved. */
export const ConnackCode = {
  Accepted: 0,
  UnacceptableProtocol: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUsernameOrPassword: 4,
  NotAuthorized: 5,
} as const;
export const MAX_CONNACK_CODE = 5;

/** SUBACK return code for a refused subscription (§3.9.3); 0..2 are granted QoS levels. */
export const SUBACK_FAILURE = 0x80;

/** Topic-filter wildcards and separator, as UTF-8 bytes (§4.7.1). */
export const TOPIC_LEVEL_SEPARATOR = 0x2f; // '/'
export const TOPIC_WILDCARD_MULTI = 0x23; // '#'
export const TOPIC_WILDCARD_SINGLE = 0x2b; // '+'
