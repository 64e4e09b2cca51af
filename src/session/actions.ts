/*
 * actions: what the session machine asks its host (the agent glue) to do.
 *
 * Theory of operation: the machine never performs IO. It appends numeric actions to a
 * preallocated ring (4 numbers per entry: action, a, b, level) and the agent's poll loop drains
 * them with `poll()` after every input. Nothing allocates. The ring is a plain array filled at
 * construction, not a typed array: on XS an element of a plain array costs about half what a
 * typed array's does (the rp2040 bench's micro rows), and a and b keep u32 values as they are. If the ring is ever full, Report entries give
 * way (a new Report is dropped, or the oldest queued Report is evicted for a control action)
 * and are counted in `droppedReports`; control actions are never lost.
 */

export const Act = {
  None: 0,
  Open: 1, // open the transport to the broker; a = 1: the last attempt did not reach its broker, try the next one
  Close: 2, // close the transport
  SendConnect: 3, // MQTT CONNECT with the Last Will carrying `generation`
  SendSubscribeControl: 4,
  SendHello: 5,
  SendProof: 6,
  SendSubscribeMotor: 7,
  SendHeartbeat: 8, // a = heartbeat sequence number
  SendDeregister: 9, // a = deregister reason
  SendDisconnect: 10,
  SendPing: 11,
  SendStatus: 12,
  SampleSensors: 13, // sample the sensors and publish one sensor frame
  MotorsSafe: 14, // set every output to its safe value
  Report: 15, // a = Note, b = detail (a reason code, phase or delay), level = log level
  RestartNetwork: 16, // escalation step 2
  Reboot: 17, // escalation step 3
  AdoptChallenge: 18, // the brain's offered nonce becomes the session's; derive the session key
  AdoptRegistration: 19, // the offered data topics become the session's
} as const;

export const actionNames: readonly string[] = [
  "none", "open", "close", "send-connect", "send-subscribe-control", "send-hello", "send-proof",
  "send-subscribe-motor", "send-heartbeat", "send-deregister", "send-disconnect", "send-ping",
  "send-status", "sample-sensors", "motors-safe", "report", "restart-network", "reboot", "adopt-challenge",
  "adopt-registration",
];

/** What a Report action is about. */
export const Note = {
  PhaseEntered: 1, // b = new phase
  LinkLost: 2, // b = reason code
  Rejected: 3, // b = reason code
  Backoff: 4, // b = delay ms (the cause is the session's lastReason)
  Escalated: 5, // a network restart request; b = network-level failures in a row
  Drain: 6, // b = drain reason (1 deploy, 2 operator)
  Dropped: 7, // b = reason code of a dropped inbound item
  Failed: 8, // b = reason code
  InvalidEvent: 9, // b = event
  FailedRetry: 10, // leaving failed after failedRetryMs; b = the reason it failed
  ShortSession: 11, // the peer ended a session soon after active; b = how many in a row
  RebootRequested: 12, // b = network-level failures in a row
} as const;

export const noteNames: readonly string[] = [
  "", "phase", "link-lost", "rejected", "backoff", "escalated", "drain", "dropped", "failed", "invalid-event",
  "failed-retry", "short-session", "reboot-requested",
];

export const Level = { Debug: 0, Info: 1, Warn: 2, Error: 3 } as const;

const SLOTS = 32;

export class ActionQueue {
  private readonly q: number[] = [];
  private head = 0;
  /** Actions queued: a field, not a getter, so the agent's loop checks it without a call. */
  length = 0;
  /** Fields of the action returned by the last poll(). */
  a = 0;
  b = 0;
  level = 0;
  /** Report entries dropped because the ring was full. */
  droppedReports = 0;

  constructor() {
    for (let i = 0; i < SLOTS * 4; i++) this.q.push(0);
  }

  push(action: number, a: number, b: number, level: number): void {
    if (this.length === SLOTS) {
      this.droppedReports++;
      if (action === Act.Report) return;
      if (!this.evictOneReport()) throw new Error("ActionQueue overflow: 32 control actions pending"); // programmer bug
    }
    const at = ((this.head + this.length) % SLOTS) * 4;
    this.q[at] = action;
    this.q[at + 1] = a;
    this.q[at + 2] = b;
    this.q[at + 3] = level;
    this.length++;
  }

  /** Removes the oldest Report entry to make room for a control action. False when there is none. */
  private evictOneReport(): boolean {
    const q = this.q;
    for (let k = 0; k < this.length; k++) {
      const at = ((this.head + k) % SLOTS) * 4;
      if (q[at] !== Act.Report) continue;
      for (let j = k; j < this.length - 1; j++) {
        const to = ((this.head + j) % SLOTS) * 4;
        const from = ((this.head + j + 1) % SLOTS) * 4;
        q[to] = q[from];
        q[to + 1] = q[from + 1];
        q[to + 2] = q[from + 2];
        q[to + 3] = q[from + 3];
      }
      this.length--;
      return true;
    }
    return false;
  }

  /** Next action code (Act.None when empty); its fields are in a, b, level. */
  poll(): number {
    if (this.length === 0) return Act.None;
    const at = this.head * 4;
    this.a = this.q[at + 1];
    this.b = this.q[at + 2];
    this.level = this.q[at + 3];
    this.head = (this.head + 1) % SLOTS;
    this.length--;
    return this.q[at];
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }
}
