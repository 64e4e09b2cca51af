/*
 * settings: turns the raw `mc/config` object into plain, checked objects for the agent and the IO.
 *
 * Theory of operation: mcconfig bakes the manifest's "config" block into the frozen module
 * `mc/config`; command-line overrides (`mcconfig ... brokers=10.0.0.5,10.0.0.6 key=…`) arrive as
 * strings. `parseSettings` is the only place that knows that layout. It coerces strings to
 * numbers, booleans, hex keys and JSON (so `channels` and `session` can be overridden on the
 * command line too), fills defaults, and splits each channel entry into the protocol half
 * (`AgentConfigInput.channels`) and the IO half (`ChannelIo`). It then runs the agent's own
 * validation (identity, channel table, session timings and unknown session keys) on the
 * result, so that every problem is known before the firmware starts anything (timer, Wi-Fi,
 * pins). Every problem is collected and reported in one Error, because a bad config is a
 * setup bug that the user should fix in one pass; a field the parser already rejected is not
 * reported twice. Nothing here imports a Moddable module, so it runs and can be tested on any
 * engine. Setup only: it allocates freely.
 */
import { checkAgentConfig, type AgentConfigInput, type ChannelConfig } from "../../src/agent/config";
import { fromHex, isHexDigits } from "../../src/codec/bytes";
import type { ChannelIo, MotorIo, SensorIo, WaveSpec } from "./io-types";

export interface BoardSettings {
  agent: AgentConfigInput;
  io: ChannelIo[];
  /** Longest the host sleeps between ticks even when the agent has no deadline sooner (watchdog tick), ms. */
  tickMaxMs: number;
  /** Period of the memory/counter report in the log, ms; 0 disables it. */
  statsIntervalMs: number;
  /** "native" (default): the C HMAC-SHA256 (hosts/moddable/native); "soft": the TypeScript one. Both allocate nothing. */
  hmac: "native" | "soft";
  /** Wi-Fi credentials (devices); empty when the network is set up otherwise. */
  ssid: string;
  password: string;
}

// Frozen: preloaded module-level data (XS keeps frozen objects in flash with no RAM alias).
const DRIVERS_SENSOR: readonly string[] = Object.freeze(["analog", "digital", "wave"]);
const DRIVERS_MOTOR: readonly string[] = Object.freeze(["pwm", "servo", "hbridge", "hbridge2", "digital", "log"]);
const SHAPES: readonly string[] = Object.freeze(["sine", "triangle", "square", "ramp", "constant"]);
const TYPES: readonly string[] = Object.freeze(["u8", "i8", "u16", "i16", "u32", "i32", "f32", "f64"]);
const PULLS: readonly string[] = Object.freeze(["up", "down", "none"]);
const KINDS: readonly string[] = Object.freeze(["sensor", "motor"]);
const HMACS: readonly string[] = Object.freeze(["native", "soft"]);

