/*
 * tick-profile.xs: what tools/xs/tick-profile.ts runs on XS. Wraps every prototype method of the
 * classes on the steady-state tick's path so that each call laps XS's compute meter
 * (resetMeter(0, 0) returns the bytecodes since the previous lap and restarts the count), and
 * charges the bytecodes to the method running at the time: a flat profile with exclusive
 * counts, where a module-level function's bytecodes go to the method that called it.
 * The wrappers' own bytecodes are charged to a separate "(profiler)" line, measured by wrapping
 * an empty method the same way. Bench code, not firmware.
 */
import { Agent } from "../../src/agent/agent";
import { ChannelBank } from "../../src/agent/channels";
import { ControlLink } from "../../src/agent/control-link";
import { FrameView } from "../../src/codec/frames/view";
import { MotorFrame } from "../../src/codec/frames/motor";
import { SensorFrame } from "../../src/codec/frames/sensor";
import { ChannelTable } from "../../src/codec/frames/channels";
import { FrameEntries } from "../../src/codec/frames/entries";
import { MqttClientRules } from "../../src/codec/mqtt/client-rules";
import { MqttDecoder } from "../../src/codec/mqtt/decoder";
import { MqttPacketReader } from "../../src/codec/mqtt/packet-reader";
import { ControlMessage } from "../../src/protocol/decode";
import { AgentTopics } from "../../src/protocol/topics";
import { ActionQueue } from "../../src/session/actions";
import { Session } from "../../src/session/session";
import { Liveness } from "../../src/session/liveness";
import { MotorGate } from "../../src/session/motor-gate";
import { LinkClocks, LiveData } from "../../src/session/session-state";
import { SessionLoop } from "../../bench/session-loop";

declare const resetMeter: (limit: number, index: number) => number;

const CLASSES: [string, { prototype: object }][] = [
  ["Agent", Agent], ["ChannelBank", ChannelBank], ["ControlLink", ControlLink], ["FrameView", FrameView],
  ["MotorFrame", MotorFrame], ["SensorFrame", SensorFrame], ["ChannelTable", ChannelTable], ["FrameEntries", FrameEntries],
  ["MqttClientRules", MqttClientRules], ["MqttDecoder", MqttDecoder], ["MqttPacketReader", MqttPacketReader],
  ["ControlMessage", ControlMessage], ["AgentTopics", AgentTopics], ["ActionQueue", ActionQueue], ["Session", Session],
  ["Liveness", Liveness], ["MotorGate", MotorGate], ["LinkClocks", LinkClocks], ["LiveData", LiveData], ["SessionLoop", SessionLoop],
];

const stack: string[] = ["(outside)"];
const bytecodes = new Map<string, number>();
const calls = new Map<string, number>();
/** Wrapped calls made from each label: each costs the caller the wrapper's own bytecodes. */
const callsOut = new Map<string, number>();

function charge(name: string, n: number): void {
  bytecodes.set(name, (bytecodes.get(name) ?? 0) + n);
}

function wrap(proto: Record<string, unknown>, key: string, label: string): void {
  const f = proto[key] as (...a: unknown[]) => unknown;
  proto[key] = function (this: unknown, ...args: unknown[]): unknown {
    const top = stack[stack.length - 1];
    charge(top, resetMeter(0, 0));
    callsOut.set(top, (callsOut.get(top) ?? 0) + 1);
    const inBrain = top.startsWith("brain: ") || label === "SessionLoop.brain";
    const name = (inBrain ? "brain: " : "agent: ") + label;
    stack.push(name);
    calls.set(name, (calls.get(name) ?? 0) + 1);
    resetMeter(0, 0);
    try {
      return f.apply(this, args);
    } finally {
      charge(stack.pop()!, resetMeter(0, 0));
      resetMeter(0, 0);
    }
  };
}

function wrapAll(): void {
  for (const [name, cls] of CLASSES) {
    const proto = cls.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (typeof d.value === "function") wrap(proto, key, `${name}.${key}`);
    }
  }
}

export interface TickProfile {
  /** [label, bytecodes per run, calls per run], highest first. */
  rows: [string, number, number][];
}

class EmptyHmac {
  setKey(): void {}
  begin(): void {}
  update(): void {}
  finish(dst: Uint8Array, off: number): void {
    dst.fill(0, off, off + 32);
  }
  /** The tag is all zeros: equal when expected[off..off+len) is. */
  finishAndCompare(expected: Uint8Array, off: number, len: number): boolean {
    let diff = 0;
    for (let i = 0; i < len; i++) diff |= expected[off + i];
    return diff === 0;
  }
}

class Probe {
  empty(): void {}
}

let wrapped = false;
/** The wrappers' own bytecodes per call: charged to the callee, and to the caller. */
let calleeOverhead = 0;
let callerOverhead = 0;

function clear(): void {
  bytecodes.clear();
  calls.clear();
  callsOut.clear();
}

/** Wraps the classes once, and measures the wrappers' overhead on an empty method. */
function prepare(): void {
  if (wrapped) return;
  wrapped = true;
  wrapAll();
  const probe = new Probe();
  wrap(Probe.prototype as unknown as Record<string, unknown>, "empty", "probe");
  for (let i = 0; i < 10; i++) probe.empty();
  clear();
  resetMeter(0, 0);
  for (let i = 0; i < 100; i++) probe.empty();
  charge("(outside)", resetMeter(0, 0));
  calleeOverhead = (bytecodes.get("agent: probe") ?? 0) / 100;
  // the loop's own bytecodes (about 5 an iteration) stay in the caller's figure: a small over-count
  callerOverhead = (bytecodes.get("(outside)") ?? 0) / 100;
}

/** Runs run() (n units of work) once warm and returns the flat profile per unit, wrapper overhead taken off. */
function measure(run: () => void, n: number): TickProfile {
  prepare();
  run(); // warm the wrappers
  clear();
  resetMeter(0, 0);
  run();
  charge("(outside)", resetMeter(0, 0));
  const rows: [string, number, number][] = [];
  for (const [label, b] of bytecodes) {
    const c = (calls.get(label) ?? 0) / n;
    const out = (callsOut.get(label) ?? 0) / n;
    rows.push([label, b / n - c * calleeOverhead - out * callerOverhead, c]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  return { rows };
}

/** The flat profile of one call of fn, over n calls. */
export function profileCalls(fn: () => void, n: number): TickProfile {
  return measure(() => {
    for (let i = 0; i < n; i++) fn();
  }, n);
}

/** The flat profile of one steady-state tick of a session loop at hz (agent and in-memory brain), over n ticks. */
export function profileTicks(hz: number, n: number): TickProfile {
  const loop = new SessionLoop({
    sensorHz: hz,
    copyBytes: (d, dOff, s, sOff, len) => d.set(s.subarray(sOff, sOff + len), dOff),
    createHmac: () => new EmptyHmac(),
    brainHmac: () => new EmptyHmac(),
  });
  loop.warm(hz * 2);
  return measure(() => loop.run(n), n);
}

export * as codec from "../../bench/codec-ours.xs";
