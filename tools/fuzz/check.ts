/*
 * fuzz/check: what the targets count as a failure, in one place.
 *
 * Theory of operation: a decoder's result must be a valid result (documented by the target)
 * or one of the Err codes its doc comment lists; anything else, even another code from
 * src/errors.ts, is a failure, and so is a number that is not in the `errorTable` at all.
 * Signatures name the function and the code, never the input, so one bug is one signature.
 */
import { Err, errorName, errorTable } from "../../src/errors";
import type { Failure } from "./engine";

const known = new Set(errorTable.map((row) => row[0]));

/** True when code is listed in src/errors.ts errorTable. */
export function isKnownError(code: number): boolean {
  return known.has(code);
}

export function fail(sig: string, detail = sig): Failure {
  return { sig, detail };
}

/** "MQTT_MALFORMED (-54)", or "not a code (x)". */
export function codeText(code: number): string {
  if (typeof code !== "number" || !Number.isFinite(code)) return `not a number (${String(code)})`;
  return `${errorName(code)} (${code})`;
}

/**
 * Checks an error result of fn: a failure when it is not in errorTable, or not one of the codes
 * fn documents. Returns null when it is fine.
 */
export function checkError(fn: string, code: number, allowed: ReadonlySet<number>): Failure | null {
  if (!Number.isInteger(code)) return fail(`${fn} returned a non-integer`, `${fn} returned ${String(code)}`);
  if (!isKnownError(code)) return fail(`${fn} returned a code outside errorTable`, `${fn} returned ${code}`);
  if (!allowed.has(code)) return fail(`${fn} returned undocumented ${errorName(code)}`, `${fn} returned ${codeText(code)}`);
  return null;
}

/** Checks that [off, off+len) lies inside [lo, hi). */
export function inRange(what: string, off: number, len: number, lo: number, hi: number): Failure | null {
  if (!Number.isInteger(off) || !Number.isInteger(len) || len < 0 || off < lo || off + len > hi) {
    return fail(`${what} outside the input`, `${what}: [${off}, +${len}) not inside [${lo}, ${hi})`);
  }
  return null;
}

const cborReadErrors = [Err.CBOR_TRUNCATED, Err.CBOR_UNSUPPORTED, Err.CBOR_TYPE, Err.CBOR_TOO_DEEP, Err.CBOR_BAD_TYPED_ARRAY] as const;

/** CborReader.next/skip (cbor/reader.ts header). */
export const CBOR_READ_ERRORS: ReadonlySet<number> = new Set<number>(cborReadErrors);

/** MqttDecoder.next (mqtt/decoder.ts) and MqttServerDecoder.next (testkit/mqtt-server-codec.ts), with no packet sent. */
export const MQTT_NEXT_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.MQTT_BAD_TYPE, Err.MQTT_BAD_FLAGS, Err.MQTT_BAD_LENGTH, Err.MQTT_TOO_LARGE, Err.MQTT_MALFORMED, Err.MQTT_BAD_UTF8, Err.MQTT_BAD_PROTOCOL,
  Err.MQTT_WRONG_DIRECTION, Err.MQTT_LENGTH_MISMATCH, Err.MQTT_BAD_CONNACK, Err.MQTT_ZERO_PACKET_ID, Err.MQTT_BAD_SUBACK_CODE, Err.MQTT_BAD_TOPIC_NAME,
]);

/** decodeSensorFrame / decodeMotorFrame (frames/sensor.ts, frames/motor.ts): "another CBOR_* code" included. */
export const FRAME_DECODE_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.VALUE_RANGE, Err.FRAME_TOO_LARGE, Err.FRAME_SHAPE, Err.FRAME_CHANNEL, ...cborReadErrors, Err.CBOR_TRAILING,
]);

/** verifyMotorMac (frames/motor.ts). */
export const MAC_VERIFY_ERRORS: ReadonlySet<number> = new Set<number>([Err.FRAME_BAD_MAC, Err.VALUE_RANGE]);

/** decodeControl (protocol/decode.ts). */
export const CONTROL_DECODE_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.VALUE_RANGE, Err.MSG_UNKNOWN_TYPE, Err.MSG_BAD_FIELD, Err.MSG_MISSING_FIELD, Err.REG_MISSING_ENDPOINT,
  Err.CBOR_TRUNCATED, Err.CBOR_TRAILING, Err.CBOR_TYPE, Err.CBOR_UNSUPPORTED, Err.CBOR_TOO_DEEP, Err.CBOR_BAD_TYPED_ARRAY,
]);

/** Copies input into a larger buffer at a random offset with random bytes around it. */
export function embed(input: Uint8Array, before: number, after: Uint8Array): Uint8Array {
  const out = new Uint8Array(before + input.length + after.length);
  for (let i = 0; i < before; i++) out[i] = (i * 151 + 7) & 0xff;
  out.set(input, before);
  out.set(after, before + input.length);
  return out;
}
