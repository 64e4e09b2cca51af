/*
 * cbor/types: constants shared by the CBOR subset writer and reader.
 *
 * Theory of operation: brainstem speaks a small subset of CBOR (RFC 8949), the one that
 * cbor-x produces for plain JavaScript data with preferred serialization (§4.2.1):
 *   - unsigned and negative integers up to 2^53 - 1 in magnitude (major types 0, 1);
 *   - definite-length byte strings, text strings, arrays and maps (major types 2 - 5);
 *   - false, true, null, float32 and float64 (major type 7);
 *   - RFC 8746 typed arrays: tags 64..87 around a definite-length byte string.
 * Everything else (indefinite lengths, undefined, other simple values, float16, other tags,
 * integers beyond 2^53 - 1) is CBOR_UNSUPPORTED. The reader reports what it found as a
 * `Kind`, which folds major type 7 into FLOAT / BOOL / NULL and tags into TYPED.
 */

/** RFC 8949 §3.1 major types. */
export const Major = {
  Uint: 0,
  Negint: 1,
  Bytes: 2,
  Text: 3,
  Array: 4,
  Map: 5,
  Tag: 6,
  Simple: 7,
} as const;

/** What CborReader.next() found. Values are >= 0 so they never collide with Err codes. */
export const Kind = {
  Uint: 0,
  Negint: 1,
  Bytes: 2,
  Text: 3,
  Array: 4,
  Map: 5,
  /** An RFC 8746 typed array: a tag 64..87 around a byte string. */
  Typed: 6,
  Float: 7,
  Bool: 8,
  Null: 9,
} as const;

/** Largest integer magnitude (argument) the subset carries: 2^53 - 1 (Number.MAX_SAFE_INTEGER). */
export const MAX_SAFE_UINT = 9007199254740991;

/** Initial bytes of major type 7 (RFC 8949 §3.3). */
export const Simple = {
  False: 0xf4,
  True: 0xf5,
  Null: 0xf6,
  Undefined: 0xf7,
  Float16: 0xf9,
  Float32: 0xfa,
  Float64: 0xfb,
  Break: 0xff,
} as const;

/** RFC 8746 §2.1 typed-array tag range. */
export const TYPED_TAG_MIN = 64;
export const TYPED_TAG_MAX = 87;
/** Tag for uint8 arrays, which brainstem writes as a plain byte string instead (RFC 8746 §2.1). */
export const TAG_UINT8 = 64;

/**
 * Element size in bytes for an RFC 8746 typed-array tag, or 0 when the tag is not a typed
 * array tag this reader accepts. The tag number is 0b010_f_s_e_ll (§2.1): f float, s signed,
 * e little-endian, ll length code. Integers are 1 << ll bytes; floats are 2 << ll bytes
 * (16, 32, 64, 128 bits). Tag 76 (signed, little-endian, 8 bit) is reserved by §2.1.
 */
export function typedArrayElementBytes(tag: number): number {
  if (tag < TYPED_TAG_MIN || tag > TYPED_TAG_MAX || tag === 76) return 0;
  const ll = tag & 3;
  return (tag & 0x10) !== 0 ? 2 << ll : 1 << ll;
}
