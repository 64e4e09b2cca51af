/*
 * The board config parser (hosts/moddable/settings.ts) and the setup-time text checks it and
 * the Moddable transport use (hex keys, agent ids, IPv4 literals), on V8 and on XS.
 *
 * Vectors: manifest.json's own "config" (as mcconfig merges it for the simulator) must parse and
 * pass the agent's validation; every
 * command-line override arrives as a string (mcconfig key=value) and must coerce; each bad
 * config must be rejected with a message that names the field. These modules import nothing
 * from Moddable, so the suite bundles for XS like the src/ suites.
 */
import demoKeys from "../../brain/keys.example.json";
import manifest from "../../manifest.json";
import { isIpv4Literal } from "../../hosts/moddable/address";
import { parseSettings } from "../../hosts/moddable/settings";
import { resolveAgentConfig } from "../../src/agent/config";
import { fromHex, isHexDigits } from "../../src/codec/bytes";
import type { Check } from "../helpers/suite";

type Json = Record<string, unknown>;

/** mcconfig's merge of a platform section's config into the base config: objects and arrays merge key by key, anything else replaces. */
function mergeInto(target: Json, source: Json): void {
  for (const name in source) {
    const t = target[name];
    const v = source[name];
    if (t && v && typeof t === "object" && typeof v === "object") mergeInto(t as Json, v as Json);
    else target[name] = v;
  }
}

/** The mc/config that `mcconfig -p <platform>` bakes from manifest.json (its own "config" block only). */
export function manifestConfigFor(section: string): Json {
  const out = JSON.parse(JSON.stringify(manifest.config)) as Json;
  const platform = (manifest.platforms as Record<string, { config?: Json }>)[section];
  if (platform?.config !== undefined) mergeInto(out, JSON.parse(JSON.stringify(platform.config)) as Json);
  return out;
}

/** The simulator's config, the base of every vector below. */
const BASE = manifestConfigFor("lin");

