/*
 * main: the firmware's entry point (the manifest's "creation.main").
 *
 * Theory of operation: this is the only module that reads `mc/config`, the config block that
 * mcconfig builds from manifest.json plus command-line overrides (`ssid=… brokerHost=…`). It
 * turns that into plain settings (settings.ts), picks the Board that the manifest mapped for
 * this platform ("hosts/moddable/board": a microcontroller or the simulator) and starts the
 * firmware. Moddable calls the default export once the `setup/*` modules are done.
 * `parseSettings` runs every check there is, the agent's and the session's included, before
 * anything starts: a bad config is logged here with every problem listed, and the firmware
 * does not start (no timer, no agent, no network, pins untouched) rather than abort into a
 * reboot loop.
 */
import config from "mc/config";
import { board } from "hosts/moddable/board";
import { Firmware } from "./firmware";
import { parseSettings } from "./settings";

export default function main(): void {
  let settings;
  try {
    settings = parseSettings(config as unknown as Record<string, unknown>);
  } catch (e) {
    trace(`${(e as Error).message}\nbrainstem: not started; fix the config and rebuild\n`);
    return;
  }
  new Firmware(settings, board).start();
}
