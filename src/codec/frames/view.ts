/*
 * frames/view: the preallocated result of decoding a frame, and access to its payloads.
 *
 * Theory of operation: a decoder fills a FrameView in place: seq, the entry count and, per
 * entry, the channel id, table index, element type, payload offset and byte length, all in
 * Int32Arrays sized once. Payloads are NOT copied: payloadOff indexes `buf`, the receive
 * buffer that was decoded. They are valid until that buffer is reused (normally: until the
 * next packet is read into it). To keep data, `copyEntry` copies one payload into a caller
 * array; `viewEntry` returns a typed array over it (allocates a view, or a copy when the
 * payload is not aligned to the element size: Node and tests only).
 * copyEntry and its view cache: a JS loop costs ~100-175 ns per byte on XS, a native `set()`
 * ~10, but `set()` needs a view of exactly the payload, and a `subarray` allocates. So each
 * entry position keeps one cached view, keyed by (buffer, payload offset, byte length). A
 * steady stream (the same channels at the same place in the receive buffer: the MQTT decoder
 * compacts to offset 0, so every motor frame lands where the last one did) makes the view on
 * the first frame and then copies natively with zero allocation. While cold (no view has hit
 * yet) a miss makes a view at once, up to COPY_VIEW_MAX_MISSES of them. Once warm, a miss
 * copies by loop and remembers the layout; a view is made (one small allocation) only when
 * the next copy at that position has the same layout again. So a one-off layout (two packets
 * in one read shift a frame once) costs one loop copy and no garbage, a new steady layout
 * gets its view on its second frame, and an ever-changing layout settles into loop copies.
 * Once the layout is known, copyEntry checks one number instead: `layoutStamp` moves whenever
 * a decode may have changed any entry's buffer, offset or length, and a view stamped with the
 * current value is valid as it is; with it the cache keeps the destination whose length it
 * checked, so a copy into the same array reads no typed-array element before the set().
 * Decoding takes a fast path for frames in preferred serialization (decodeFast) and falls
 * back to the general CborReader path (readEntries is its shared entry loop) for anything
 * else; the general path alone decides error codes, so both paths agree by construction.
 * In front of both sits the repeat path (decodeRepeat): a steady stream brings frames of one
 * layout (the same channels, head sizes and lengths) to one place in one receive buffer, so
 * after a fast-path success the view remembers the frame's structural bytes (every byte that
 * is neither payload, seq or second argument, nor MAC) with their offsets. A frame of the same
 * length at the same place in the same buffer, decoded against the same table, whose
 * structural bytes are all equal and whose seq and second heads have the same sizes, has
 * exactly the entries of the remembered one: the repeat path then only reads seq and second
 * and leaves every other field as the fast path wrote it. Any other decode starts with
 * beginFrame, after which the fields are no longer the layout's: the layout keeps a copy of
 * its entry fields, put back on its next repeat, so the fields a repeat returns are never
 * stale. A fast-path layout replaces the remembered one only when two frames in a row have
 * it: a frame shifted once (two packets in one read, as when a heartbeat ack comes with a
 * motor frame) leaves the steady layout in place, and the next frame repeats.
 * On XS a typed-array element is a host call (a read costs about twice a plain Array's), so
 * the structural bytes are compared a 32-bit word at a time: an Int32Array over the receive
 * buffer's whole ArrayBuffer (so any byteOffset works; made on the first frame, and later
 * on the first repeat in another ArrayBuffer, so receive buffers that take turns make none
 * after the first), and per word that holds structural bytes its index, a mask of those
 * bytes (placed by the platform's byte order) and their masked value, all in plain Arrays
 * filled at construction. Bytes outside the mask (payload, MAC, seq and second arguments)
 * cannot make a word differ; structural bytes past the ArrayBuffer's last whole word are
 * compared one by one. The reference sensor frame (16 f32 + 8 i16) has 11 structural bytes
 * in 4 or 5 words. A seq or second in its head byte is checked by size (< 24); one of four
 * bytes is read through a DataView over the same ArrayBuffer, one call instead of four reads.
 * XS finds a property by walking the object's property list (and then the prototype chain, for
 * methods), so FrameView's fields are declared in order of use on the repeat path and by
 * copyEntry, the state of the copy cache and of the repeat path sits in objects of its own,
 * and the repeat path is written inline in decode.
 */
import { Err } from "../../errors";
import { CborReader } from "../cbor/reader";
import { TAG_UINT8 } from "../cbor/types";
import { elementBytes, ElementType, MAX_CHANNEL_ID, type ChannelTable } from "./channels";

/** Bytes of the truncated HMAC-SHA256 tag that ends a motor frame. */
export const MOTOR_MAC_BYTES = 16;

