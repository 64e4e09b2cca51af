/*
 * io-types: the shapes shared by the board IO drivers, the IO bank and the settings parser.
 *
 * Theory of operation: every channel element (one number in a sensor or motor channel) is
 * bound to one driver. A sensor driver turns a reading into a number in channel units; a
 * motor driver turns a number in channel units into an output. Drivers are built once at
 * startup from plain `SensorIo` / `MotorIo` specs (parsed from mc/config by settings.ts) and
 * are then called from the tick with numbers only, so the steady state allocates nothing.
 * Two implementations exist behind `Board` (board-types.ts): ECMA-419 IO on a microcontroller
 * (io-hw.ts) and deterministic waveforms / logged outputs in the simulator (io-sim.ts).
 */

/** A deterministic test signal, in channel units. `t` is the agent clock in ms. */
export interface WaveSpec {
  shape: "sine" | "triangle" | "square" | "ramp" | "constant";
  /** Period, ms (> 0). */
  periodMs: number;
  /** Lowest and highest value of the signal. `constant` outputs `max`. */
  min: number;
  max: number;
  /** Phase offset as a fraction of the period, 0..1. */
  phase: number;
}

/** How one sensor element is read. value = raw * scale + offset (raw is ADC counts or 0/1). */
export interface SensorIo {
  driver: "analog" | "digital" | "wave";
  /** GPIO / ADC pin (analog, digital). */
  pin: number;
  /** Digital input pull: "up", "down" or "none". */
  pull: "up" | "down" | "none";
  /** Digital input: report 1 when the pin is low. */
  invert: boolean;
  /** Analog: divide raw counts by the ADC's full scale (2^resolution - 1) first, so raw is 0..1. */
  normalize: boolean;
  scale: number;
  offset: number;
  /** The signal used in the simulator (and by the `wave` driver on a board). */
  wave: WaveSpec;
}

/** How one motor element is driven. */
export interface MotorIo {
  driver: "pwm" | "servo" | "hbridge" | "hbridge2" | "digital" | "log";
  /** pwm / servo / digital: the output pin; hbridge: the speed (PWM / enable) pin; hbridge2: input A. */
  pin: number;
  /** hbridge: direction pin IN1; hbridge2: input B (PWM). -1 when unused. */
  pinB: number;
  /** hbridge: optional second direction pin IN2, driven as the inverse of IN1 (L298N, TB6612). -1 when unused. */
  pinC: number;
  /** PWM frequency, Hz (servo: 50). */
  hz: number;
  /** pwm: the channel value mapped to 0 % and 100 % duty. */
  inMin: number;
  inMax: number;
  /** servo: pulse width at 0 and at `rangeDeg` degrees, microseconds. */
  minUs: number;
  maxUs: number;
  rangeDeg: number;
  /** Reverse the output (pwm: 100 % - duty; hbridge: swap directions; digital: active low). */
  invert: boolean;
}

/** One channel's IO binding: one driver spec per element. */
export interface ChannelIo {
  id: number;
  name: string;
  kind: "sensor" | "motor";
  type: string;
  count: number;
  sensors: SensorIo[];
  motors: MotorIo[];
}

/** Reads one sensor element. */
export interface SensorDriver {
  /** The current value in channel units. `nowMs` is the agent clock (u32 ms). */
  read(nowMs: number): number;
  /** Human-readable binding for the startup log, e.g. "analog pin 34". */
  readonly label: string;
  close(): void;
}

/** Drives one motor element. */
export interface MotorDriver {
  /** Applies a value in channel units. Never throws for out-of-range values: it clamps. */
  write(value: number): void;
  readonly label: string;
  close(): void;
}

/** A number-indexed, fixed-length array (every TypedArray fits). */
export interface NumberArray {
  [index: number]: number;
  readonly length: number;
}

/** Log sink with the agent's levels (0 debug, 1 info, 2 warn, 3 error). */
export type LogFn = (level: number, message: string) => void;
