/*
 * cbor/reader: a pull reader for the brainstem CBOR subset that allocates nothing per item.
 *
 * Theory of operation: `reset(buf, off, end)` points the reader at buf[off..end). Each read
 * decodes one item head at `pos`, advances `pos` and leaves what it found in public fields:
 *   value  the integer (negative for major type 1), the float, 0/1 for a bool, or the count
 *          of an array (items) or map (pairs);
 *   off    offset of the payload of a byte string, text string or typed array in buf;
 *   len    payload length in bytes for strings and typed arrays, the count for arrays/maps;
 *   tag    the RFC 8746 tag of a typed array (64 for a plain byte string read as uint8).
 * Reads return 0 (or a Kind for next/peek) on success and a negative Err code on failure;
 * they never throw and never read at or past `end`. Arrays and maps only report their
 * count: the caller then reads that many items (2 per map pair), or calls skip().
 * Payload offsets stay meaningful only while the caller keeps buf unchanged.
 * Errors (src/errors.ts):
 *   CBOR_TRUNCATED        the item needs bytes past `end`;
 *   CBOR_UNSUPPORTED      outside the subset: indefinite length, break, undefined, simple,
 *                         float16, reserved additional info 28..30, a tag other than a typed
 *                         array, an integer beyond 2^53 - 1 in magnitude;
 *   CBOR_TYPE             a typed read found another kind (pos is left unchanged), or a
 *                         text string that is not valid UTF-8 (RFC 8949 §3.1 major type 3);
 *   CBOR_TOO_DEEP         skip() met more than maxDepth nested arrays/maps;
 *   CBOR_BAD_TYPED_ARRAY  a typed-array tag around something other than a byte string, or a
 *                         byte length that is not a whole number of elements (RFC 8746 §2);
 *   CBOR_TRAILING         finish() found bytes after the item.
 * Decoding is liberal about non-shortest heads (RFC 8949 §5.2 leaves that to the
 * application); writers always emit the shortest form.
 */
import { Err } from "../../errors";
import { isValidUtf8, readU32 } from "../bytes";
import { Kind, Simple, TAG_UINT8, typedArrayElementBytes } from "./types";

/** Default limit for nested arrays/maps in skip(). */
export const CBOR_DEFAULT_MAX_DEPTH = 16;

/** readKey() result for an empty text key or one longer than 3 bytes (never a brainstem key). */
export const KEY_OTHER = 0;

/**
 * Packs a 1..3 character ASCII key into the number readKey() returns for it:
 * length * 2^24 + first byte + second << 8 + third << 16. For setup-time key constants
 * (`const K_T = keyCode("t")`); any other key gives KEY_OTHER.
 */
export function keyCode(key: string): number {
  if (key.length < 1 || key.length > 3) return KEY_OTHER;
  let code = key.length * 0x1000000;
  for (let i = 0; i < key.length; i++) code += (key.charCodeAt(i) & 0xff) << (8 * i);
  return code;
}

export class CborReader {
  buf: Uint8Array;
  pos = 0;
  end = 0;
  /** Integer, float, bool (0/1) or array/map count of the last item read. */
  value = 0;
  /** Payload offset of the last string or typed array. */
  off = 0;
  /** Payload length in bytes of the last string or typed array; count of the last array/map. */
  len = 0;
  /** RFC 8746 tag of the last typed array (64 for uint8, tagged or plain). */
  tag = 0;
  readonly maxDepth: number;
  /** Items left at each nesting level during skip(). */
  private readonly stack: Float64Array;
  private readonly scratch: Uint8Array;
  private readonly view: DataView;

  constructor(maxDepth = CBOR_DEFAULT_MAX_DEPTH) {
    this.maxDepth = maxDepth;
    this.stack = new Float64Array(maxDepth + 1);
    this.scratch = new Uint8Array(8);
    this.view = new DataView(this.scratch.buffer);
    this.buf = this.scratch;
  }