/** Payloads shorter than this are copied by a loop: a native set() has a fixed cost (~8 bytes of loop on XS). */
const COPY_VIEW_MIN_BYTES = 8;
/** Most views copyEntry makes on misses while cold (before any view has hit). */
const COPY_VIEW_MAX_MISSES = 16;

/** True when an Int32Array reads its bytes little-endian (a byte's shift in a word depends on it). */
const LITTLE_ENDIAN = new Uint8Array(new Int32Array([1]).buffer)[0] === 1;

/** sig's length unit: above the largest typeById * 2 + kindById (255 * 2 + 1). */
const SIG_LENGTH_UNIT = 1024;

/** A typed array of any brainstem element type. */
export type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/**
 * copyEntry's state (internal; see the header comment), per entry position: the view of
 * src[off .. off+len), and the last layout copied by loop (made into a view if it comes again).
 */
class CopyCache {
  /** Per entry position: FrameView.layoutStamp when its view last matched the entry. */
  readonly stamp: number[] = [];
  /** Per entry position: the destination that the view's length was last checked against. */
  readonly dst: Uint8Array[] = [];
  readonly view: Uint8Array[] = [];
  readonly len: number[] = [];
  readonly src: Uint8Array[] = [];
  readonly off: Int32Array;
  /** Per entry position: 0 after a loop copy, 1 after a view was made, 2 once that view hit. */
  readonly run: Int32Array;
  /** Views made on misses while cold (no view has hit yet); COPY_VIEW_MAX_MISSES once warm. */
  misses = 0;
  readonly pendSrc: Uint8Array[] = [];
  readonly pendOff: Int32Array;
  readonly pendLen: Int32Array;

  constructor(capacity: number) {
    const none = new Uint8Array(0); // never a decoded buffer: matches no key
    for (let i = 0; i < capacity; i++) {
      this.stamp.push(0);
      this.dst.push(none);
      this.view.push(none);
      this.len.push(0);
      this.src.push(none);
      this.pendSrc.push(none);
    }
    this.off = new Int32Array(capacity);
    this.run = new Int32Array(capacity);
    this.pendOff = new Int32Array(capacity);
    this.pendLen = new Int32Array(capacity);
  }
}

/**
 * The repeat path's layout (internal; see the header comment): the structural bytes of the
 * remembered frame by aligned 32-bit word of its buffer's ArrayBuffer (the word's index in
 * `words`, a mask of its structural bytes and their masked value), and where seq and second
 * sit. The tables are plain Arrays of numbers filled at construction: XS reads an Array element
 * in about half the time of a typed-array element, and writing a number into an existing
 * element allocates nothing.
 */
class RepeatLayout {
  /** An Int32Array over all of wordsBuffer (made when a remembered buffer has another ArrayBuffer). */
  words: Int32Array;
  readonly at: number[] = [];
  readonly mask: number[] = [];
  readonly want: number[] = [];
  /** Entries of at/mask/want in use. */
  wordCount = 0;
  /** Offset from the frame's start of the seq and second heads, and their argument bytes (0: in the head, 1, 2 or 4). */
  seqAt = 0;
  seqArg = 0;
  secondAt = 0;
  secondArg = 0;
  /** Structural bytes outside `words` (past the last whole word of the ArrayBuffer): absolute offsets and values. */
  byteCount = 0;
  readonly pos: Int32Array;
  readonly val: Int32Array;
  wordsBuffer: ArrayBufferLike;
  /** A DataView over wordsBuffer: reads a 4-byte seq or second argument in one call. */
  dv: DataView;
  /** Where in dv the seq and second arguments are, when they take 4 bytes and dv covers the frame's buffer; else -1. */
  seqPos = -1;
  secondPos = -1;
  /** The frame's seq and second arguments from the start of its buffer (byteOffset not counted). */
  seqRel = 0;
  secondRel = 0;
  /** False until the first view is made: the first frame's buffer gets one at once. */
  viewMade = false;
  // The remembered frame's entry fields, put back when a repeat follows another decode.
  count = 0;
  macOff = 0;
  signedLen = 0;
  readonly channelId: number[] = [];
  readonly tableIndex: number[] = [];
  readonly elementType: number[] = [];
  readonly payloadOff: number[] = [];
  readonly byteLen: number[] = [];
  // The last fast-path layout not remembered: remembered when the next frame has it too.
  candidateKey = -1;
  candidateBuf: Uint8Array | null = null;
  candidateOff = 0;
  candidateLen = 0;
  candidateTable: ChannelTable | null = null;

