/*
 * agent/channels: the channel table with its preallocated sensor and motor arrays.
 *
 * Theory of operation: at construction every channel gets one typed array of its element
 * type and count, plus one byte view over it (made once, so frame codecs copy bytes with no
 * per-frame views). Sensor frames always carry every sensor channel: the FrameEntries list is
 * filled once and reused. Motor frames decode into one reusable MotorFrame; an accepted entry
 * is copied into its channel's array and handed to the host. Safe values are kept per motor
 * channel and copied into the arrays whenever the outputs go safe.
 */
import { ChannelKind, ChannelTable as WireTable, byteView } from "../codec/frames/channels";
import { FrameEntries } from "../codec/frames/entries";
import { MotorFrame } from "../codec/frames/motor";
import { SensorFrameWriter, sensorFrameMaxBytes } from "../codec/frames/sensor";
import { copyEntry, type TypedArray } from "../codec/frames/view";
import { elementTags, type ChannelConfig } from "./config";

export type { TypedArray };

function makeArray(type: ChannelConfig["type"], count: number): TypedArray {
  switch (type) {
    case "u8": return new Uint8Array(count);
    case "i8": return new Int8Array(count);
    case "u16": return new Uint16Array(count);
    case "i16": return new Int16Array(count);
    case "u32": return new Uint32Array(count);
    case "i32": return new Int32Array(count);
    case "f32": return new Float32Array(count);
    default: return new Float64Array(count);
  }
}

/** Where applyMotorFrame hands each motor channel's new values (the agent's AgentIo). */
export interface MotorOutput {
  applyMotor(channelId: number, values: TypedArray): void;
}

/** The agent's channels: the wire table plus one preallocated array per channel. */
export class ChannelBank {
  readonly wire: WireTable;
  readonly motorFrame: MotorFrame;
  private readonly arrays: TypedArray[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly safe: (TypedArray | null)[] = [];
  private readonly sensorEntries: FrameEntries;
  /** Writes the sensor frames [seq, t, every sensor channel]. */
  readonly sensorFrames: SensorFrameWriter;
  /** Arrays by channel id (256 slots), so lookups on the hot path are one index. */
  private readonly sensorById: (TypedArray | null)[] = [];
  private readonly motorById: (TypedArray | null)[] = [];

  constructor(readonly channels: readonly ChannelConfig[], maxFrameBytes: number) {
    this.wire = new WireTable(channels.map((c) => ({
      id: c.id,
      kind: c.kind === "sensor" ? ChannelKind.Sensor : ChannelKind.Motor,
      elementType: elementTags[c.type],
      count: c.count,
      rateHz: Math.round(c.rateHz ?? 0),
    })));
    this.sensorEntries = new FrameEntries(this.wire, ChannelKind.Sensor);
    for (const c of channels) {
      const array = makeArray(c.type, c.count);
      this.arrays.push(array);
      this.bytes.push(byteView(array));
      let safe: TypedArray | null = null;
      if (c.kind === "motor") {
        safe = makeArray(c.type, c.count);
        if (c.safe) for (let i = 0; i < c.count; i++) safe[i] = c.safe[i];
        array.set(safe as never);
      } else {
        this.sensorEntries.add(c.id, this.bytes[this.bytes.length - 1]);
      }
      this.safe.push(safe);
    }
    for (let id = 0; id < 256; id++) {
      this.sensorById.push(null);
      this.motorById.push(null);
    }
    for (let i = 0; i < channels.length; i++) (channels[i].kind === "sensor" ? this.sensorById : this.motorById)[channels[i].id] = this.arrays[i];
    this.motorFrame = new MotorFrame(channels.length, maxFrameBytes);
    this.sensorFrames = new SensorFrameWriter(this.sensorEntries);
  }

  /** The typed array of a sensor channel. Throws for an unknown or motor id (setup bug). */
  sensorArray(id: number): TypedArray {
    const a = this.sensorById[id];
    if (a === undefined || a === null) return this.noSuchChannel(id, "sensor");
    return a;
  }

  /** The typed array of a motor channel: the last applied values, or the safe ones. */
  motorArray(id: number): TypedArray {
    const a = this.motorById[id];
    if (a === undefined || a === null) return this.noSuchChannel(id, "motor");
    return a;
  }


  /** Largest sensor frame this table produces, bytes. */
  get sensorFrameMaxBytes(): number {
    return sensorFrameMaxBytes(this.wire);
  }

  /**
   * Copies every entry of the last decoded motor frame (decoded, MAC checked, admitted) into
   * its channel array and hands each array to io.applyMotor: one call per frame, not per entry.
   */
  applyMotorFrame(io: MotorOutput): void {
    const frame = this.motorFrame;
    const n = frame.count;
    for (let i = 0; i < n; i++) {
      const index = frame.tableIndex[i];
      copyEntry(frame, i, this.bytes[index]);
      io.applyMotor(frame.channelId[i], this.arrays[index]);
    }
  }

  /** Sets every motor array to its safe values. */
  resetMotorsToSafe(): void {
    for (let i = 0; i < this.arrays.length; i++) {
      const safe = this.safe[i];
      if (safe !== null) this.arrays[i].set(safe as never);
    }
  }

  /** Caps the motor frames we accept at the negotiated size. */
  setMaxMotorFrameBytes(n: number): void {
    this.motorFrame.maxFrameBytes = n;
  }

  private noSuchChannel(id: number, kind: string): never {
    throw new RangeError(`no ${kind} channel with id ${id}`);
  }
}
