/*
 * stats: a periodic one-line report of the agent's counters and the XS heap.
 *
 * Theory of operation: every `statsIntervalMs` main calls `line()`, which reads the agent's
 * counters and, when the firmware is built with instrumentation (`mcconfig -d` or `-i`), the
 * XS slot heap and chunk heap in use and the garbage collections of the last instrumentation
 * period (one second) from Moddable's `instrumentation` module. Steady slot/chunk figures
 * across reports show that memory is bounded. At the default log level the motor lines make
 * a little garbage (about two collections a second in the simulator); at logLevel=2 this line
 * is off too, and the simulator's own "instruments:" lines then show zero collections in the
 * steady state. Building the line allocates (it is a string), which is why it runs rarely.
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

  /** The report, e.g. "active sensor=1198 motor=1198 ... lost=0 connfail=0 netrestarts=0 reboots=0 ... slot=67776 chunk=43808 gc=1". */
  line(agent: Agent, extra: string): string {
    const c = agent.counters;
    let s =
      `${agent.phaseName} sensor=${c[Counter.SensorFramesSent]} motor=${c[Counter.MotorFramesApplied]}` +
      ` hb=${c[Counter.HeartbeatAcks]}/${c[Counter.HeartbeatsSent]} links=${c[Counter.ConnectsOk]}` +
      ` lost=${c[Counter.LinkLosses]} connfail=${c[Counter.ConnectFailures]} netrestarts=${c[Counter.NetworkRestarts]} reboots=${c[Counter.RebootRequests]}` +
      ` drops=${c[Counter.SensorFramesDropped]}` +
      ` rx=${c[Counter.BytesReceived]} tx=${c[Counter.BytesSent]}`;
    const slot = Instrumentation.get(this.slot);
    if (slot !== undefined) s += ` slot=${slot} chunk=${Instrumentation.get(this.chunk)} gc=${Instrumentation.get(this.gc)}`;
    return s + extra;
  }
}