  constructor(capacity: number) {
    // array head (2) + seq and second heads (2) + per entry: id (2), tag (2), byte-string head (3) + mac head (1)
    const n = 5 + 7 * capacity;
    for (let i = 0; i < n; i++) {
      this.at.push(0);
      this.mask.push(0);
      this.want.push(0);
    }
    this.pos = new Int32Array(n);
    this.val = new Int32Array(n);
    for (let i = 0; i < capacity; i++) {
      this.channelId.push(0);
      this.tableIndex.push(0);
      this.elementType.push(0);
      this.payloadOff.push(0);
      this.byteLen.push(0);
    }
    this.words = new Int32Array(0);
    this.wordsBuffer = this.words.buffer;
    this.dv = new DataView(this.wordsBuffer);
  }
}

/**
 * Decoded frame entries. Subclassed by SensorFrame and MotorFrame.
 * XS finds a property by walking the object's property list, so the order of the fields is
 * the order of their cost: the ones every repeat decode and every copy reads come first, and
 * the state of the copy cache and of the repeat path sits in objects of its own.
 */
export class FrameView {
  // The repeat path's key (see the header comment): valid while repeatKey >= 0.
  private repeatKey = -1;
  /** True while the entry fields are the remembered layout's (no other decode since). */
  private fieldsFromRepeat = false;
  private repeatBuf: Uint8Array;
  private repeatOff = 0;
  private repeatLen = 0;
  private repeatTable: ChannelTable | null = null;
  /** Longer frames are refused with FRAME_TOO_LARGE (the negotiated `mfb`). */
  maxFrameBytes: number;
  private readonly rep: RepeatLayout;
  /** Frame sequence number (u32). */
  seq = 0;
  /** The frame's second item: a sensor frame's t (SensorFrame.time), a motor frame's dl (MotorFrame.deadline). */
  second = 0;
  /** Number of entries. */
  count = 0;
  /** Decodes that took the repeat path (diagnostics; see the header comment). */
  repeats = 0;
  readonly byteLen: Int32Array;
  /**
   * Moves on every beginFrame, i.e. whenever any entry's buffer, offset or length may change;
   * copyEntry keeps the value at which it last checked each entry's view (copies.stamp).
   */
  layoutStamp = 1;
  /** Let copyEntry copy through cached views (default; see the header comment). Tests turn it off to compare. */
  cacheViews = true;
  /** copyEntry's state (internal). */
  readonly copies: CopyCache;
  readonly tableIndex: Int32Array;
  /** The buffer that was decoded; payload offsets index it. */
  buf: Uint8Array;
  /** Offset and length of the frame in buf. */
  frameOff = 0;
  frameLen = 0;
  readonly capacity: number;
  readonly channelId: Int32Array;
  readonly elementType: Int32Array;
  readonly payloadOff: Int32Array;
  /** Motor frames only: offset in buf of the 16 MAC bytes. */
  macOff = 0;
  /** Motor frames only: bytes covered by the MAC, from frameOff (everything before the mac item). */
  signedLen = 0;
  /** Take the fast path for canonical frames (default). Tests turn it off to compare both paths. */
  fastPath = true;
  /** The reader of the general decoding path (owned here so decoding allocates nothing). */
  readonly reader: CborReader;
  /**
   * decodeFast's per-id signature of sigTable: lengthById * 1024 + typeById * 2 + kindById,
   * -1 for absent ids, so one read checks kind, element type and length. Rebuilt when a
   * different table comes in (tables are immutable).
   */
  private readonly sig: Int32Array;
  private sigTable: ChannelTable | null = null;
  /** seen[id] === stamp when id already occurred in the frame being decoded. */
  private readonly seen: Uint32Array;
  private stamp = 0;

  /** The ChannelKind of this view's frames, whether they end in a MAC, and the repeat key made of both. */
  private readonly kind: number;
  private readonly withMac: boolean;
  private readonly key: number;

  /**
   * capacity: most entries (use the table size); maxFrameBytes: the negotiated frame limit;
   * kind and withMac: the frames this view decodes (a subclass's choice).
   */
  protected constructor(capacity: number, maxFrameBytes: number, kind: number, withMac: boolean) {
    this.kind = kind;
    this.withMac = withMac;
    this.key = kind * 2 + (withMac ? 1 : 0);
    this.buf = new Uint8Array(0); // replaced by every decode
    this.repeatBuf = this.buf;
    this.maxFrameBytes = maxFrameBytes;
    this.rep = new RepeatLayout(capacity);
    this.byteLen = new Int32Array(capacity);
    this.copies = new CopyCache(capacity);
    this.tableIndex = new Int32Array(capacity);
    this.capacity = capacity;
    this.channelId = new Int32Array(capacity);
    this.elementType = new Int32Array(capacity);
    this.payloadOff = new Int32Array(capacity);
    this.reader = new CborReader();
    this.sig = new Int32Array(MAX_CHANNEL_ID + 1);
    this.seen = new Uint32Array(MAX_CHANNEL_ID + 1);
  }