  /** Points the reader at buf[off..end). end is clamped to buf.length. */
  reset(buf: Uint8Array, off: number, end: number): void {
    this.buf = buf;
    this.end = end > buf.length ? buf.length : end;
    this.pos = off < 0 ? 0 : off;
  }

  /** 0 when the whole input has been read, CBOR_TRAILING otherwise. */
  finish(): number {
    return this.pos === this.end ? 0 : Err.CborTrailing;
  }

  /**
   * Reads a head of major type 0..6 at pos (RFC 8949 §3): sets `value` to its argument and
   * advances past it. Returns 0, CBOR_TRUNCATED or CBOR_UNSUPPORTED (additional info 28..31,
   * i.e. reserved or indefinite length, or an argument beyond 2^53 - 1).
   */
  private head(): number {
    const buf = this.buf;
    const p = this.pos;
    const ai = buf[p] & 31;
    if (ai < 24) {
      this.value = ai;
      this.pos = p + 1;
      return 0;
    }
    if (ai === 24) {
      if (p + 2 > this.end) return Err.CborTruncated;
      this.value = buf[p + 1];
      this.pos = p + 2;
      return 0;
    }
    if (ai === 25) {
      if (p + 3 > this.end) return Err.CborTruncated;
      this.value = (buf[p + 1] << 8) | buf[p + 2];
      this.pos = p + 3;
      return 0;
    }
    if (ai === 26) {
      if (p + 5 > this.end) return Err.CborTruncated;
      this.value = readU32(buf, p + 1);
      this.pos = p + 5;
      return 0;
    }
    if (ai === 27) {
      if (p + 9 > this.end) return Err.CborTruncated;
      const hi = readU32(buf, p + 1);
      if (hi > 0x1fffff) return Err.CborUnsupported; // beyond 2^53 - 1: a bigint to us
      this.value = hi * 0x100000000 + readU32(buf, p + 5);
      this.pos = p + 9;
      return 0;
    }
    return Err.CborUnsupported; // 28..30 reserved (§3), 31 indefinite length or break (§3.2)
  }

  /**
   * Reads one item head and reports its Kind (>= 0) or an Err code. Strings and typed arrays
   * are consumed whole (payload in off/len); arrays and maps only by their head (count in
   * len and value). Text strings are checked to be valid UTF-8.
   */
  next(): number {
    const buf = this.buf;
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    const ib = buf[p];
    const major = ib >>> 5;
    if (major === 7) return this.simple(ib);
    const r = this.head();
    if (r < 0) return r;
    switch (major) {
      case 0:
        return Kind.Uint;
      case 1:
        this.value = -1 - this.value; // RFC 8949 §3.1: major type 1 encodes -1 - argument
        return Kind.Negint;
      case 2:
      case 3: {
        const len = this.value;
        if (len > this.end - this.pos) return Err.CborTruncated;
        this.off = this.pos;
        this.len = len;
        this.pos += len;
        if (major === 3 && !isValidUtf8(buf, this.off, this.pos, false)) return Err.CborType;
        return major; // Kind.Bytes / Kind.Text share the major type numbers
      }
      case 4:
        // Every item takes at least one byte, so a count beyond what is left is a truncation.
        if (this.value > this.end - this.pos) return Err.CborTruncated;
        this.len = this.value;
        return Kind.Array;
      case 5:
        if (this.value * 2 > this.end - this.pos) return Err.CborTruncated;
        this.len = this.value;
        return Kind.Map;
      default:
        return this.typedArray(this.value);
    }
  }

  /** Major type 7 (RFC 8949 §3.3): false, true, null, float32, float64; the rest unsupported. */
  private simple(ib: number): number {
    const p = this.pos;
    if (ib === Simple.False || ib === Simple.True) {
      this.value = ib - Simple.False;
      this.pos = p + 1;
      return Kind.Bool;
    }
    if (ib === Simple.Null) {
      this.pos = p + 1;
      return Kind.Null;
    }
    const n = ib === Simple.Float32 ? 4 : ib === Simple.Float64 ? 8 : 0;
    if (n === 0) return Err.CborUnsupported; // undefined, simple values, float16, reserved, break
    if (p + 1 + n > this.end) return Err.CborTruncated;
    const s = this.scratch;
    const buf = this.buf;
    for (let i = 0; i < n; i++) s[i] = buf[p + 1 + i];
    this.value = n === 4 ? this.view.getFloat32(0) : this.view.getFloat64(0);
    this.pos = p + 1 + n;
    return Kind.Float;
  }

