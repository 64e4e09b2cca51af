/*
 * The built-in page at `/` in a real browser: Debian's Chromium driven by playwright-core,
 * started by the test with a fresh profile. A laptop agent registers with a brain that caps
 * its sensor rate; the page must show it active, explain the clock offset and the rate cap
 * (both numbers), plot its channels with uPlot (the plot advances), and drain it from the
 * button. The screenshot is saved to build/test-artifacts/page.png and its path printed.
 * Skipped, with a message, only when /usr/bin/chromium is not installed.
 */
import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startBrain } from "../brain/index.ts";
import { DemoController } from "../brain/demo-controller.ts";
import { NodeAgent } from "../hosts/node/node-agent.ts";
import type { ChannelConfig } from "../src/agent/config.ts";
import { until } from "../testkit/until.ts";

/** until() for conditions the browser answers asynchronously. */
async function untilPage(what: string, pred: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACT = join(new URL("..", import.meta.url).pathname, "build", "test-artifacts", "page.png");
const key = new Uint8Array(32).fill(9);
const channels: ChannelConfig[] = [
  { id: 1, name: "distance", unit: "m", kind: "sensor", type: "f32", count: 1 },
  { id: 2, name: "bumpers", kind: "sensor", type: "u8", count: 2 },
  { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
  { id: 11, name: "head", unit: "deg", kind: "motor", type: "f32", count: 1, safe: [90] },
];

if (!existsSync(CHROMIUM)) console.log(`live-page: ${CHROMIUM} is not installed (apt-get install chromium): the browser test is skipped`);

(existsSync(CHROMIUM) ? test : test.skip)("page: agent goes active, clock and rate cap explained, plots advance, drain works (Chromium)", async (t) => {
  const brain = await startBrain({ keys: new Map([["page1", key]]), brokerPort: 0, httpPort: 0, maxSensorHz: 10, log: () => undefined, controller: new DemoController({ log: () => undefined }) });
  t.teardown(() => brain.close());
  const port = Number(new URL(brain.brokerUrl).port);
  const agent = new NodeAgent({
    config: { agentId: "page1", key, brokerHost: "127.0.0.1", brokerPort: port, channels, session: { sensorRateHz: 20 } },
    sampleSensors: (a, now) => {
      a.sensorArray(1)[0] = 1.5 + Math.sin(now / 500);
    },
  });
  agent.start();
  t.teardown(() => agent.stop());

  const profile = mkdtempSync(join(tmpdir(), "bs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(brain.pageUrl);

  const card = page.locator('[data-agent="page1"]');
  await card.locator('.phase[data-phase="active"]').waitFor({ timeout: 15_000 });
  const text = await card.innerText();
  t.regex(text, /clock offset -?\d+ ms = device clock minus brain clock \(arbitrary: the device counts from its own boot/);
  t.regex(text, /the brain caps the sensor rate: the device asks for 20 Hz, the brain allows 10 Hz/);
  t.regex(text, /RTT\s+\d+ ms/);

  const plot = card.locator('.plot[data-channel="distance"]');
  await plot.locator("canvas").first().waitFor({ timeout: 10_000 });
  const points = async () => Number(await plot.getAttribute("data-points"));
  await untilPage("the distance plot has points", async () => (await points()) > 0, 10_000);
  const before = await points();
  await untilPage("the distance plot advances", async () => (await points()) >= before + 5, 10_000);
  t.true((await points()) > before);
  t.is(await card.locator(".plot").count(), 4, "one plot per channel (head too, though the demo never moves it)");
  t.regex((await card.locator('.plot[data-channel="distance"] .u-title').innerText()).trim(), /^distance \(m\) · sensor f32×1$/);

  mkdirSync(join(ARTIFACT, ".."), { recursive: true });
  await page.screenshot({ path: ARTIFACT, fullPage: true });
  console.log(`live-page: screenshot saved to ${ARTIFACT}`);

  await card.locator("button.drain").click();
  await card.locator('.phase:not([data-phase="active"])').waitFor({ timeout: 10_000 });
  await until("the brain saw the drain through", () => ["draining", "deregistered"].includes(brain.agents().find((a) => a.id === "page1")!.phase), 10_000);
  await untilPage("the event log shows the drain", async () => (await page.locator("#events").innerText()).includes("page1 drain: operator drain, retry after 5000 ms"), 5000);
  t.deepEqual(errors, [], "no script errors on the page");
});