  /**
   * Decodes [seq, second, (id, typed array)*] (sensor) or [seq, second, (id, typed array)*,
   * mac] (motor, withMac) from buf[off..off+len): the fast path for canonical encodings, else
   * the general reader. Returns the entry count or an error (see decodeSensorFrame and
   * decodeMotorFrame); the second item lands in `second`, the mac in macOff/signedLen.
   */
  decode(buf: Uint8Array, off: number, len: number, table: ChannelTable): number {
    // repeatKey is -1 or this view's key (its kind never changes)
    if (this.repeatKey >= 0 && buf === this.repeatBuf && off === this.repeatOff && len === this.repeatLen && table === this.repeatTable && len <= this.maxFrameBytes) {
      // The repeat path (see the header comment), inline: a method call costs XS a lookup.
      // The range was checked when the layout was remembered (a detached or shrunk buffer
      // reads as undefined, through `words` or buf, which fails the array head's compare).
      // The remembered structural bytes, a word at a time (one typed-array read covers up to
      // four), then seq and second from heads of the remembered sizes (a head with an
      // argument after it is a structural byte, already compared). Nothing is written unless
      // the frame matches.
      const rep = this.rep;
      const words = rep.words;
      const at = rep.at;
      const mask = rep.mask;
      const want = rep.want;
      const nw = rep.wordCount;
      let k = 0;
      while (k < nw && (words[at[k]] & mask[k]) === want[k]) k++;
      if (k === nw && (rep.byteCount === 0 || bytesMatch(rep, buf))) {
        // RFC 8949 §3.1 major type 0: the argument in the head (< 24) or after it
        // (a 4-byte argument through the DataView: one call instead of four element reads)
        let p = off + rep.seqAt;
        const sa = rep.seqArg;
        const seq = rep.seqPos >= 0 ? rep.dv.getUint32(rep.seqPos) : sa === 0 ? buf[p] : sa === 1 ? buf[p + 1] : sa === 2 ? (buf[p + 1] << 8) | buf[p + 2] : ((buf[p + 1] << 24) >>> 0) + ((buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]);
        p = off + rep.secondAt;
        const ta = rep.secondArg;
        const second = rep.secondPos >= 0 ? rep.dv.getUint32(rep.secondPos) : ta === 0 ? buf[p] : ta === 1 ? buf[p + 1] : ta === 2 ? (buf[p + 1] << 8) | buf[p + 2] : ((buf[p + 1] << 24) >>> 0) + ((buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]);
        if ((seq < 24 || sa !== 0) && (second < 24 || ta !== 0)) {
          rep.candidateKey = -1; // this decode was a repeat: no layout is half-way adopted
          if (!this.fieldsFromRepeat) this.restoreLayout(rep, buf, off, len);
          this.seq = seq;
          this.second = second;
          this.repeats++;
          return this.count;
        }
      }
    }
    return this.decodeNew(buf, off, len, table);
  }

  /**
   * decode past the repeat path: the fast path, else the general reader. A method of its
   * own, so that decode declares few locals (XS sets up every local of a function on each call).
   */
  private decodeNew(buf: Uint8Array, off: number, len: number, table: ChannelTable): number {
    const kind = this.kind;
    const withMac = this.withMac;
    const key = this.key;
    // Did the decode before this one take the fast path to this layout (the candidate)?
    const rep = this.rep;
    const again = rep.candidateKey === key && rep.candidateBuf === buf && rep.candidateOff === off && rep.candidateLen === len && rep.candidateTable === table;
    rep.candidateKey = -1;
    if (!(off >= 0 && len >= 0 && off + len <= buf.length)) return Err.ValueRange;
    if (len > this.maxFrameBytes) {
      this.beginFrame(buf, off, len);
      return Err.FrameTooLarge;
    }
    this.beginFrame(buf, off, len);
    const n = this.fastPath ? this.decodeFast(buf, off, off + len, table, kind, withMac) : 0;
    if (n > 0) {
      // A layout replaces the remembered one only when two frames in a row have it: a frame
      // shifted once (two packets in one read) leaves the steady layout in place.
      if (this.repeatKey < 0 || again) {
        this.remember(buf, off, len, table, key);
      } else {
        rep.candidateKey = key;
        rep.candidateBuf = buf;
        rep.candidateOff = off;
        rep.candidateLen = len;
        rep.candidateTable = table;
      }
      return n;
    }
    this.beginFrame(buf, off, len); // general path: a fresh start
    const r = this.reader;
    r.reset(buf, off, off + len);
    let e = r.readArray();
    if (e < 0) return frameError(e);
    const items = r.len;
    const fixed = withMac ? 3 : 2; // seq, second (, mac)
    if (items < fixed + 2 || ((items - fixed) & 1) !== 0) return Err.FrameShape;
    e = r.readUint();
    if (e < 0) return frameError(e);
    if (r.value > 0xffffffff) return Err.FrameShape;
    this.seq = r.value;
    e = r.readUint();
    if (e < 0) return frameError(e);
    if (r.value > 0xffffffff) return Err.FrameShape;
    this.second = r.value;
    e = readEntries(r, table, kind, this, (items - fixed) / 2);
    if (e < 0) return e;
    if (withMac) {
      const macItem = r.pos;
      // The mac is a plain bstr(16); like uint8 payloads, tag 64 around it is accepted too.
      e = r.readTypedArray();
      if (e < 0) return frameError(e);
      if (r.tag !== TAG_UINT8 || r.len !== MOTOR_MAC_BYTES) return Err.FrameShape;
      this.macOff = r.off;
      this.signedLen = macItem - off;
    }
    e = r.finish();
    if (e < 0) return e;
    return this.count;
  }

