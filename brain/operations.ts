/*
 * brain/operations: what an operator (or a deploy script) asks of agents.
 *
 * Theory of operation:
 *   drain(agent | "all", reason, retryAfterMs, deadlineMs)  sends `drain` (protocol.md §drain:
 *     r 1 deploy / 2 operator, ra retry-after hint, dl how long the agent may take to finish
 *     pending work); the agent stops its sensor frames, deregisters (the brain answers
 *     `deregistered`, drain complete) and reconnects after the hint. An agent still in its
 *     handshake has no session to drain: its handshake is dropped and it is told to go away
 *     the same way (it backs off and retries after the hint).
 *   deregister(agent)   sends `deregistered` (evicted by server) and ends the session now.
 *   requestStatus(agent | "all")  sends `status-request`; the answer lands in /status.
 * Everything goes on the agent's dn/ctl topic at QoS 1. Unknown agent ids throw (a caller
 * bug); agents without a live session are skipped.
 */
import { encodeDeregistered, encodeDrain, encodeStatusRequest } from "../src/protocol/encode";
import { DeregisteredReason, DrainReason } from "../src/protocol/wire";
import { nowMs } from "./clock";
import type { BrainCore } from "./core";
import { isLive, type AgentRecord } from "./record";

/** Default drain deadline (dl), ms. */
export const DRAIN_DEADLINE_DEFAULT_MS = 10_000;

function targets(core: BrainCore, agentId: string, what: string): AgentRecord[] {
  if (agentId === "all") return core.liveRecords();
  const r = core.records.get(agentId);
  if (r === undefined) throw new Error(`${what}: no agent "${agentId}" has contacted this brain`);
  return [r];
}

function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

export function drain(core: BrainCore, agentId: string, reason: number, retryAfterMs: number, deadlineMs = DRAIN_DEADLINE_DEFAULT_MS): number {
  if (reason !== DrainReason.DEPLOY && reason !== DrainReason.OPERATOR) throw new RangeError(`drain: reason must be 1 (deploy) or 2 (operator), got ${reason}`);
  if (!isU32(retryAfterMs) || !isU32(deadlineMs)) throw new RangeError("drain: retryAfterMs and deadlineMs must be whole milliseconds 0..2^32-1");
  let n = 0;
  for (const r of targets(core, agentId, "drain")) {
    if (!isLive(r.phase) || r.phase === "draining") continue;
    core.sendScratch(r.controlTopic, encodeDrain(core.scratch, 0, reason, retryAfterMs, deadlineMs), 1);
    n++;
    const why = reason === DrainReason.DEPLOY ? "deploy" : "operator";
    if (r.session === null) {
      core.endSession(r); // mid-handshake: nothing to drain
      core.setPhase(r, "deregistered");
      core.log("info", `agent ${r.id}: drain (${why}) during its handshake; retry after ${retryAfterMs} ms`);
      continue;
    }
    core.setPhase(r, "draining");
    r.drainStartedMs = nowMs();
    r.drainDeadlineMs = deadlineMs;
    r.drainReason = reason;
    core.log("info", `agent ${r.id}: drain (${why}), retry after ${retryAfterMs} ms, deadline ${deadlineMs} ms`);
  }
  return n;
}

export function deregister(core: BrainCore, agentId: string): void {
  for (const r of targets(core, agentId, "deregister")) {
    core.sendScratch(r.controlTopic, encodeDeregistered(core.scratch, 0, DeregisteredReason.EVICTED), 1);
    core.endSession(r);
    core.setPhase(r, "deregistered");
    core.log("info", `agent ${r.id}: deregistered by the brain`);
    core.host.emit("deregistered", { agentId: r.id, reason: "evicted" });
  }
}

export function requestStatus(core: BrainCore, agentId: string): number {
  let n = 0;
  for (const r of targets(core, agentId, "requestStatus")) {
    if (r.session === null) continue;
    core.sendScratch(r.controlTopic, encodeStatusRequest(core.scratch, 0), 1);
    n++;
  }
  return n;
}