  /** Tag content after the tag head: must be a definite byte string of whole elements (RFC 8746 §2). */
  private typedArray(tag: number): number {
    const size = typedArrayElementBytes(tag);
    if (size === 0) return Err.CborUnsupported; // only typed-array tags are in the subset
    if (this.pos >= this.end) return Err.CborTruncated;
    if (this.buf[this.pos] >>> 5 !== 2) return Err.CborBadTypedArray;
    const r = this.head();
    if (r < 0) return r;
    const len = this.value;
    if (len % size !== 0) return Err.CborBadTypedArray;
    if (len > this.end - this.pos) return Err.CborTruncated;
    this.tag = tag;
    this.off = this.pos;
    this.len = len;
    this.pos += len;
    return Kind.Typed;
  }

  /** Kind of the next item (or an Err code) without consuming it. */
  peek(): number {
    const p = this.pos;
    const k = this.next();
    this.pos = p;
    return k;
  }

  /** Reads with next() and checks the kind; on a different kind, restores pos and returns CBOR_TYPE. */
  private expect(kind: number): number {
    const p = this.pos;
    const k = this.next();
    if (k < 0) return k;
    if (k !== kind) {
      this.pos = p;
      return Err.CborType;
    }
    return 0;
  }

  // The typed reads below take a fast path when the initial byte has the expected major type
  // (few property accesses and calls: that is what costs on XS) and fall back to next() for
  // everything else, so error codes are exactly those of next().

  /** String payload after its head: sets off/len, advances. Returns 0 or CBOR_TRUNCATED. */
  private payload(): number {
    const len = this.value;
    const p = this.pos;
    if (len > this.end - p) return Err.CborTruncated;
    this.off = p;
    this.len = len;
    this.pos = p + len;
    return 0;
  }

  /** Reads an unsigned integer into value. Returns 0 or an Err code. */
  readUint(): number {
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    const ib = this.buf[p];
    if (ib < 24) {
      this.value = ib;
      this.pos = p + 1;
      return 0;
    }
    if (ib < 28) return this.head(); // major type 0 with a 1..8 byte argument
    return this.expect(Kind.Uint);
  }

  /** Reads a signed integer (major type 0 or 1) into value. Returns 0 or an Err code. */
  readInt(): number {
    const p = this.pos;
    const k = this.next();
    if (k < 0) return k;
    if (k !== Kind.Uint && k !== Kind.Negint) {
      this.pos = p;
      return Err.CborType;
    }
    return 0;
  }

  /** Reads a byte string: payload at off, length len. Returns 0 or an Err code. */
  readBytes(): number {
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    if (this.buf[p] >>> 5 !== 2) return this.expect(Kind.Bytes);
    const r = this.head();
    return r < 0 ? r : this.payload();
  }

  /** Reads a UTF-8 text string: payload at off, length len. Returns 0 or an Err code. */
  readText(): number {
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    if (this.buf[p] >>> 5 !== 3) return this.expect(Kind.Text);
    let r = this.head();
    if (r < 0) return r;
    r = this.payload();
    if (r < 0) return r;
    return isValidUtf8(this.buf, this.off, this.pos, false) ? 0 : Err.CborType;
  }

  /** Reads an array head: item count in len. Returns 0 or an Err code. */
  readArray(): number {
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    const ib = this.buf[p];
    if (ib >= 0x80 && ib < 0x98 && ib - 0x80 <= this.end - p - 1) {
      this.value = this.len = ib - 0x80;
      this.pos = p + 1;
      return 0;
    }
    return this.expect(Kind.Array);
  }

