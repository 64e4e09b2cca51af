/*
 * setup-network: replaces Moddable's `setup/network` on boards (manifest_setup.json maps it).
 *
 * Theory of operation: Moddable runs every preloaded `setup/*` module before main and waits
 * for each to call `done`. The stock network step joins Wi-Fi and calls `done` only once an
 * address arrives, so a robot that boots while its access point is down, or with a wrong
 * password, would never start and never retry. brainstem's own Wi-Fi supervisor
 * (net-wifi.ts) joins, retries and restarts the link, so this step lets main run at once.
 *
 * Why JavaScript: mcconfig keeps the FIRST module mapped to a specifier, and only among files
 * of the same language. manifest_setup.json is included before manifest_net.json, so this
 * file wins over the stock setup/network.js; a .ts file would instead be built alongside it
 * as a duplicate module.
 */
export default function setupNetwork(done) {
	done();
}
