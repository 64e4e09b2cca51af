/*
 * io-hw: sensor and motor drivers over ECMA-419 IO (embedded:io/analog, digital, pwm).
 *
 * Theory of operation: each driver opens its pins once, at startup, and then only moves
 * numbers: `read()` returns raw * scale + offset, `write(v)` clamps v to the configured input
 * range and sets a duty cycle or a pin level. Nothing allocates after construction.
 *   - analog:   ADC counts (optionally normalized to 0..1 by the port's resolution).
 *   - digital:  0/1 from an input pin with optional pull and inversion.
 *   - pwm:      duty = (v - inMin) / (inMax - inMin), 0..100 %.
 *   - servo:    a 50 Hz PWM whose pulse is minUs..maxUs for 0..rangeDeg degrees.
 *   - hbridge:  one PWM speed/enable pin plus a direction pin IN1 (and optionally IN2 = !IN1),
 *               for L298N / TB6612-style drivers. v in inMin..inMax (default -1..1); the sign
 *               picks the direction, |v| the duty; 0 coasts (PWM 0, IN1 = IN2 = 0).
 *   - hbridge2: two PWM inputs (DRV8833 style): v > 0 drives A, v < 0 drives B.
 *   - digital (motor): pin high when v >= the middle of inMin..inMax.
 * The simulator never loads this file (board-sim.ts maps everything to io-sim.ts).
 * ESP32 note: LEDC has a limited number of timers, so keep the number of distinct `hz` values small.
 */
import Analog from "embedded:io/analog";
import Digital from "embedded:io/digital";
import PWM from "embedded:io/pwm";
import type { MotorDriver, MotorIo, SensorDriver, SensorIo } from "./io-types";
import { LogMotor, WaveSensor } from "./io-sim";

/** Servo frame period at 50 Hz, microseconds. */
const SERVO_PERIOD_US_AT_50HZ = 20_000;

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

class AnalogSensor implements SensorDriver {
  readonly label: string;
  private readonly adc: Analog;
  private readonly k: number;
  constructor(private readonly spec: SensorIo) {
    this.adc = new Analog({ pin: spec.pin });
    const fullScale = 2 ** this.adc.resolution - 1;
    this.k = spec.normalize ? spec.scale / fullScale : spec.scale;
    this.label = `analog pin ${spec.pin} (${this.adc.resolution}-bit)`;
  }
  read(): number {
    return this.adc.read() * this.k + this.spec.offset;
  }
  close(): void {
    (this.adc as unknown as { close(): void }).close();
  }
}

class DigitalSensor implements SensorDriver {
  readonly label: string;
  private readonly pin: Digital;
  constructor(private readonly spec: SensorIo) {
    const mode = spec.pull === "up" ? Digital.InputPullUp : spec.pull === "down" ? Digital.InputPullDown : Digital.Input;
    this.pin = new Digital({ pin: spec.pin, mode });
    this.label = `digital in pin ${spec.pin}` + (spec.pull === "none" ? "" : ` pull-${spec.pull}`) + (spec.invert ? " inverted" : "");
  }
  read(): number {
    const level = this.pin.read() ^ (this.spec.invert ? 1 : 0);
    return level * this.spec.scale + this.spec.offset;
  }
  close(): void {
    this.pin.close();
  }
}

/** A PWM output with duty as a 0..1 fraction. */
class Duty {
  private readonly pwm: PWM;
  private readonly max: number;
  constructor(pin: number, hz: number) {
    this.pwm = new PWM({ pin, hz });
    this.max = 2 ** this.pwm.resolution - 1;
  }
  set(fraction: number): void {
    this.pwm.write(Math.round(clamp01(fraction) * this.max));
  }
  close(): void {
    (this.pwm as unknown as { close(): void }).close();
  }
}

class PwmMotor implements MotorDriver {
  readonly label: string;
  private readonly out: Duty;
  constructor(private readonly spec: MotorIo) {
    this.out = new Duty(spec.pin, spec.hz);
    this.label = `pwm pin ${spec.pin} @ ${spec.hz} Hz`;
  }
  write(v: number): void {
    const s = this.spec;
    const f = clamp01((v - s.inMin) / (s.inMax - s.inMin));
    this.out.set(s.invert ? 1 - f : f);
  }
  close(): void {
    this.out.close();
  }
}