/** Reads `raw` (the mc/config object). Returns the settings or throws one Error listing every problem. */
export function parseSettings(raw: Record<string, unknown>): BoardSettings {
  const problems: string[] = [];
  const p = new Reader(raw, "", problems);

  const keyHex = p.str("key", "");
  let key: Uint8Array = new Uint8Array(0);
  if (keyHex.length < 32 || keyHex.length > 128 || keyHex.length % 2 !== 0 || !isHexDigits(keyHex)) problems.push("key: must be 32..128 hex digits (a 16..64-byte device key)");
  else key = fromHex(keyHex);

  let session = p.json("session", {}) as Record<string, unknown>;
  if (typeof session !== "object" || session === null || Array.isArray(session)) {
    problems.push("session: must be an object");
    session = {};
  }
  const sessionOut: Record<string, number> = {};
  for (const name in session) {
    const v = toNumber(session[name]);
    if (v === undefined) problems.push(`session.${name}: must be a number`);
    else sessionOut[name] = v;
  }
  // Convenience: the sensor rate is the knob people change most, so it may sit at the top level.
  if (raw.sensorRateHz !== undefined) sessionOut.sensorRateHz = p.num("sensorRateHz", 10, 1, 1000);

  const pinsRaw = p.json("pins", {});
  const pins: Record<string, number> = {};
  if (typeof pinsRaw !== "object" || pinsRaw === null || Array.isArray(pinsRaw)) problems.push("pins: must be an object of name: GPIO number");
  else
    for (const name in pinsRaw as Record<string, unknown>) {
      const v = toNumber((pinsRaw as Record<string, unknown>)[name]);
      if (v === undefined || !Number.isInteger(v) || v < 0 || v > 255) problems.push(`pins.${name}: must be a GPIO number 0..255`);
      else pins[name] = v;
    }

  const rawChannels = p.json("channels", []);
  const channels: ChannelConfig[] = [];
  const io: ChannelIo[] = [];
  if (!Array.isArray(rawChannels) || rawChannels.length === 0) problems.push("channels: must be a non-empty array");
  else
    rawChannels.forEach((entry: unknown, i: number) => {
      const at = `channels[${i}]`;
      if (typeof entry !== "object" || entry === null) {
        problems.push(`${at}: must be an object`);
        return;
      }
      const c = new Reader(entry as Record<string, unknown>, at + ".", problems);
      const ch: ChannelConfig = {
        id: c.int("id", -1, 0, 255),
        name: c.str("name", ""),
        kind: c.oneOf("kind", "sensor", KINDS) as "sensor" | "motor",
        type: c.oneOf("type", "f32", TYPES) as ChannelConfig["type"],
        count: c.int("count", 1, 1, 4096),
      };
      if (ch.name === "") problems.push(`${at}.name: required`);
      if ((entry as Record<string, unknown>).rateHz !== undefined) ch.rateHz = c.num("rateHz", 10, 0.001, 1000);
      if ((entry as Record<string, unknown>).safe !== undefined) {
        const safe = (entry as Record<string, unknown>).safe;
        if (!Array.isArray(safe) || safe.some((v) => typeof v !== "number")) problems.push(`${at}.safe: must be an array of numbers`);
        else ch.safe = safe as number[];
      }
      channels.push(ch);
      io.push(parseChannelIo(entry as Record<string, unknown>, ch, at, pins, problems));
    });

  const settings: BoardSettings = {
    agent: {
      agentId: p.str("agentId", ""),
      key,
      firmwareVersion: p.str("firmwareVersion", "brainstem/0.1.0 moddable"),
      brokerUsername: p.optStr("brokerUsername"),
      brokerPassword: p.optStr("brokerPassword"),
      maxFrameBytes: p.int("maxFrameBytes", 1024, 64, 65536),
      logLevel: p.int("logLevel", 1, 0, 3),
      channels,
      session: sessionOut,
      ...brokerSettings(raw, p, problems),
    },
    io,
    tickMaxMs: p.int("tickMaxMs", 1000, 1, 60_000),
    statsIntervalMs: p.int("statsIntervalMs", 10_000, 0, 3_600_000),
    hmac: p.oneOf("hmac", "native", HMACS) as "native" | "soft",
    ssid: p.str("ssid", ""),
    password: p.str("password", ""),
  };
  addAgentProblems(settings.agent, problems);
  if (problems.length > 0) throw new Error(`brainstem: invalid mc/config:\n  ${problems.join("\n  ")}`);
  return settings;
}

/** Appends the agent's own validation problems, except for fields the parser already reported. */
function addAgentProblems(agent: AgentConfigInput, problems: string[]): void {
  const reported = problems.map(fieldOf);
  for (const p of checkAgentConfig(agent)) if (reported.indexOf(fieldOf(p)) < 0) problems.push(p);
}

/**
 * The broker(s): `brokers`, a list of "host:port" tried in turn (an array, a JSON array
 * string, or a comma-separated string from the command line: brokers=10.0.0.5,10.0.0.6:1884),
 * or one `brokerHost` and `brokerPort`; neither means 127.0.0.1:1883 (a plain `npm run brain`
 * on this machine). The agent checks the entries and refuses both forms at once.
 */
