/*
 * mqtt/topic: validation of topic names and topic filters (MQTT 3.1.1 §4.7, §1.5.3).
 *
 * Theory of operation: both checks walk the UTF-8 bytes once. Bytes of a multi-byte UTF-8
 * sequence are all >= 0x80, so the ASCII wildcard and separator tests are exact on the raw
 * bytes; only when a byte >= 0x80 was seen is the full UTF-8 validator run. The decoder
 * calls these on every received PUBLISH/SUBSCRIBE/UNSUBSCRIBE; encoders of non-hot packets
 * call them on their inputs; the PUBLISH encoder does not (hot path), so callers validate
 * their topic once at setup with `checkTopicName`.
 * Nothing here allocates.
 */
import { Err } from "../../errors";
import { isValidUtf8 } from "../bytes";
import { MAX_STRING_BYTES, TOPIC_LEVEL_SEPARATOR, TOPIC_WILDCARD_MULTI, TOPIC_WILDCARD_SINGLE } from "./constants";

/**
 * Checks a PUBLISH topic name in src[off..off+len): 1..65,535 bytes (§4.7.3), well-formed
 * UTF-8 without U+0000 (§1.5.3), no '+' or '#' (§3.3.2.1, §4.7.1).
 * Returns 0 when valid, MQTT_BAD_UTF8 for bad UTF-8 or U+0000, MQTT_BAD_TOPIC_NAME otherwise.
 */
export function checkTopicName(src: Uint8Array, off: number, len: number): number {
  if (len < 1 || len > MAX_STRING_BYTES) return Err.MqttBadTopicName;
  // Hot (every received PUBLISH): one compare per byte in the common case, since '+' (0x2b),
  // '#' (0x23) and NUL all sort at or below 0x2b; a count-down loop is cheapest on XS.
  let high = 0;
  let i = off + len;
  while (i > off) {
    const b = src[--i];
    if (b <= TOPIC_WILDCARD_SINGLE && (b === TOPIC_WILDCARD_SINGLE || b === TOPIC_WILDCARD_MULTI || b === 0)) {
      return b === 0 ? Err.MqttBadUtf8 : Err.MqttBadTopicName;
    }
    high |= b;
  }
  if (high >= 0x80 && !isValidUtf8(src, off, off + len, true)) return Err.MqttBadUtf8;
  return 0;
}

/**
 * Checks a SUBSCRIBE/UNSUBSCRIBE topic filter in src[off..off+len): 1..65,535 bytes
 * (§4.7.3), well-formed UTF-8 without U+0000 (§1.5.3); '+' fills a whole level and '#' is
 * the last level (§4.7.1.2, §4.7.1.3).
 * Returns 0 when valid, MQTT_BAD_UTF8 for bad UTF-8 or U+0000, MQTT_MALFORMED otherwise.
 */
export function checkTopicFilter(src: Uint8Array, off: number, len: number): number {
  if (len < 1 || len > MAX_STRING_BYTES) return Err.MqttMalformed;
  const end = off + len;
  let high = 0;
  for (let i = off; i < end; i++) {
    const b = src[i];
    if (b === TOPIC_WILDCARD_SINGLE || b === TOPIC_WILDCARD_MULTI) {
      // The wildcard must stand alone in its level...
      if (i > off && src[i - 1] !== TOPIC_LEVEL_SEPARATOR) return Err.MqttMalformed;
      if (b === TOPIC_WILDCARD_MULTI) {
        // ...and '#' must be the last character of the filter (§4.7.1.2).
        if (i + 1 !== end) return Err.MqttMalformed;
      } else if (i + 1 < end && src[i + 1] !== TOPIC_LEVEL_SEPARATOR) {
        return Err.MqttMalformed; // '+' followed by anything but '/' (§4.7.1.3)
      }
    } else if (b === 0) {
      return Err.MqttBadUtf8;
    }
    high |= b;
  }
  if (high >= 0x80 && !isValidUtf8(src, off, end, true)) return Err.MqttBadUtf8;
  return 0;
}
