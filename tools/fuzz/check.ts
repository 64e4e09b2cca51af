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

const cborReadErrors = [Err.CborTruncated, Err.CborUnsupported, Err.CborType, Err.CborTooDeep, Err.CborBadTypedArray] as const;

/** CborReader.next/skip (cbor/reader.ts header). */
export const CBOR_READ_ERRORS: ReadonlySet<number> = new Set<number>(cborReadErrors);

/** MqttDecoder.next (mqtt/decoder.ts) and MqttServerDecoder.next (testkit/mqtt-server-codec.ts), with no packet sent. */
export const MQTT_NEXT_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.MqttBadType, Err.MqttBadFlags, Err.MqttBadLength, Err.MqttTooLarge, Err.MqttMalformed, Err.MqttBadUtf8, Err.MqttBadProtocol,
  Err.MqttWrongDirection, Err.MqttLengthMismatch, Err.MqttBadConnack, Err.MqttZeroPacketId, Err.MqttBadSubackCode, Err.MqttBadTopicName,
]);

/** decodeSensorFrame / decodeMotorFrame (frames/sensor.ts, frames/motor.ts): "another CBOR_* code" included. */
export const FRAME_DECODE_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.ValueRange, Err.FrameTooLarge, Err.FrameShape, Err.FrameChannel, ...cborReadErrors, Err.CborTrailing,
]);

/** verifyMotorMac (frames/motor.ts). */
export const MAC_VERIFY_ERRORS: ReadonlySet<number> = new Set<number>([Err.FrameBadMac, Err.ValueRange]);

/** decodeControl (protocol/decode.ts). */
export const CONTROL_DECODE_ERRORS: ReadonlySet<number> = new Set<number>([
  Err.ValueRange, Err.MsgUnknownType, Err.MsgBadField, Err.MsgMissingField, Err.RegMissingEndpoint,
  Err.CborTruncated, Err.CborTrailing, Err.CborType, Err.CborUnsupported, Err.CborTooDeep, Err.CborBadTypedArray,
]);

/** Copies input into a larger buffer at a random offset with random bytes around it. */
export function embed(input: Uint8Array, before: number, after: Uint8Array): Uint8Array {
  const out = new Uint8Array(before + input.length + after.length);
  for (let i = 0; i < before; i++) out[i] = (i * 151 + 7) & 0xff;
  out.set(input, before);
  out.set(after, before + input.length);
  return out;
}