class ServoMotor implements MotorDriver {
  readonly label: string;
  private readonly out: Duty;
  private readonly periodUs: number;
  constructor(private readonly spec: MotorIo) {
    this.out = new Duty(spec.pin, spec.hz);
    this.periodUs = spec.hz === 50 ? SERVO_PERIOD_US_AT_50HZ : 1_000_000 / spec.hz;
    this.label = `servo pin ${spec.pin} ${spec.minUs}..${spec.maxUs} us over ${spec.rangeDeg} deg`;
  }
  write(deg: number): void {
    const s = this.spec;
    let f = clamp01(deg / s.rangeDeg);
    if (s.invert) f = 1 - f;
    this.out.set((s.minUs + f * (s.maxUs - s.minUs)) / this.periodUs);
  }
  close(): void {
    this.out.close();
  }
}

class HBridgeMotor implements MotorDriver {
  readonly label: string;
  private readonly speed: Duty;
  private readonly in1: Digital;
  private readonly in2: Digital | null;
  private readonly mid: number;
  private readonly half: number;
  constructor(private readonly spec: MotorIo) {
    this.speed = new Duty(spec.pin, spec.hz);
    this.in1 = new Digital({ pin: spec.pinB, mode: Digital.Output });
    this.in2 = spec.pinC >= 0 ? new Digital({ pin: spec.pinC, mode: Digital.Output }) : null;
    this.mid = (spec.inMin + spec.inMax) / 2;
    this.half = (spec.inMax - spec.inMin) / 2;
    this.label = `hbridge pwm pin ${spec.pin} dir pin ${spec.pinB}` + (this.in2 ? `/${spec.pinC}` : "") + ` @ ${spec.hz} Hz`;
  }
  write(v: number): void {
    let x = (v - this.mid) / this.half; // -1..1
    if (this.spec.invert) x = -x;
    if (x === 0 || x !== x) {
      this.speed.set(0); // coast; NaN also stops
      this.in1.write(0);
      if (this.in2) this.in2.write(0);
      return;
    }
    const forward = x > 0 ? 1 : 0;
    this.in1.write(forward);
    if (this.in2) this.in2.write(forward ? 0 : 1);
    this.speed.set(x > 0 ? x : -x);
  }
  close(): void {
    this.speed.close();
    this.in1.close();
    if (this.in2) this.in2.close();
  }
}

class HBridge2Motor implements MotorDriver {
  readonly label: string;
  private readonly a: Duty;
  private readonly b: Duty;
  private readonly mid: number;
  private readonly half: number;
  constructor(private readonly spec: MotorIo) {
    this.a = new Duty(spec.pin, spec.hz);
    this.b = new Duty(spec.pinB, spec.hz);
    this.mid = (spec.inMin + spec.inMax) / 2;
    this.half = (spec.inMax - spec.inMin) / 2;
    this.label = `hbridge2 pwm pins ${spec.pin}/${spec.pinB} @ ${spec.hz} Hz`;
  }
  write(v: number): void {
    let x = (v - this.mid) / this.half;
    if (this.spec.invert) x = -x;
    if (x > 0) {
      this.b.set(0);
      this.a.set(x);
    } else if (x < 0) {
      this.a.set(0);
      this.b.set(-x);
    } else {
      this.a.set(0); // coast; NaN also lands here
      this.b.set(0);
    }
  }
  close(): void {
    this.a.close();
    this.b.close();
  }
}

class DigitalMotor implements MotorDriver {
  readonly label: string;
  private readonly pin: Digital;
  private readonly threshold: number;
  constructor(private readonly spec: MotorIo) {
    this.pin = new Digital({ pin: spec.pin, mode: Digital.Output });
    this.threshold = (spec.inMin + spec.inMax) / 2;
    this.label = `digital out pin ${spec.pin}` + (spec.invert ? " active-low" : "");
  }
  write(v: number): void {
    const on = v >= this.threshold ? 1 : 0;
    this.pin.write(this.spec.invert ? ((1 - on) as 0 | 1) : on);
  }
  close(): void {
    this.pin.close();
  }
}

/** Opens the sensor driver a spec names. Throws (setup) when a pin cannot be opened. */
export function openHwSensor(spec: SensorIo): SensorDriver {
  switch (spec.driver) {
    case "analog":
      return new AnalogSensor(spec);
    case "digital":
      return new DigitalSensor(spec);
    default:
      return new WaveSensor(spec);
  }
}

/** Opens the motor driver a spec names. Throws (setup) when a pin cannot be opened. */
export function openHwMotor(spec: MotorIo): MotorDriver {
  switch (spec.driver) {
    case "pwm":
      return new PwmMotor(spec);
    case "servo":
      return new ServoMotor(spec);
    case "hbridge":
      return new HBridgeMotor(spec);
    case "hbridge2":
      return new HBridge2Motor(spec);
    case "digital":
      return new DigitalMotor(spec);
    default:
      return new LogMotor(spec);
  }
}
