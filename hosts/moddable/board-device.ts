/*
 * board-device: the Board of a microcontroller (ESP32, Raspberry Pi Pico W).
 *
 * Theory of operation: sensors and motors are ECMA-419 IO drivers (io-hw.ts); the network is
 * the Wi-Fi supervisor (net-wifi.ts); a reboot is `System.restart()` from the ECMA-419 host
 * provider's System object.
 */
import type { Board } from "./board-types";
import { openHwMotor, openHwSensor } from "./io-hw";
import { WiFiNetwork } from "./net-wifi";

export const board: Board = Object.freeze({
  name: "device",
  simulated: false,
  openSensor: openHwSensor,
  openMotor: openHwMotor,
  openNetwork: (ssid, password, log, events) => new WiFiNetwork(ssid, password, log, events),
  reboot: () => {
    System.restart();
    return true;
  },
});
