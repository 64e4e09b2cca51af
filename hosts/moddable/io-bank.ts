/*
 * io-bank: the channel table's IO side: which driver feeds or receives each element.
 *
 * Theory of operation: built once from the parsed settings. `sample` fills the agent's
 * preallocated sensor arrays element by element (integer channels are rounded and clamped to
 * their type's range, so a reading never wraps); `apply` writes one verified motor frame's
 * values to the drivers; `safe` writes each motor channel's safe values (the agent has already
 * put them in its motor arrays). Lookups are by a 256-entry id table. The steady state moves
 * numbers only. Motor values are logged when they change, at most once per `logEveryMs` per
 * channel (always on a safe transition): at info level in the simulator, where the log is the
 * only actuator, and at debug level on a board. The hot path evaluates no string literal: in a
 * preloaded module each evaluation allocates a chunk on XS.
 */
import type { ChannelIo, LogFn, MotorDriver, NumberArray, SensorDriver } from "./io-types";

/** Anything that hands out the agent's per-channel arrays. */
export interface ChannelArrays {
  sensorArray(channelId: number): NumberArray;
  motorArray(channelId: number): NumberArray;
}

export interface DriverFactory {
  openSensor(spec: ChannelIo["sensors"][number]): SensorDriver;
  openMotor(spec: ChannelIo["motors"][number]): MotorDriver;
}

/** [min, max] of each integer element type; floats are not clamped. */
const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  u8: Object.freeze([0, 255] as const),
  i8: Object.freeze([-128, 127] as const),
  u16: Object.freeze([0, 65535] as const),
  i16: Object.freeze([-32768, 32767] as const),
  u32: Object.freeze([0, 4294967295] as const),
  i32: Object.freeze([-2147483648, 2147483647] as const),
});

class SensorChannel {
  readonly lo: number;
  readonly hi: number;
  readonly integer: boolean;
  constructor(
    readonly io: ChannelIo,
    readonly drivers: SensorDriver[],
  ) {
    const r = INT_RANGE[io.type];
    this.integer = r !== undefined;
    this.lo = r ? r[0] : -Infinity;
    this.hi = r ? r[1] : Infinity;
  }
}

class MotorChannel {
  lastLogMs = 0;
  logged = false;
  changed = false;
  readonly last: Float64Array;
  constructor(
    readonly io: ChannelIo,
    readonly drivers: MotorDriver[],
  ) {
    this.last = new Float64Array(drivers.length);
  }
}

export class IoBank {
  private readonly sensors: SensorChannel[] = [];
  private readonly motors: MotorChannel[] = [];
  private readonly motorById: (MotorChannel | undefined)[] = new Array(256);
  private readonly logMotors: boolean;

  constructor(
    io: ChannelIo[],
    factory: DriverFactory,
    private readonly log: LogFn,
    /** Level for motor-output lines: 1 (info) in the simulator, 0 (debug) on a board. */
    private readonly motorLogLevel: number,
    /** The least severe level that is printed; motor lines below it are not even built. */
    logLevel: number,
    private readonly logEveryMs = 500,
  ) {
    this.logMotors = motorLogLevel >= logLevel;
    for (const ch of io) {
      if (ch.kind === "sensor") {
        const drivers = ch.sensors.map((s) => factory.openSensor(s));
        this.sensors.push(new SensorChannel(ch, drivers));
        drivers.forEach((d, i) => log(1, `sensor ${ch.name}[${i}] (channel ${ch.id}, ${ch.type}) <- ${d.label}`));
      } else {
        const drivers = ch.motors.map((m) => factory.openMotor(m));
        const mc = new MotorChannel(ch, drivers);
        this.motors.push(mc);
        this.motorById[ch.id] = mc;
        drivers.forEach((d, i) => log(1, `motor ${ch.name}[${i}] (channel ${ch.id}, ${ch.type}) -> ${d.label}`));
      }
    }
  }

  /** Fills every sensor channel's array from its drivers. */
  sample(arrays: ChannelArrays, nowMs: number): void {
    const sensors = this.sensors;
    for (let c = 0; c < sensors.length; c++) {
      const ch = sensors[c];
      const dst = arrays.sensorArray(ch.io.id);
      const drivers = ch.drivers;
      for (let i = 0; i < drivers.length; i++) {
        let v = drivers[i].read(nowMs);
        if (ch.integer) {
          v = Math.round(v);
          if (v < ch.lo) v = ch.lo;
          else if (v > ch.hi) v = ch.hi;
          else if (v !== v) v = 0; // NaN
        }
        dst[i] = v;
      }
    }
  }

  /** Writes one channel's motor values. Unknown ids are ignored (the agent already checked them). */
  apply(channelId: number, values: NumberArray, nowMs: number): void {
    const ch = this.motorById[channelId & 255];
    if (ch === undefined) return;
    const drivers = ch.drivers;
    const last = ch.last;
    for (let i = 0; i < drivers.length; i++) {
      const v = values[i];
      if (v !== last[i]) {
        last[i] = v;
        ch.changed = true;
      }
      drivers[i].write(v);
    }
    if (ch.changed && this.logMotors && ((nowMs - ch.lastLogMs) >>> 0) >= this.logEveryMs) this.logMotor(ch, nowMs, "");
  }

  /** Writes every motor channel's safe values (read from the agent's motor arrays). */
  safe(arrays: ChannelArrays, nowMs: number): void {
    const motors = this.motors;
    for (let c = 0; c < motors.length; c++) {
      const ch = motors[c];
      const values = arrays.motorArray(ch.io.id);
      for (let i = 0; i < ch.drivers.length; i++) {
        ch.last[i] = values[i];
        ch.drivers[i].write(values[i]);
      }
      if (this.logMotors) this.logMotor(ch, nowMs, " (safe)");
    }
  }

  /** Logs motor channels whose last change was held back by the rate limit. Call now and then. */
  flushLog(nowMs: number): void {
    if (!this.logMotors) return;
    for (const ch of this.motors) if (ch.changed && ((nowMs - ch.lastLogMs) >>> 0) >= this.logEveryMs) this.logMotor(ch, nowMs, "");
  }

  close(): void {
    for (const ch of this.sensors) for (const d of ch.drivers) d.close();
    for (const ch of this.motors) for (const d of ch.drivers) d.close();
  }

  private logMotor(ch: MotorChannel, nowMs: number, note: string): void {
    ch.lastLogMs = nowMs;
    ch.changed = false;
    let s = "";
    for (let i = 0; i < ch.last.length; i++) s += (i ? ", " : "") + formatValue(ch.last[i]);
    this.log(this.motorLogLevel, `motor ${ch.io.name} = [${s}]${note}`);
  }
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
