/*
 * setup-network: replaces Moddable's `setup/network` on boards (mapped to that specifier in
 * manifest.json).
 *
 * Theory of operation: Moddable runs every preloaded `setup/*` module before main and waits
 * for each to call `done`. The stock network setup joins Wi-Fi and calls `done` only once an
 * address arrives, so a robot that boots while its access point is down would never start,
 * and a wrong password would hang it silently. brainstem's own Wi-Fi supervisor
 * (net-wifi.ts) joins, retries and restarts the link, so this step just lets main run.
 */
export default function setupNetwork(done: () => void): void {
  done();
}
