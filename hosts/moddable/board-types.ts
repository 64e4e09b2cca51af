/*
 * board-types: what main.ts needs from the place it runs, behind one `Board` object.
 *
 * Theory of operation: the manifest maps the module "hosts/moddable/board" to board-device.ts
 * on microcontrollers (ECMA-419 IO, Wi-Fi, System.restart) and to board-sim.ts in the desktop
 * simulators (waveform sensors, logged motors, no Wi-Fi, no reboot). main.ts imports only
 * that specifier, so the same main runs in both places and the type checker sees one shape.
 */
import type { LogFn, MotorDriver, MotorIo, SensorDriver, SensorIo } from "./io-types";

/** The network link under the transport (Wi-Fi on a board, the host's network in the simulator). */
export interface Network {
  /** True when the device has an IP address. */
  readonly up: boolean;
  /** Drops and re-joins the network (escalation step 2). */
  restart(): void;
  close(): void;
}

/** Called by a Network when its state changes. */
export interface NetworkEvents {
  onUp(): void;
  onDown(): void;
}

export interface Board {
  /** "simulator" or the device family, for the startup log. */
  readonly name: string;
  /** True in the desktop simulators: sensors are waveforms, motors are logged. */
  readonly simulated: boolean;
  openSensor(spec: SensorIo): SensorDriver;
  openMotor(spec: MotorIo): MotorDriver;
  openNetwork(ssid: string, password: string, log: LogFn, events: NetworkEvents): Network;
  /** Restarts the device. Returns false where that is not possible (the simulator). */
  reboot(): boolean;
}