  /** Starts a new frame: a fresh duplicate-detection stamp and no entries. */
  protected beginFrame(buf: Uint8Array, off: number, len: number): void {
    this.fieldsFromRepeat = false; // the remembered layout stays; its fields are put back on its next repeat
    this.layoutStamp++;
    this.buf = buf;
    this.frameOff = off;
    this.frameLen = len;
    this.count = 0;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.seen.fill(0);
      this.stamp = 1;
    }
  }

  /** Marks id seen; false when it was already seen in this frame. */
  markSeen(id: number): boolean {
    if (this.seen[id] === this.stamp) return false;
    this.seen[id] = this.stamp;
    return true;
  }

  /** Fills sig from table (see sig). Setup-time work: runs once per table. */
  private buildSig(table: ChannelTable): void {
    const sig = this.sig;
    const kinds = table.kindById;
    for (let id = 0; id <= MAX_CHANNEL_ID; id++) {
      const k = kinds[id];
      sig[id] = k < 0 ? -1 : table.lengthById[id] * SIG_LENGTH_UNIT + table.typeById[id] * 2 + k;
    }
    this.sigTable = table;
  }

  /**
   * After a fast-path success: records the frame's structural bytes for decodeRepeat (every
   * byte outside the seq and second arguments, the payloads and the MAC; a seq or second that
   * sits in its head byte is checked by size, not value). Allocates nothing.
   */
  private remember(buf: Uint8Array, off: number, len: number, table: ChannelTable, key: number): void {
    const rep = this.rep;
    const pos = rep.pos;
    const val = rep.val;
    const end = off + len;
    let c = 0;
    let p = off;
    pos[c] = 0; // array head: 0x80 + n or 0x98 n
    val[c++] = buf[p];
    if (buf[p++] === 0x98) {
      pos[c] = 1;
      val[c++] = buf[p++];
    }
    for (let k = 0; k < 2; k++) {
      const ib = buf[p];
      const arg = ib < 24 ? 0 : ib === 0x18 ? 1 : ib === 0x19 ? 2 : 4;
      if (arg > 0) {
        pos[c] = p - off;
        val[c++] = ib;
      }
      if (k === 0) {
        rep.seqAt = p - off;
        rep.seqArg = arg;
      } else {
        rep.secondAt = p - off;
        rep.secondArg = arg;
      }
      p += 1 + arg;
    }
    const payloadOff = this.payloadOff;
    const byteLen = this.byteLen;
    for (let i = 0; i < this.count; i++) {
      for (; p < payloadOff[i]; p++) {
        pos[c] = p - off;
        val[c++] = buf[p];
      }
      p += byteLen[i];
    }
    if (p < end) {
      // the MAC item of a motor frame: its head, not its 16 bytes
      pos[c] = p - off;
      val[c++] = buf[p];
    }
    // absolute offsets; by word at once when `words` covers buf's ArrayBuffer or no view was
    // made yet (the first frame), else on this layout's first repeat (see bytesMatch)
    for (let k = 0; k < c; k++) pos[k] += off;
    rep.wordCount = 0;
    rep.byteCount = c;
    rep.seqRel = off + rep.seqAt + 1;
    rep.secondRel = off + rep.secondAt + 1;
    if (buf.buffer === rep.wordsBuffer) toWords(rep, buf);
    else if (!rep.viewMade) makeWords(rep, buf);
    placeArgs(rep, buf);
    const n = this.count;
    rep.count = n;
    rep.macOff = this.macOff;
    rep.signedLen = this.signedLen;
    for (let i = 0; i < n; i++) {
      rep.channelId[i] = this.channelId[i];
      rep.tableIndex[i] = this.tableIndex[i];
      rep.elementType[i] = this.elementType[i];
      rep.payloadOff[i] = payloadOff[i];
      rep.byteLen[i] = byteLen[i];
    }
    rep.candidateKey = -1;
    rep.candidateBuf = null;
    rep.candidateTable = null;
    this.fieldsFromRepeat = true;
    this.repeatBuf = buf;
    this.repeatOff = off;
    this.repeatLen = len;
    this.repeatTable = table;
    this.repeatKey = key;
  }

  /** A repeat after another decode: the entry fields become the remembered frame's again. */
  private restoreLayout(rep: RepeatLayout, buf: Uint8Array, off: number, len: number): void {
    this.layoutStamp++; // entries' offsets change: copyEntry checks its views again
    this.buf = buf;
    this.frameOff = off;
    this.frameLen = len;
    const n = rep.count;
    this.count = n;
    this.macOff = rep.macOff;
    this.signedLen = rep.signedLen;
    for (let i = 0; i < n; i++) {
      this.channelId[i] = rep.channelId[i];
      this.tableIndex[i] = rep.tableIndex[i];
      this.elementType[i] = rep.elementType[i];
      this.payloadOff[i] = rep.payloadOff[i];
      this.byteLen[i] = rep.byteLen[i];
    }
    this.fieldsFromRepeat = true;
  }

  /**
   * The fast path for frames in preferred serialization (what every brainstem writer and
   * cbor-x produce): one pass over buf[off..end) with locals only, no reader and no calls,
   * because property accesses and calls are what cost on XS. Array and byte-string counts up
   * to 2 bytes, integers up to u32, one-byte tags. Returns the entry count (>= 1) when the
   * frame is canonical and valid; returns 0 at the first byte that is anything else, and the
   * caller then decodes with the general reader, which decides the exact error code (or
   * accepts a valid non-canonical frame). Call beginFrame first.
   * Per entry, one read of `sig` checks the channel's kind, element type and length, and a
   * bit mask in a local (table indexes 0..30; the stamped `seen` array for the rest) catches a
   * repeated channel: typed-array reads are the dominant cost on XS (~100 ns each).
   */
  protected decodeFast(buf: Uint8Array, off: number, end: number, table: ChannelTable, kind: number, withMac: boolean): number {
    let p = off;
    if (p >= end) return 0;
    let ib = buf[p++];
    let items: number;
    if (ib >= 0x80 && ib < 0x98) items = ib - 0x80; // RFC 8949 §3.1 major type 4
    else if (ib === 0x98 && p < end) items = buf[p++];
    else return 0;
    if (withMac ? items < 5 || (items & 1) !== 1 : items < 4 || (items & 1) !== 0) return 0;
    const n = (items - (withMac ? 3 : 2)) >>> 1;
    if (n > this.capacity) return 0;
    // seq and the time/deadline: unsigned integers of at most 32 bits
    let seq = 0;
    for (let k = 0; k < 2; k++) {
      if (p >= end) return 0;
      ib = buf[p++];
      let v: number;
      if (ib < 24) v = ib;
      else if (ib === 0x18 && p + 1 <= end) v = buf[p++];
      else if (ib === 0x19 && p + 2 <= end) {
        v = (buf[p] << 8) | buf[p + 1];
        p += 2;
      } else if (ib === 0x1a && p + 4 <= end) {
        v = ((buf[p] << 24) >>> 0) + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]);
        p += 4;
      } else return 0;
      if (k === 0) seq = v;
      else this.second = v;
    }
    if (table !== this.sigTable) this.buildSig(table);
    const sig = this.sig;
    const index = table.indexById;
    const seen = this.seen;
    const stamp = this.stamp;
    const channelId = this.channelId;
    const tableIndex = this.tableIndex;
    const elementType = this.elementType;
    const payloadOff = this.payloadOff;
    const byteLen = this.byteLen;
    // Repeated channels: a bit per table index in a local for the first 31 indexes, the
    // stamped `seen` array for the rest.
    let mask = 0;
    for (let i = 0; i < n; i++) {
      if (p >= end) return 0;
      let id = buf[p++];
      if (id >= 24) {
        if (id !== 0x18 || p >= end) return 0;
        id = buf[p++];
      }
      if (p >= end) return 0;
      ib = buf[p++];
      let tag = 64; // a plain byte string is uint8
      if (ib === 0xd8) {
        // RFC 8746 typed-array tag with a one-byte argument
        if (p + 2 > end) return 0;
        tag = buf[p++];
        ib = buf[p++];
      }
      let len: number;
      if (ib >= 0x40 && ib < 0x58) len = ib - 0x40; // RFC 8949 §3.1 major type 2
      else if (ib === 0x58 && p + 1 <= end) len = buf[p++];
      else if (ib === 0x59 && p + 2 <= end) {
        len = (buf[p] << 8) | buf[p + 1];
        p += 2;
      } else return 0;
      // A channel of this kind, this element type and exactly this many bytes, all present.
      if (sig[id] !== len * SIG_LENGTH_UNIT + tag * 2 + kind || len > end - p) return 0;
      const idx = index[id];
      if (idx < 31) {
        const bit = 1 << idx;
        if ((mask & bit) !== 0) return 0;
        mask |= bit;
      } else {
        if (seen[id] === stamp) return 0;
        seen[id] = stamp;
      }
      channelId[i] = id;
      tableIndex[i] = idx;
      elementType[i] = tag;
      payloadOff[i] = p;
      byteLen[i] = len;
      p += len;
    }
    if (withMac) {
      if (p + 17 > end || buf[p] !== 0x50) return 0; // bstr(16)
      this.signedLen = p - off;
      this.macOff = p + 1;
      p += 17;
    }
    if (p !== end) return 0;
    this.seq = seq;
    this.count = n;
    return n;
  }
}