/** Parses BASE with `overrides`; returns the error message, or "" when it parsed. */
function problemsOf(overrides: Record<string, unknown>): string {
  try {
    parseSettings({ ...BASE, ...overrides });
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

/** [overrides (as mcconfig passes them: strings), the field named in the error]. */
const BAD: [Record<string, unknown>, string][] = [
  [{ key: "" }, "key:"],
  [{ key: "00".repeat(15) }, "key:"], // 15 bytes: too short
  [{ key: "00".repeat(65) }, "key:"], // 65 bytes: too long
  [{ key: "0".repeat(33) }, "key:"], // odd digit count
  [{ key: "zz" + "00".repeat(31) }, "key:"],
  [{ brokerPort: "0" }, "brokerPort:"],
  [{ brokerPort: "65536" }, "brokerPort:"],
  [{ brokerPort: "http" }, "brokerPort:"],
  [{ logLevel: "4" }, "logLevel:"],
  [{ logLevel: "1.5" }, "logLevel:"],
  [{ hmac: "fast" }, "hmac:"],
  [{ session: "{not json" }, "session:"],
  [{ session: '{"heartbeatIntervalMs": "x"}' }, "session.heartbeatIntervalMs:"],
  [{ channels: "[]" }, "channels:"],
  [{ channels: '[{"id": 1, "kind": "sensor"}]' }, "channels[0].name:"],
  [{ channels: '[{"id": 1, "name": "a", "kind": "wheel"}]' }, "channels[0].kind:"],
  [{ channels: '[{"id": 1, "name": "a", "io": {"driver": "analog"}}]' }, "channels[0].io.pin:"],
  [{ channels: '[{"id": 1, "name": "a", "io": {"driver": "analog", "pin": "nowhere"}}]' }, "channels[0].io.pin:"],
  [{ channels: '[{"id": 1, "name": "a", "count": 2, "io": [{}]}]' }, "channels[0].io:"],
  [{ channels: '[{"id": 9, "name": "m", "kind": "motor", "io": {"driver": "hbridge", "pin": 4}}]' }, "channels[0].io.dirPin:"],
  [{ channels: '[{"id": 9, "name": "m", "kind": "motor", "io": {"driver": "servo", "pin": 4, "minUs": 2000, "maxUs": 1000}}]' }, "channels[0].io.maxUs:"],
  [{ pins: '{"x": 300}' }, "pins.x:"],
  [{ session: '"fast"' }, "session:"],
  // The agent's and the session's own validation, found by parseSettings before anything starts.
  [{ session: '{"heartbeatIntervalMs": 5}' }, "session.heartbeatIntervalMs: 5 is outside"],
  [{ session: '{"heartbeatIntervalMS": 1000}' }, "session.heartbeatIntervalMS: unknown session setting"],
  [{ session: '{"backoffBaseMs": 5000, "backoffMaxMs": 1000}' }, "session.backoffBaseMs:"],
  [{ session: '{"linkSilenceMs": 1000}' }, "session.linkSilenceMs:"],
  [{ sensorRateHz: "0" }, "sensorRateHz:"],
  [{ agentId: "bot 1" }, "agentId:"],
  [{ agentId: "" }, "agentId:"],
  [{ agentId: "x".repeat(21) }, "agentId:"],
  [{ firmwareVersion: "v".repeat(65) }, "firmwareVersion:"],
  [{ channels: '[{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]' }, "channels[1].id: 1 is used twice"],
  [{ channels: '[{"id": 9, "name": "m", "kind": "motor", "io": {"driver": "log"}}]' }, "channels: at least one sensor channel"],
  [{ channels: '[{"id": 1, "name": "a"}, {"id": 9, "name": "m", "kind": "motor", "count": 2, "safe": [0], "io": {"driver": "log"}}]' }, "channels[1].safe:"],
  [{ channels: '[{"id": 1, "name": "a", "count": 400, "io": {"driver": "wave"}}]' }, "over maxFrameBytes"],
  // The broker list.
  [{ brokers: "10.0.0.5:1883", brokerHost: "10.0.0.6" }, "brokers: give either"],
  [{ brokers: "10.0.0.5:1883,10.0.0.6:0" }, "brokers[1]:"],
  [{ brokers: '["10.0.0.5", 7]' }, "brokers[1]:"],
  [{ brokers: "[not json" }, "brokers:"],
  [{ brokers: '{"a": 1}' }, "brokers[0]:"],
];

/** [brokers as mcconfig passes it, the list the agent gets]. */
const BROKER_LISTS: [string, string[]][] = [
  ["10.0.0.5", ["10.0.0.5"]],
  ["10.0.0.5:1884,broker.local", ["10.0.0.5:1884", "broker.local"]],
  [" 10.0.0.5 , 10.0.0.6:1885 ", ["10.0.0.5", "10.0.0.6:1885"]],
  ['["10.0.0.5:1883", "10.0.0.6"]', ["10.0.0.5:1883", "10.0.0.6"]],
];

const IPV4: [string, boolean][] = [
  ["127.0.0.1", true],
  ["192.168.1.20", true],
  ["255.255.255.255", true],
  ["0.0.0.0", true],
  ["256.1.1.1", false],
  ["1.2.3", false],
  ["1.2.3.4.5", false],
  ["1..3.4", false],
  ["1.2.3.", false],
  [".1.2.3", false],
  ["1234.1.1.1", false],
  ["broker.local", false],
  ["", false],
  ["1.2.3.4 ", false],
];

const AGENT_IDS: [string, boolean][] = [
  ["demo1", true],
  ["bot_1-A", true],
  ["a", true],
  ["x".repeat(20), true],
  ["x".repeat(21), false],
  ["", false],
  ["bot 1", false],
  ["bot/1", false],
  ["bot+1", false],
  ["bøt", false],
];

export function run(check: Check): void {
  // manifest.json's defaults are a working config.
  check.is(problemsOf({}), "", "the simulator's manifest config parses");
  const s = parseSettings(BASE);
  check.is(s.agent.agentId, "demo1", "manifest agentId");
  // The simulator runs against a plain `npm run brain`: the default agent is the brain's demo agent.
  check.bytes(s.agent.key, fromHex(demoKeys.agents.demo1), "manifest key is the brain's demo1 key");
  check.is(s.hmac, "native", "manifest hmac");
  check.is(s.io.length, (BASE.channels as unknown[]).length, "one IO entry per channel");
  const resolved = resolveAgentConfig(s.agent);
  check.is(resolved.problems.join("; "), "", "manifest config passes the agent's own validation");

  // Command-line overrides are strings.
  const o = parseSettings({ ...BASE, logLevel: "2", brokerPort: "1884", tickMaxMs: "250", hmac: "native", session: '{"heartbeatIntervalMs": 2000}', sensorRateHz: "50" });
  check.is(o.agent.logLevel, 2, "logLevel from a string");
  check.is(o.agent.brokerPort, 1884, "brokerPort from a string");
  check.is(o.tickMaxMs, 250, "tickMaxMs from a string");
  check.is(o.hmac, "native", "hmac override");
  check.is(o.agent.session?.heartbeatIntervalMs, 2000, "session from a JSON string");
  check.is(o.agent.session?.sensorRateHz, 50, "sensorRateHz at the top level");

  // The broker: 127.0.0.1:1883 by default (a plain npm run brain), one host, or a list.
  check.is(`${s.agent.brokerHost}:${s.agent.brokerPort}`, "127.0.0.1:1883", "default broker");
  check.is(s.agent.brokers, undefined, "no list by default");
  for (const [brokers, want] of BROKER_LISTS) {
    const b = parseSettings({ ...BASE, brokers });
    check.is(JSON.stringify(b.agent.brokers), JSON.stringify(want), `brokers=${brokers}`);
    check.is(b.agent.brokerHost, undefined, `brokers=${brokers}: no brokerHost`);
    check.is(resolveAgentConfig(b.agent).config?.brokers.length, want.length, `brokers=${brokers}: the agent takes the list`);
  }
  const one = parseSettings({ ...BASE, brokerHost: "10.0.0.7", brokerPort: "1999" });
  check.is(`${one.agent.brokerHost}:${one.agent.brokerPort}`, "10.0.0.7:1999", "brokerHost and brokerPort");

  for (const [overrides, field] of BAD) {
    const msg = problemsOf(overrides);
    check.ok(msg.indexOf(field) >= 0, `${JSON.stringify(overrides)}: error names ${field} (got ${JSON.stringify(msg)})`);
  }
  // Every problem at once, in one error: the parser's and the agent's.
  const many = problemsOf({ key: "", brokerPort: "0", hmac: "x", agentId: "bot 1", session: '{"heartbeatIntervalMs": 5, "heartbeatIntervalMS": 1000}' });
  for (const field of ["key:", "brokerPort:", "hmac:", "agentId:", "session.heartbeatIntervalMs:", "session.heartbeatIntervalMS:"])
    check.ok(many.indexOf("\n  " + field) >= 0, `all problems in one error: ${field} (got ${JSON.stringify(many)})`);
  // A field that both the parser and the agent reject is listed once.
  check.is(many.split("\n  key:").length - 1, 1, `key listed once (got ${JSON.stringify(many)})`);
  check.is(problemsOf({ agentId: "bot 1" }).split("\n").length, 2, "one bad field: a header line and one problem line");

  for (const [host, want] of IPV4) check.is(isIpv4Literal(host), want, `isIpv4Literal(${JSON.stringify(host)})`);
  for (const [id, want] of AGENT_IDS) {
    const r = resolveAgentConfig({ ...s.agent, agentId: id });
    check.is(r.problems.some((p) => p.indexOf("agentId:") === 0), !want, `agent id ${JSON.stringify(id)}`);
  }

  check.bytes(fromHex("00 0a\nFf\t10"), new Uint8Array([0, 10, 255, 16]), "fromHex skips whitespace, either case");
  check.is(fromHex("").length, 0, "fromHex empty");
  for (const bad of ["0", "0g", "0x00"]) {
    let threw = false;
    try {
      fromHex(bad);
    } catch {
      threw = true;
    }
    check.ok(threw, `fromHex(${JSON.stringify(bad)}) throws`);
  }
  check.is(isHexDigits("09afAF"), true, "isHexDigits all digits");
  check.is(isHexDigits(""), false, "isHexDigits empty");
  check.is(isHexDigits("0g"), false, "isHexDigits non-hex");
}
