/*
 * frames/channels: the channel table that sensor and motor frames are checked against.
 *
 * Theory of operation: a robot declares its channels once (in `hello`, protocol.md §hello):
 * each has an id 0..255, a kind (sensor or motor), an element type (an RFC 8746 tag, always
 * little-endian) and a fixed element count. `ChannelTable` is built once at setup; it keeps a
 * 256-entry id -> index map and each channel's payload byte length, so the frame codecs look a
 * channel up in O(1) without allocating. Validation is a value (`validateChannels` returns 0
 * or CONFIG_INVALID); constructing a table from specs that fail validation is a programmer
 * error and throws.
 * Byte order: frames carry little-endian element bytes and the writers copy host typed-array
 * bytes as they are, so hosts must be little-endian. ESP32 (Xtensa/RISC-V), RP2040 (Cortex-M0+)
 * and x86/ARM laptops all are.
 */
import { Err } from "../../errors";

/** Channel direction (the `kind` of a channel descriptor). */
export const ChannelKind = {
  Sensor: 0,
  Motor: 1,
} as const;

/** Element types: the RFC 8746 §2.1 tag numbers of the little-endian typed arrays. */
export const ElementType = {
  U8: 64,
  I8: 72,
  U16: 69,
  I16: 77,
  U32: 70,
  I32: 78,
  F32: 85,
  F64: 86,
} as const;

/** Highest channel id (ids are one byte on the wire in spirit: 0..255). */
export const MAX_CHANNEL_ID = 255;
/** Most elements in one channel. */
export const MAX_CHANNEL_ELEMENTS = 65535;
/** Most channels in one table (each id at most once, so at most 256). */
export const MAX_CHANNELS = 256;

/** Bytes per element for a brainstem element type, or 0 for anything else. */
export function elementBytes(elementType: number): number {
  switch (elementType) {
    case ElementType.U8:
    case ElementType.I8:
      return 1;
    case ElementType.U16:
    case ElementType.I16:
      return 2;
    case ElementType.U32:
    case ElementType.I32:
    case ElementType.F32:
      return 4;
    case ElementType.F64:
      return 8;
    default:
      return 0;
  }
}

/** One channel as declared in hello: [id, kind, et, count, hz]. */
export interface ChannelSpec {
  /** 0..255, unique in the table. */
  id: number;
  /** ChannelKind.Sensor or ChannelKind.Motor. */
  kind: number;
  /** One of ElementType. */
  elementType: number;
  /** Elements per frame entry, 1..65535. */
  count: number;
  /** Nominal rate in Hz (sensors: sampling; motors: expected command rate); 0 = unspecified. */
  rateHz: number;
}

function isIntIn(v: number, lo: number, hi: number): boolean {
  return typeof v === "number" && Math.floor(v) === v && v >= lo && v <= hi;
}

/** 0 when the specs form a valid table (ids unique, every field in range), else CONFIG_INVALID. */
export function validateChannels(specs: ReadonlyArray<ChannelSpec>): number {
  if (specs.length === 0 || specs.length > MAX_CHANNELS) return Err.ConfigInvalid;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (!isIntIn(s.id, 0, MAX_CHANNEL_ID)) return Err.ConfigInvalid;
    if (s.kind !== ChannelKind.Sensor && s.kind !== ChannelKind.Motor) return Err.ConfigInvalid;
    if (elementBytes(s.elementType) === 0) return Err.ConfigInvalid;
    if (!isIntIn(s.count, 1, MAX_CHANNEL_ELEMENTS)) return Err.ConfigInvalid;
    if (!isIntIn(s.rateHz, 0, 0xffffffff)) return Err.ConfigInvalid;
    for (let j = 0; j < i; j++) if (specs[j].id === s.id) return Err.ConfigInvalid;
  }
  return 0;
}

/** The channel table, built once at setup. Lookups are O(1) and allocation-free. */
export class ChannelTable {
  readonly specs: ReadonlyArray<ChannelSpec>;
  /** Number of channels. */
  readonly size: number;
  readonly sensorCount: number;
  readonly motorCount: number;
  /** Payload bytes of each channel (count * element size), by table index. */
  readonly byteLength: Int32Array;
  /** Table index for each id 0..255, -1 when absent. */
  readonly indexById: Int16Array;
  /** By id 0..255: the kind (-1 when absent), the element type and the payload bytes. The frame
   * codecs read these typed arrays instead of spec objects: cheaper on XS. */
  readonly kindById: Int8Array;
  readonly typeById: Uint8Array;
  readonly lengthById: Int32Array;

  /** Throws when validateChannels(specs) fails: validate config first. Copies the specs. */
  constructor(specs: ReadonlyArray<ChannelSpec>) {
    if (validateChannels(specs) !== 0) throw new RangeError("ChannelTable: invalid channel specs (run validateChannels first)");
    const copy: ChannelSpec[] = [];
    this.byteLength = new Int32Array(specs.length);
    this.indexById = new Int16Array(MAX_CHANNEL_ID + 1);
    this.indexById.fill(-1);
    this.kindById = new Int8Array(MAX_CHANNEL_ID + 1);
    this.kindById.fill(-1);
    this.typeById = new Uint8Array(MAX_CHANNEL_ID + 1);
    this.lengthById = new Int32Array(MAX_CHANNEL_ID + 1);
    let sensors = 0;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i];
      copy.push({ id: s.id, kind: s.kind, elementType: s.elementType, count: s.count, rateHz: s.rateHz });
      this.byteLength[i] = s.count * elementBytes(s.elementType);
      this.indexById[s.id] = i;
      this.kindById[s.id] = s.kind;
      this.typeById[s.id] = s.elementType;
      this.lengthById[s.id] = this.byteLength[i];
      if (s.kind === ChannelKind.Sensor) sensors++;
    }
    this.specs = copy;
    this.size = specs.length;
    this.sensorCount = sensors;
    this.motorCount = specs.length - sensors;
  }

  /** Table index of channel id, or -1 when there is no such channel. */
  indexOf(id: number): number {
    if (!((id >>> 0) === id && id <= MAX_CHANNEL_ID)) return -1;
    return this.indexById[id];
  }
}

/**
 * A byte view over a typed array's memory, for frame writers. Allocates: make one per channel
 * at setup and keep it; it tracks the typed array's contents with no copying.
 */
export function byteView(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
