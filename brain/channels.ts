/*
 * brain/channels: an agent's declared channel table, as the brain keeps it.
 *
 * Theory of operation: hello `ch` lists [id, kind, et, count, hz] per channel, and `cn` (protocol
 * 1.1) each channel's [name, unit] (protocol.md §5.1). An older agent sends no `cn`: its
 * channels are named `ch<id>` (e.g. `ch10`), without units, and the table says `named: false`.
 * Names must be unique. `declareChannels` turns the decoded hello (src/protocol/decode.ts ControlMessage)
 * into a DeclaredChannels, after the same validation the agent applies to its own table
 * (src/codec/frames/channels.ts validateChannels: unique ids, known element types, counts in
 * range), and records the size of its largest frame (src sensorFrameMaxBytes /
 * motorFrameMaxBytes), which the granted `mfb` must hold. Each channel records the typed-array constructor of its element type, so checking
 * a decoded payload or a controller's output is an `instanceof` and a length compare.
 * Element types are the RFC 8746 tags of little-endian typed arrays; uint8 travels as a
 * plain byte string, which cbor-x decodes to a Buffer (a Uint8Array).
 */
import { ChannelKind, ChannelTable, ElementType, validateChannels, type ChannelSpec } from "../src/codec/frames/channels";
import { motorFrameMaxBytes } from "../src/codec/frames/motor";
import { sensorFrameMaxBytes } from "../src/codec/frames/sensor";
import type { TypedArray } from "../src/codec/frames/view";
import type { ChannelLabel } from "../src/protocol/channel-labels";
import type { ControlMessage } from "../src/protocol/decode";

export type { TypedArray };
export type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** Short names of the element types (same as src/agent/config.ts). */
export type ElementTypeName = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";

const BY_TAG: ReadonlyMap<number, { name: ElementTypeName; ctor: TypedArrayConstructor }> = new Map([
  [ElementType.U8, { name: "u8" as const, ctor: Uint8Array }],
  [ElementType.I8, { name: "i8" as const, ctor: Int8Array }],
  [ElementType.U16, { name: "u16" as const, ctor: Uint16Array }],
  [ElementType.I16, { name: "i16" as const, ctor: Int16Array }],
  [ElementType.U32, { name: "u32" as const, ctor: Uint32Array }],
  [ElementType.I32, { name: "i32" as const, ctor: Int32Array }],
  [ElementType.F32, { name: "f32" as const, ctor: Float32Array }],
  [ElementType.F64, { name: "f64" as const, ctor: Float64Array }],
]);

/** One declared channel. */
export interface DeclaredChannel {
  /** The channel's name from the hello (`ch<id>` for an agent that sends none). */
  name: string;
  /** Its unit, "" when none. */
  unit: string;
  id: number;
  kind: "sensor" | "motor";
  /** RFC 8746 tag of the element type (src/codec/frames/channels.ts ElementType). */
  elementType: number;
  type: ElementTypeName;
  /** Elements per frame entry. */
  count: number;
  /** Nominal rate declared by the agent, Hz (0 = unspecified). */
  rateHz: number;
  /** The typed array a payload of this channel decodes to. */
  ctor: TypedArrayConstructor;
}

/** An agent's channel table. */
export interface DeclaredChannels {
  /** Every channel in hello order. */
  readonly list: readonly DeclaredChannel[];
  readonly sensors: readonly DeclaredChannel[];
  readonly motors: readonly DeclaredChannel[];
  /** Lookup by id. */
  readonly byId: ReadonlyMap<number, DeclaredChannel>;
  /** Lookup by name. */
  readonly byName: ReadonlyMap<string, DeclaredChannel>;
  /** False when the agent sent no names (protocol 1.0 firmware): names are `ch<id>`. */
  readonly named: boolean;
  /** Bytes of the largest sensor or motor frame of this table (protocol.md §6.4). */
  readonly largestFrameBytes: number;
}

/** Typed-array constructor of an element type tag, or undefined. */
export function ctorOf(elementType: number): TypedArrayConstructor | undefined {
  return BY_TAG.get(elementType)?.ctor;
}

/** True when value is a typed array of the channel's element type and count. */
export function fitsChannel(ch: DeclaredChannel, value: unknown): value is TypedArray {
  return value instanceof ch.ctor && (value as TypedArray).length === ch.count;
}

/**
 * The channel table declared in a decoded hello, or a problem text when it is not a valid
 * table (empty, repeated id, unknown element type, count out of range).
 */
export function declareChannels(m: ControlMessage): DeclaredChannels | string {
  const specs: ChannelSpec[] = [];
  for (let i = 0; i < m.channelCount; i++)
    specs.push({ id: m.chId[i], kind: m.chKind[i], elementType: m.chType[i], count: m.chCount[i], rateHz: m.chHz[i] });
  if (m.labelCount === 0) return declareSpecs(specs);
  const text = new TextDecoder();
  const labels: ChannelLabel[] = [];
  for (let i = 0; i < m.labelCount; i++)
    labels.push({ name: text.decode(m.buf.subarray(m.chNameOff[i], m.chNameOff[i] + m.chNameLen[i])), unit: text.decode(m.buf.subarray(m.chUnitOff[i], m.chUnitOff[i] + m.chUnitLen[i])) });
  return declareSpecs(specs, labels);
}

/** Same as declareChannels, from channel specs and (optionally) their labels in the same order. */
export function declareSpecs(specs: readonly ChannelSpec[], labels: readonly ChannelLabel[] | null = null): DeclaredChannels | string {
  if (specs.length === 0) return "hello declares no channels";
  if (validateChannels(specs) !== 0) return "hello declares an invalid channel table (repeated id, unknown element type or bad count)";
  if (labels !== null && labels.length !== specs.length) return "hello declares a different number of channel names than channels";
  const list: DeclaredChannel[] = [];
  const byId = new Map<number, DeclaredChannel>();
  const byName = new Map<string, DeclaredChannel>();
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    const t = BY_TAG.get(s.elementType)!;
    const name = labels === null ? `ch${s.id}` : labels[i].name;
    if (byName.has(name)) return `hello names two channels "${name}"`;
    const ch: DeclaredChannel = {
      name,
      unit: labels === null ? "" : (labels[i].unit ?? ""),
      id: s.id,
      kind: s.kind === ChannelKind.Motor ? "motor" : "sensor",
      elementType: s.elementType,
      type: t.name,
      count: s.count,
      rateHz: s.rateHz,
      ctor: t.ctor,
    };
    list.push(ch);
    byId.set(ch.id, ch);
    byName.set(name, ch);
  }
  const wire = new ChannelTable(specs);
  const largestFrameBytes = Math.max(wire.sensorCount > 0 ? sensorFrameMaxBytes(wire) : 0, wire.motorCount > 0 ? motorFrameMaxBytes(wire) : 0);
  return { list, byId, byName, named: labels !== null, sensors: list.filter((c) => c.kind === "sensor"), motors: list.filter((c) => c.kind === "motor"), largestFrameBytes };
}
