/*
 * board-sim: the Board of the Moddable desktop simulators (lin, mac, win).
 *
 * Theory of operation: no pins and no radio. Every sensor element is a deterministic
 * waveform, every motor element is logged (io-sim.ts). The network is the computer's, always
 * up; a network restart request is logged and otherwise a no-op (the agent reconnects anyway);
 * a reboot is refused, so main.ts restarts the agent in place instead.
 */
import type { Board, Network } from "./board-types";
import type { LogFn } from "./io-types";
import { openSimMotor, openSimSensor } from "./io-sim";

class HostNetwork implements Network {
  readonly up = true;
  constructor(private readonly log: LogFn) {}
  restart(): void {
    this.log(2, "network restart requested: the simulator uses the computer's network, nothing to restart");
  }
  close(): void {}
}

export const board: Board = Object.freeze({
  name: "simulator",
  simulated: true,
  openSensor: openSimSensor,
  openMotor: openSimMotor,
  openNetwork: (_ssid, _password, log) => new HostNetwork(log),
  reboot: () => false,
});
