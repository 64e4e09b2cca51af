/*
 * stats: a periodic one-line report of the agent's counters and the XS heap.
 *
 * Theory of operation: every `statsIntervalMs` main calls `line()`, which reads the agent's
 * counters and, when the firmware is built with instrumentation (`mcconfig -d` or `-i`), the
 * XS slot heap, chunk heap and garbage-collection count from Moddable's `instrumentation`
 * module. A steady slot/chunk figure across reports, with the GC count flat or rising slowly,
 * shows that the steady state does not allocate. Building the line allocates (it is a string),
 * which is why it runs rarely.
 */
import Instrumentation from "instrumentation";
import type { Agent } from "../../src/agent/agent";
import { Counter } from "../../src/session/counters";

export class Stats {
  private readonly slot: number | undefined;
  private readonly chunk: number | undefined;
  private readonly gc: number | undefined;

  constructor() {
    this.slot = Instrumentation.map("XS Slot Heap Used");
    this.chunk = Instrumentation.map("XS Chunk Heap Used");
    this.gc = Instrumentation.map("XS Garbage Collection Count");
  }

  /** The report, e.g. "Active sensor=1200 motor=1180 ... slot=18432 chunk=9216 gc=3". */
  line(agent: Agent, extra: string): string {
    const c = agent.counters;
    let s =
      `${agent.phaseName} sensor=${c[Counter.SENSOR_FRAMES_SENT]} motor=${c[Counter.MOTOR_FRAMES_APPLIED]}` +
      ` hb=${c[Counter.HEARTBEAT_ACKS]}/${c[Counter.HEARTBEATS_SENT]} links=${c[Counter.CONNECTS_OK]}` +
      ` lost=${c[Counter.LINK_LOSSES]} drops=${c[Counter.SENSOR_FRAMES_DROPPED]}` +
      ` rx=${c[Counter.BYTES_RECEIVED]} tx=${c[Counter.BYTES_SENT]}`;
    const slot = Instrumentation.get(this.slot);
    if (slot !== undefined) s += ` slot=${slot} chunk=${Instrumentation.get(this.chunk)} gc=${Instrumentation.get(this.gc)}`;
    return s + extra;
  }
}