/**
 * The repeat path's structural bytes outside its words (see RepeatLayout): true when all are
 * equal in buf. A layout remembered in another ArrayBuffer than `words` covers (after the
 * first) holds all its structural bytes here; on its first match (a receive buffer that
 * repeats) the view is made and the bytes go into words. So buffers that take turns never
 * repeat and make no view.
 */
function bytesMatch(rep: RepeatLayout, buf: Uint8Array): boolean {
  const pos = rep.pos;
  const val = rep.val;
  const n = rep.byteCount;
  for (let k = 0; k < n; k++) if (buf[pos[k]] !== val[k]) return false;
  if (rep.wordCount === 0 && buf.buffer !== rep.wordsBuffer) makeWords(rep, buf);
  return true;
}

/** Makes rep.words over buf's ArrayBuffer (setup: once per receive buffer) and moves rep's structural bytes into it. */
function makeWords(rep: RepeatLayout, buf: Uint8Array): void {
  const ab = buf.buffer;
  rep.words = new Int32Array(ab, 0, ab.byteLength >>> 2);
  rep.wordsBuffer = ab;
  rep.dv = new DataView(ab);
  rep.viewMade = true;
  toWords(rep, buf);
  placeArgs(rep, buf);
}

/** Sets where rep.dv reads the 4-byte seq and second arguments of buf's frame (-1: not through dv). */
function placeArgs(rep: RepeatLayout, buf: Uint8Array): void {
  const covered = buf.buffer === rep.wordsBuffer;
  rep.seqPos = covered && rep.seqArg === 4 ? buf.byteOffset + rep.seqRel : -1;
  rep.secondPos = covered && rep.secondArg === 4 ? buf.byteOffset + rep.secondRel : -1;
}

