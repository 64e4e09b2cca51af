/*
 * session-config.suite: `checkAgentConfig` finds every problem of an agent config, the
 * session's included, without building an Agent, and never throws. V8 and XS
 * (test/session-config.test.ts).
 *
 * Each vector: a name, a config (built from a valid base), and the exact list of fields that
 * must be reported (each problem line starts with its field). A valid config reports nothing.
 */
import { checkAgentConfig, resolveAgentConfig, type AgentConfigInput } from "../../src/agent/config";
import type { Check } from "../helpers/suite";

const KEY = new Uint8Array(32).fill(1);

function base(): Record<string, unknown> {
  return {
    agentId: "bot1", key: KEY, brokerHost: "10.0.0.5", brokerPort: 1883,
    channels: [
      { id: 0, name: "imu", kind: "sensor", type: "f32", count: 6 },
      { id: 10, name: "wheels", kind: "motor", type: "f32", count: 2, safe: [0, 0] },
    ],
  };
}

function withConfig(patch: Record<string, unknown>): unknown {
  const c = base();
  for (const k of Object.keys(patch)) {
    if (patch[k] === undefined) delete c[k];
    else c[k] = patch[k];
  }
  return c;
}

export const vectors: ReadonlyArray<readonly [name: string, config: unknown, fields: readonly string[]]> = [
  ["valid", base(), []],
  ["valid with a broker list", withConfig({ brokerHost: undefined, brokerPort: undefined, brokers: ["10.0.0.5:1883", "b.local", "c:8883"] }), []],
  ["agentId with a space", withConfig({ agentId: "bot 1" }), ["agentId"]],
  ["agentId too long", withConfig({ agentId: "a".repeat(21) }), ["agentId"]],
  ["heartbeat interval far too short (session='{\"heartbeatIntervalMs\":5}')", withConfig({ session: { heartbeatIntervalMs: 5 } }), ["session.heartbeatIntervalMs"]],
  ["misspelt session key", withConfig({ session: { heartbeatIntervalMS: 1000 } }), ["session.heartbeatIntervalMS"]],
  ["out-of-range timings, each reported", withConfig({ session: { transitionTimeoutMs: 10, drainTimeoutMs: 1, failedRetryMs: 5, stableSessionMs: 0 } }),
    ["session.transitionTimeoutMs", "session.drainTimeoutMs", "session.failedRetryMs", "session.stableSessionMs"]],
  ["failedRetryMs 0 means never (valid)", withConfig({ session: { failedRetryMs: 0 } }), []],
  ["a timing that is not a whole number", withConfig({ session: { keepAliveS: 2.5 } }), ["session.keepAliveS"]],
  ["inconsistent timings", withConfig({ session: { backoffBaseMs: 50_000, backoffMaxMs: 10_000 } }), ["session.backoffBaseMs"]],
  ["session not an object", withConfig({ session: "fast" }), ["session"]],
  ["misspelt top-level key", withConfig({ brokerhost: "x" }), ["brokerhost"]],
  ["no broker at all", withConfig({ brokerHost: undefined, brokerPort: undefined }), ["brokerHost"]],
  ["broker port out of range", withConfig({ brokerPort: 70000 }), ["brokerPort"]],
  ["both a broker list and brokerHost", withConfig({ brokers: ["a:1"] }), ["brokers"]],
  ["bad broker list entries", withConfig({ brokerHost: undefined, brokerPort: undefined, brokers: [":1883", "a:0", "a:x", 7] }),
    ["brokers[0]", "brokers[1]", "brokers[2]", "brokers[3]"]],
  ["empty broker list", withConfig({ brokerHost: undefined, brokerPort: undefined, brokers: [] }), ["brokers"]],
  ["key too short", withConfig({ key: new Uint8Array(4) }), ["key"]],
  ["no channels", withConfig({ channels: [] }), ["channels"]],
  ["a channel that is not an object, and one with every field wrong", withConfig({ channels: [null, { id: 300, kind: "servo", type: "f16", count: 0, rateHz: -1 }] }),
    ["channels[0]", "channels[1].name", "channels[1].id", "channels[1].kind", "channels[1].type", "channels[1].count", "channels[1].rateHz", "channels"]],
  ["many problems at once", withConfig({ agentId: "bot 1", brokerPort: 0, logLevel: 9, session: { heartbeatMissLimit: 0, bogus: 1 } }),
    ["agentId", "brokerPort", "logLevel", "session.heartbeatMissLimit", "session.bogus"]],
  ["not an object at all", null, ["config"]],
  ["a number", 42, ["config"]],
];

function fieldOf(problem: string): string {
  const colon = problem.indexOf(":");
  return colon < 0 ? problem : problem.slice(0, colon);
}

export function run(check: Check): void {
  for (const [name, config, fields] of vectors) {
    let problems: string[] = [];
    let threw = "";
    try {
      problems = checkAgentConfig(config);
    } catch (e) {
      threw = String((e as Error)?.message ?? e);
    }
    check.is(threw, "", `${name}: never throws`);
    check.is(problems.map(fieldOf).join(" | "), fields.join(" | "), `${name}: fields reported (${problems.join("; ")})`);
    // The same list as the Agent constructor would throw, and a valid config resolves.
    const resolved = config !== null && typeof config === "object" ? resolveAgentConfig(config as AgentConfigInput) : null;
    if (resolved) check.is(resolved.config === null, fields.length > 0, `${name}: resolves exactly when there is no problem`);
  }
  const list = resolveAgentConfig(withConfig({ brokerHost: undefined, brokerPort: undefined, brokers: ["10.0.0.5:1883", "b.local", "c:8883"] }) as AgentConfigInput).config;
  check.is(list?.brokers.map((b) => `${b.host}:${b.port}`).join(" "), "10.0.0.5:1883 b.local:1883 c:8883", "broker list parsed, port 1883 by default");
  const one = resolveAgentConfig(base() as unknown as AgentConfigInput).config;
  check.is(one?.brokers.map((b) => `${b.host}:${b.port}`).join(" "), "10.0.0.5:1883", "brokerHost/brokerPort is a one-entry list");
}
