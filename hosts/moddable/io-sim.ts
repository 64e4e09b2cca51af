/*
 * io-sim: sensor and motor drivers that need no hardware.
 *
 * Theory of operation: in the Moddable simulator every sensor element is a deterministic
 * waveform (waveform.ts) in channel units, whatever driver the config names, so the channel
 * table written for a board runs unchanged on a laptop. Every motor element just remembers
 * the last value; the IO bank logs motor frames (rate-limited) so a user sees what the brain
 * commands. On a board the same classes back the "wave" sensor and "log" motor drivers, which
 * are handy for bring-up before anything is wired.
 */
import type { MotorDriver, MotorIo, SensorDriver, SensorIo } from "./io-types";
import { waveShape, waveValue } from "./waveform";

export class WaveSensor implements SensorDriver {
  readonly label: string;
  private readonly shape: number;
  constructor(private readonly spec: SensorIo) {
    this.shape = waveShape(spec.wave.shape);
    const w = spec.wave;
    this.label = `${w.shape} wave ${w.min}..${w.max} every ${w.periodMs} ms` + (spec.driver === "wave" ? "" : ` (simulating ${spec.driver} pin ${spec.pin})`);
  }
  read(nowMs: number): number {
    return waveValue(this.shape, this.spec.wave, nowMs);
  }
  close(): void {}
}

export class LogMotor implements MotorDriver {
  readonly label: string;
  /** The last value written, for the log and for tests. */
  value = 0;
  constructor(spec: MotorIo) {
    this.label = spec.driver === "log" ? "log" : `log (simulating ${spec.driver} pin ${spec.pin})`;
  }
  write(value: number): void {
    this.value = value;
  }
  close(): void {}
}

/** Simulator: every sensor is a waveform. */
export function openSimSensor(spec: SensorIo): SensorDriver {
  return new WaveSensor(spec);
}

/** Simulator: every motor is logged. */
export function openSimMotor(spec: MotorIo): MotorDriver {
  return new LogMotor(spec);
}