/**
 * Moves rep's structural bytes (pos, val: absolute offsets in buf, increasing) into words of
 * rep.words, which covers buf's ArrayBuffer. The bytes of one word are neighbours; a byte past
 * the last whole word stays a byte.
 */
function toWords(rep: RepeatLayout, buf: Uint8Array): void {
  const pos = rep.pos;
  const val = rep.val;
  const c = rep.byteCount;
  const nWords = rep.words.length;
  const at = rep.at;
  const mask = rep.mask;
  const want = rep.want;
  const base = buf.byteOffset;
  let nw = 0;
  let bytes = 0;
  for (let k = 0; k < c; k++) {
    const b = base + pos[k];
    const w = b >>> 2;
    if (w >= nWords) {
      pos[bytes] = pos[k];
      val[bytes++] = val[k];
      continue;
    }
    const shift = LITTLE_ENDIAN ? (b & 3) * 8 : (3 - (b & 3)) * 8;
    if (nw === 0 || at[nw - 1] !== w) {
      at[nw] = w;
      mask[nw] = 0;
      want[nw++] = 0;
    }
    mask[nw - 1] |= 0xff << shift;
    want[nw - 1] |= val[k] << shift;
  }
  rep.wordCount = nw;
  rep.byteCount = bytes;
}

/** Maps a reader error to the frame error: a wrong item type is a shape error. */
export function frameError(r: number): number {
  return r === Err.CborType ? Err.FrameShape : r;
}

/**
 * Reads n `id, typed array` pairs into out. Each id must be a channel of `kind` in the table,
 * at most once; each payload must have the channel's element type (a plain byte string counts
 * as uint8) and exactly its element count. Returns 0 or FRAME_SHAPE / FRAME_CHANNEL / CBOR_*.
 */