function brokerSettings(raw: Record<string, unknown>, p: Reader, problems: string[]): Pick<AgentConfigInput, "brokers" | "brokerHost" | "brokerPort"> {
  const out: Pick<AgentConfigInput, "brokers" | "brokerHost" | "brokerPort"> = {};
  const list = raw.brokers;
  if (list !== undefined && list !== "") {
    let brokers: unknown = list;
    if (typeof list === "string") brokers = list.trim().charAt(0) === "[" ? p.json("brokers", []) : list.split(",").map((b) => b.trim());
    if (!Array.isArray(brokers)) problems.push(`brokers: must be a list of "host:port" (got ${JSON.stringify(list)})`);
    else out.brokers = brokers as string[];
  }
  if (raw.brokerHost !== undefined || raw.brokerPort !== undefined || out.brokers === undefined) {
    out.brokerHost = p.str("brokerHost", "127.0.0.1");
    out.brokerPort = p.int("brokerPort", 1883, 1, 65535);
  }
  return out;
}

/** The field a problem line names: "channels[0].id: 300 is outside 0..255" -> "channels[0].id". */
function fieldOf(problem: string): string {
  return problem.slice(0, problem.indexOf(":"));
}

/** The IO half of one channel entry: "io" is one spec (count 1, or shared by every element) or one spec per element. */
function parseChannelIo(entry: Record<string, unknown>, ch: ChannelConfig, at: string, pins: Record<string, number>, problems: string[]): ChannelIo {
  const out: ChannelIo = { id: ch.id, name: ch.name, kind: ch.kind, type: ch.type, count: ch.count, sensors: [], motors: [] };
  const rawIo = entry.io;
  const specs: unknown[] = [];
  if (rawIo === undefined) for (let i = 0; i < ch.count; i++) specs.push({});
  else if (Array.isArray(rawIo)) {
    if (rawIo.length !== ch.count) problems.push(`${at}.io: has ${rawIo.length} entries for ${ch.count} elements`);
    for (const s of rawIo) specs.push(s);
  } else if (typeof rawIo === "object" && rawIo !== null) {
    const pinList = (rawIo as Record<string, unknown>).pins;
    for (let i = 0; i < ch.count; i++) {
      // {"driver": "digital", "pins": [4, 5]} binds one element per pin.
      if (Array.isArray(pinList)) specs.push({ ...(rawIo as object), pin: pinList[i], pins: undefined });
      else specs.push(rawIo);
    }
    if (Array.isArray(pinList) && pinList.length !== ch.count) problems.push(`${at}.io.pins: has ${pinList.length} pins for ${ch.count} elements`);
  } else problems.push(`${at}.io: must be an object or an array`);
  specs.forEach((s, i) => {
    const where = Array.isArray(rawIo) ? `${at}.io[${i}].` : `${at}.io.`;
    if (typeof s !== "object" || s === null) {
      problems.push(`${where.slice(0, -1)}: must be an object`);
      return;
    }
    const r = new Reader(s as Record<string, unknown>, where, problems);
    if (ch.kind === "sensor") out.sensors.push(parseSensorIo(r, pins, ch.id, i));
    else out.motors.push(parseMotorIo(r, pins));
  });
  return out;
}

function parseSensorIo(r: Reader, pins: Record<string, number>, channelId: number, element: number): SensorIo {
  const driver = r.oneOf("driver", "wave", DRIVERS_SENSOR) as SensorIo["driver"];
  const needsPin = driver !== "wave";
  const spec: SensorIo = {
    driver,
    pin: needsPin ? r.pin("pin", pins) : -1,
    pull: r.oneOf("pull", "none", PULLS) as SensorIo["pull"],
    invert: r.bool("invert", false),
    normalize: r.bool("normalize", false),
    scale: r.num("scale", 1, -1e12, 1e12),
    offset: r.num("offset", 0, -1e12, 1e12),
    // A default signal that differs per channel and element, so a simulated robot is not flat.
    wave: parseWave(r.sub("wave"), driver === "digital" ? "square" : "sine", 2000 + 250 * ((channelId + element) % 8), element / 4),
  };
  if (needsPin && spec.pin < 0) r.problem("pin", "required for this driver");
  return spec;
}

function parseWave(r: Reader, shape: string, periodMs: number, phase: number): WaveSpec {
  const w: WaveSpec = {
    shape: r.oneOf("shape", shape, SHAPES) as WaveSpec["shape"],
    periodMs: r.num("periodMs", periodMs, 1, 3_600_000),
    min: r.num("min", 0, -1e12, 1e12),
    max: r.num("max", 1, -1e12, 1e12),
    phase: r.num("phase", phase % 1, 0, 1),
  };
  return w;
}