  /** Reads a map head: pair count in len. Returns 0 or an Err code. */
  readMap(): number {
    const p = this.pos;
    if (p >= this.end) return Err.CborTruncated;
    const ib = this.buf[p];
    if (ib >= 0xa0 && ib < 0xb8 && (ib - 0xa0) * 2 <= this.end - p - 1) {
      this.value = this.len = ib - 0xa0;
      this.pos = p + 1;
      return 0;
    }
    return this.expect(Kind.Map);
  }

  /** Reads false/true into value (0/1). Returns 0 or an Err code. */
  readBool(): number {
    return this.expect(Kind.Bool);
  }

  /** Reads null. Returns 0 or an Err code. */
  readNull(): number {
    return this.expect(Kind.Null);
  }

  /** Reads a float32 or float64 into value. Returns 0 or an Err code. */
  readFloat(): number {
    return this.expect(Kind.Float);
  }

  /** Reads any number (integer or float) into value. Returns 0 or an Err code. */
  readNumber(): number {
    const p = this.pos;
    const k = this.next();
    if (k < 0) return k;
    if (k !== Kind.Uint && k !== Kind.Negint && k !== Kind.Float) {
      this.pos = p;
      return Err.CborType;
    }
    return 0;
  }

  /**
   * Reads a typed array: a tag 64..87 around a byte string, or a plain byte string, which
   * counts as uint8 (tag 64), as brainstem frames write uint8 data. Sets tag, off, len.
   * Returns 0 or an Err code.
   */
  readTypedArray(): number {
    const p = this.pos;
    const end = this.end;
    if (p >= end) return Err.CborTruncated;
    const ib = this.buf[p];
    if (ib === 0xd8) {
      // a tag with a one-byte argument (RFC 8949 §3): all typed-array tags look like this
      if (p + 2 > end) return Err.CborTruncated;
      this.pos = p + 2;
      const k = this.typedArray(this.buf[p + 1]);
      return k < 0 ? k : 0;
    }
    if (ib >>> 5 === 2) {
      const r = this.head();
      if (r < 0) return r;
      this.tag = TAG_UINT8;
      return this.payload();
    }
    const k = this.next();
    if (k < 0) return k;
    if (k !== Kind.Typed) {
      this.pos = p;
      return Err.CborType;
    }
    return 0;
  }

  /**
   * Reads a text map key and returns keyCode() of it (> 0) for keys of 1..3 bytes, KEY_OTHER
   * for longer or empty keys (payload still in off/len), or an Err code (CBOR_TYPE when the
   * key is not a text string). Lets decoders switch on keys without making strings.
   */
  readKey(): number {
    const r = this.readText();
    if (r < 0) return r;
    const len = this.len;
    if (len === 0 || len > 3) return KEY_OTHER;
    const buf = this.buf;
    const o = this.off;
    let code = len * 0x1000000 + buf[o];
    if (len > 1) code += buf[o + 1] << 8;
    if (len > 2) code += buf[o + 2] << 16;
    return code;
  }

  /** True when the last string read equals ascii (e.g. a key prepared once with utf8Bytes). */
  keyIs(ascii: Uint8Array): boolean {
    if (this.len !== ascii.length) return false;
    const buf = this.buf;
    const o = this.off;
    for (let i = 0; i < ascii.length; i++) if (buf[o + i] !== ascii[i]) return false;
    return true;
  }

  /**
   * Skips one whole item, nested arrays and maps included, without recursion. Returns 0 or
   * an Err code; CBOR_TOO_DEEP when more than maxDepth arrays/maps are open at once.
   */
  skip(): number {
    const stack = this.stack;
    let depth = 0;
    stack[0] = 1;
    for (;;) {
      const k = this.next();
      if (k < 0) return k;
      stack[depth]--;
      if (k === Kind.Array || k === Kind.Map) {
        const n = k === Kind.Array ? this.len : this.len * 2;
        if (n > 0) {
          if (depth >= this.maxDepth) return Err.CborTooDeep;
          depth++;
          stack[depth] = n;
        }
      }
      while (stack[depth] === 0) {
        if (depth === 0) return 0;
        depth--;
      }
    }
  }
}