export function readEntries(r: CborReader, table: ChannelTable, kind: number, out: FrameView, n: number): number {
  if (n > out.capacity) return Err.FrameChannel; // more entries than channels: some repeat or are unknown
  const kinds = table.kindById;
  const types = table.typeById;
  const lens = table.lengthById;
  const index = table.indexById;
  const channelId = out.channelId;
  const tableIndex = out.tableIndex;
  const elementType = out.elementType;
  const payloadOff = out.payloadOff;
  const byteLen = out.byteLen;
  for (let i = 0; i < n; i++) {
    let e = r.readUint();
    if (e < 0) return frameError(e);
    const id = r.value;
    if (id > MAX_CHANNEL_ID || kinds[id] !== kind || !out.markSeen(id)) return Err.FrameChannel;
    e = r.readTypedArray();
    if (e < 0) return frameError(e);
    const tag = r.tag;
    const len = r.len;
    if (tag !== types[id] || len !== lens[id]) return Err.FrameChannel;
    channelId[i] = id;
    tableIndex[i] = index[id];
    elementType[i] = tag;
    payloadOff[i] = r.off;
    byteLen[i] = len;
  }
  out.count = n;
  return 0;
}

/**
 * Copies the payload of entry i into dst[0..byteLen) (e.g. a byte view made once over the
 * channel's typed array). Returns the byte count, VALUE_RANGE (no entry i) or BUFFER_TOO_SMALL.
 * Copies natively through a view cached per entry position (see the header comment): no
 * allocation while the frame layout stays the same; a new layout that lasts makes one view.
 */
export function copyEntry(out: FrameView, i: number, dst: Uint8Array): number {
  const c = out.copies;
  if (c.stamp[i] === out.layoutStamp && c.dst[i] === dst && out.cacheViews) {
    // This entry's view matched it since the layout last changed (so i < count), and dst was
    // long enough for it: no typed-array read and no length check.
    dst.set(c.view[i], 0);
    return c.len[i];
  }
  if (!(i >= 0 && i < out.count)) return Err.ValueRange;
  const len = out.byteLen[i];
  if (len > dst.length) return Err.BufferTooSmall;
  const src = out.buf;
  const o = out.payloadOff[i];
  if (len >= COPY_VIEW_MIN_BYTES && out.cacheViews) {
    const offs = c.off;
    const lens = c.len;
    const runs = c.run;
    if (c.src[i] === src && offs[i] === o && lens[i] === len) {
      if (runs[i] !== 2) {
        runs[i] = 2;
        c.misses = COPY_VIEW_MAX_MISSES; // warm: from now on a miss makes no view at once
      }
      c.stamp[i] = out.layoutStamp;
      c.dst[i] = dst;
      dst.set(c.view[i], 0);
      return len;
    }
    // A miss. Cold (no hit yet): make a view, up to COPY_VIEW_MAX_MISSES of them. Warm: make
    // one only when this position's previous copy was a loop copy of the same layout.
    const pend = runs[i] === 0 && c.pendSrc[i] === src && c.pendOff[i] === o && c.pendLen[i] === len;
    if (pend || c.misses < COPY_VIEW_MAX_MISSES) {
      if (!pend) c.misses++;
      const view = src.subarray(o, o + len);
      c.view[i] = view;
      c.src[i] = src;
      offs[i] = o;
      lens[i] = len;
      runs[i] = 1;
      dst.set(view, 0);
      return len;
    }
    c.pendSrc[i] = src;
    c.pendOff[i] = o;
    c.pendLen[i] = len;
    runs[i] = 0;
  }
  for (let k = 0; k < len; k++) dst[k] = src[o + k];
  return len;
}

/**
 * A typed array of entry i's element type over its payload, or null when there is no entry i.
 * Allocates (Node and non-hot use). A view shares memory with the receive buffer and is valid
 * until that buffer is reused; when the payload offset is not a multiple of the element size
 * (typed arrays need alignment) the result is a view over a fresh copy instead.
 */
export function viewEntry(out: FrameView, i: number): TypedArray | null {
  if (!(i >= 0 && i < out.count)) return null;
  const et = out.elementType[i];
  const size = elementBytes(et);
  const buf = out.buf;
  let ab = buf.buffer as ArrayBuffer;
  let at = buf.byteOffset + out.payloadOff[i];
  const n = out.byteLen[i] / size;
  if (at % size !== 0) {
    const copy = Uint8Array.prototype.slice.call(buf, out.payloadOff[i], out.payloadOff[i] + out.byteLen[i]); // a real copy, even when buf is a subclass whose slice() returns a view
    ab = copy.buffer as ArrayBuffer;
    at = 0;
  }
  switch (et) {
    case ElementType.I8:
      return new Int8Array(ab, at, n);
    case ElementType.U16:
      return new Uint16Array(ab, at, n);
    case ElementType.I16:
      return new Int16Array(ab, at, n);
    case ElementType.U32:
      return new Uint32Array(ab, at, n);
    case ElementType.I32:
      return new Int32Array(ab, at, n);
    case ElementType.F32:
      return new Float32Array(ab, at, n);
    case ElementType.F64:
      return new Float64Array(ab, at, n);
    default:
      return new Uint8Array(ab, at, n);
  }
}
