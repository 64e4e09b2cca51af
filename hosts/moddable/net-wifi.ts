/*
 * net-wifi: keeps a board on Wi-Fi, and restarts the link when the agent asks.
 *
 * Theory of operation: the manifest replaces Moddable's `setup/network` (which would block
 * main until the first join succeeds, and never retry) with setup-network.js, so main starts
 * at once and this supervisor owns Wi-Fi from boot. It holds an ECMA-419 Wi-Fi interface
 * (embedded:network/interface/wifi), watches `connection` (200 down, 300 connecting,
 * 400 associated, 500 has an address), reports up/down edges to main (which holds or fails
 * the transport), and (re-)joins with a doubling delay (1 s .. 32 s) until an address arrives.
 * `restart()` is escalation step 2: disconnect, wait a second, join again.
 * With no `ssid` configured the supervisor trusts whatever link the port has (Ethernet, or a
 * network set up elsewhere) and reports it as up.
 */
import WiFi from "embedded:network/interface/wifi";
import Timer from "timer";
import type { Network, NetworkEvents } from "./board-types";
import type { LogFn } from "./io-types";

const REJOIN_FIRST_MS = 1000;
const REJOIN_MAX_MS = 32_000;
const RESTART_PAUSE_MS = 1000;
const CONNECTION_HAS_ADDRESS = 500;
const CONNECTION_CONNECTING = 300;

export class WiFiNetwork implements Network {
  private readonly wifi: WiFi | null = null;
  private isUp = false;
  private rejoinMs = REJOIN_FIRST_MS;
  private timer: Timer | null = null;

  constructor(
    private readonly ssid: string,
    private readonly password: string,
    private readonly log: LogFn,
    private readonly events: NetworkEvents,
  ) {
    if (ssid === "") {
      log(2, "no ssid in mc/config: assuming the network is configured elsewhere (pass ssid=... password=... to mcconfig)");
      this.isUp = true;
      return;
    }
    this.wifi = new WiFi({ onChanged: () => this.changed() });
    this.isUp = this.wifi.connection >= CONNECTION_HAS_ADDRESS;
    if (this.isUp) log(1, `Wi-Fi "${ssid}" up, address ${this.wifi.address}`);
    else this.join();
  }

  get up(): boolean {
    return this.isUp;
  }

  restart(): void {
    const wifi = this.wifi;
    if (wifi === null) {
      this.log(2, "network restart requested, but no ssid is configured: nothing to restart");
      return;
    }
    this.log(2, `network restart: leaving "${this.ssid}"`);
    try {
      wifi.disconnect();
    } catch {
      // not connected
    }
    this.setDown();
    this.rejoinMs = REJOIN_FIRST_MS;
    this.schedule(RESTART_PAUSE_MS);
  }

  close(): void {
    Timer.clear(this.timer);
    this.timer = null;
    this.wifi?.close();
  }

  private changed(): void {
    const wifi = this.wifi!;
    const c = wifi.connection;
    if (c >= CONNECTION_HAS_ADDRESS) {
      if (!this.isUp) {
        this.isUp = true;
        this.rejoinMs = REJOIN_FIRST_MS;
        Timer.clear(this.timer);
        this.timer = null;
        this.log(1, `Wi-Fi "${this.ssid}" up, address ${wifi.address}`);
        this.events.onUp();
      }
    } else if (c < CONNECTION_CONNECTING) {
      if (this.isUp) this.log(2, `Wi-Fi "${this.ssid}" lost`);
      this.setDown();
      if (this.timer === null) this.schedule(this.rejoinMs);
    }
  }

  private setDown(): void {
    if (!this.isUp) return;
    this.isUp = false;
    this.events.onDown();
  }

  private schedule(delayMs: number): void {
    Timer.clear(this.timer);
    this.timer = Timer.set(() => {
      this.timer = null;
      this.join();
    }, delayMs);
  }

  private join(): void {
    const wifi = this.wifi!;
    const c = wifi.connection;
    if (c >= CONNECTION_HAS_ADDRESS) return;
    if (c >= CONNECTION_CONNECTING) {
      // Still associating since the last attempt: start over.
      try {
        wifi.disconnect();
      } catch {
        // ignore
      }
    }
    this.log(1, `Wi-Fi: joining "${this.ssid}"`);
    try {
      wifi.connect(this.password ? { SSID: this.ssid, password: this.password } : { SSID: this.ssid });
    } catch (e) {
      this.log(2, `Wi-Fi: join failed: ${e}`);
    }
    // Try again later unless an address arrives first (changed() clears the timer).
    this.schedule(this.rejoinMs);
    this.rejoinMs = this.rejoinMs * 2 > REJOIN_MAX_MS ? REJOIN_MAX_MS : this.rejoinMs * 2;
  }
}