function parseMotorIo(r: Reader, pins: Record<string, number>): MotorIo {
  const driver = r.oneOf("driver", "log", DRIVERS_MOTOR) as MotorIo["driver"];
  const servo = driver === "servo";
  const spec: MotorIo = {
    driver,
    pin: driver === "log" ? -1 : r.pin("pin", pins),
    pinB: r.pin(driver === "hbridge" ? "dirPin" : "pinB", pins),
    pinC: r.pin("dirPin2", pins),
    hz: r.int("hz", servo ? 50 : 1000, 1, 40_000_000),
    inMin: r.num("inMin", driver === "hbridge" || driver === "hbridge2" ? -1 : 0, -1e12, 1e12),
    inMax: r.num("inMax", 1, -1e12, 1e12),
    minUs: r.int("minUs", 500, 100, 20_000),
    maxUs: r.int("maxUs", 2500, 100, 20_000),
    rangeDeg: r.num("rangeDeg", 180, 1, 360),
    invert: r.bool("invert", false),
  };
  if (driver !== "log" && spec.pin < 0) r.problem("pin", "required for this driver");
  if (driver === "hbridge" && spec.pinB < 0) r.problem("dirPin", "required for an hbridge");
  if (driver === "hbridge2" && spec.pinB < 0) r.problem("pinB", "required for an hbridge2");
  if (spec.inMax === spec.inMin) r.problem("inMax", "must differ from inMin");
  if (servo && spec.maxUs <= spec.minUs) r.problem("maxUs", "must be above minUs");
  return spec;
}

/** Field reader over one raw object: coerces command-line strings and records problems under a path prefix. */
class Reader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly at: string,
    private readonly problems: string[],
  ) {}

  problem(name: string, why: string): void {
    this.problems.push(`${this.at}${name}: ${why}`);
  }

  str(name: string, def: string): string {
    const v = this.raw[name];
    if (v === undefined || v === null) return def;
    if (typeof v === "string") return v;
    if (typeof v === "number") return String(v);
    this.problem(name, "must be a string");
    return def;
  }

  /** A string where "" and absence both mean "not set". */
  optStr(name: string): string | undefined {
    const s = this.str(name, "");
    return s === "" ? undefined : s;
  }

  num(name: string, def: number, min: number, max: number): number {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return def;
    const n = toNumber(v);
    if (n === undefined) {
      this.problem(name, `must be a number (got ${JSON.stringify(v)})`);
      return def;
    }
    if (n < min || n > max) {
      this.problem(name, `${n} is outside ${min}..${max}`);
      return def;
    }
    return n;
  }

  int(name: string, def: number, min: number, max: number): number {
    const n = this.num(name, def, min, max);
    if (!Number.isInteger(n)) {
      this.problem(name, `must be an integer (got ${n})`);
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return def;
    if (v === true || v === "true" || v === 1 || v === "1") return true;
    if (v === false || v === "false" || v === 0 || v === "0") return false;
    this.problem(name, "must be true or false");
    return def;
  }

  oneOf(name: string, def: string, allowed: readonly string[]): string {
    const s = this.str(name, def);
    if (allowed.indexOf(s) < 0) {
      this.problem(name, `must be one of ${allowed.join(", ")} (got ${JSON.stringify(s)})`);
      return def;
    }
    return s;
  }

  /** A GPIO number, or the name of one in the config's "pins" map; -1 when absent. */
  pin(name: string, pins: Record<string, number>): number {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return -1;
    if (typeof v === "string" && pins[v] !== undefined) return pins[v];
    const n = toNumber(v);
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) {
      this.problem(name, `must be a GPIO number or a name from "pins" (got ${JSON.stringify(v)})`);
      return -1;
    }
    return n;
  }

  /** An object or array, or a string holding JSON (command-line overrides). */
  json(name: string, def: unknown): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return def;
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      this.problem(name, "is a string but not valid JSON");
      return def;
    }
  }

  /** A nested object field as a Reader (an empty one when absent). */
  sub(name: string): Reader {
    const v = this.raw[name];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) this.problem(name, "must be an object");
    const obj = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    return new Reader(obj, `${this.at}${name}.`, this.problems);
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
