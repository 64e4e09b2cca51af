/*
 * examples/socket-policy/controller: hands every sensor frame to an external process (a
 * Python policy, say) over a local TCP socket and sends back what it answers.
 *
 * Theory of operation: the controller listens on 127.0.0.1:`port` (env BRAINSTEM_POLICY_PORT,
 * default 7070) for ONE policy process at a time, and speaks newline-delimited JSON:
 *   brain -> policy  {"type":"start","agent":"demo1","session":123,"channels":[{name, unit,
 *                     kind, type, count}, ...]}          a session started
 *                    {"type":"frame","agent":"demo1","session":123,"seq":7,"t":5120,
 *                     "sensors":{"distance":[1.25],"bumpers":[0,0]}}   one sensor frame
 *                    {"type":"end","agent":"demo1","session":123}       the session ended
 *   policy -> brain  {"agent":"demo1","seq":7,"motors":{"wheels":[0.4,0.4]}}   the answer
 *                    (motors may be {} or null: no motor frame this time)
 * onSensorFrame returns a promise that resolves with the answer for that (agent, seq), or
 * with null after `timeoutMs` (default 100) or when no policy is connected: then the brain
 * sends nothing and the agent keeps its outputs until its motor deadline passes, after which
 * it goes safe by itself. When a policy connects, it is sent a start for every live session.
 * Bad lines from the policy are counted and logged once, never fatal.
 * Run it: npm run brain -- --controller examples/socket-policy/controller.ts
 * then:   python3 examples/socket-policy/policy.py
 */
import { createServer, type Server, type Socket } from "node:net";
import type { AgentSession, Controller, MotorCommand, SensorFrame } from "../../brain/controller";

export interface SocketPolicyOptions {
  /** TCP port on 127.0.0.1 (0 = a free port; see `listening`). */
  port?: number;
  /** How long to wait for the policy's answer, ms. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

interface Pending {
  resolve: (c: MotorCommand | null) => void;
  timer: NodeJS.Timeout;
}

export class SocketPolicy implements Controller {
  /** Resolves with the port once listening. */
  readonly listening: Promise<number>;
  /** Lines from the policy that were not valid answers. */
  badLines = 0;
  private readonly server: Server;
  private policy: Socket | null = null;
  private buffered = "";
  private readonly pending = new Map<string, Pending>();
  private readonly sessions = new Map<string, AgentSession>();
  private readonly timeoutMs: number;
  private readonly log: (m: string) => void;
  private saidWaiting = false;

  constructor(o: SocketPolicyOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 100;
    this.log = o.log ?? ((m) => console.log(m));
    this.server = createServer((s) => this.accept(s));
    const port = o.port ?? Number(process.env.BRAINSTEM_POLICY_PORT ?? 7070);
    this.listening = new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        const a = this.server.address();
        const p = typeof a === "object" && a !== null ? a.port : port;
        this.log(`socket policy: waiting for a policy process on 127.0.0.1:${p} (newline-delimited JSON)`);
        resolve(p);
      });
    });
  }

  onSessionStart(s: AgentSession): void {
    this.sessions.set(s.agentId, s);
    this.send(startMessage(s));
  }

  onSessionEnd(s: AgentSession): void {
    if (this.sessions.get(s.agentId) === s) this.sessions.delete(s.agentId);
    this.send({ type: "end", agent: s.agentId, session: s.sessionId });
  }

  onSensorFrame(frame: SensorFrame, s: AgentSession): Promise<MotorCommand | null> | null {
    if (this.policy === null) {
      if (!this.saidWaiting) this.log("socket policy: no policy connected yet; no motor frames until one is");
      this.saidWaiting = true;
      return null;
    }
    const sensors: { [name: string]: number[] } = {};
    for (const ch of s.channels.sensors) {
      const v = frame.get(ch.name);
      if (v !== undefined) sensors[ch.name] = Array.from(v);
    }
    const key = `${frame.agentId}/${frame.seq}`;
    this.pending.get(key)?.resolve(null);
    const answer = new Promise<MotorCommand | null>((resolve) => {
      const timer = setTimeout(() => this.settle(key, null), this.timeoutMs);
      this.pending.set(key, { resolve, timer });
    });
    this.send({ type: "frame", agent: frame.agentId, session: frame.sessionId, seq: frame.seq, t: frame.brainTimeMs, sensors });
    return answer;
  }

  close(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.settle(key, null);
    this.policy?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: Socket): void {
    if (this.policy !== null) {
      s.end(JSON.stringify({ type: "error", message: "another policy is connected" }) + "\n");
      return;
    }
    this.policy = s;
    this.saidWaiting = false;
    this.log(`socket policy: policy connected from ${s.remoteAddress}:${s.remotePort}`);
    s.setNoDelay(true);
    s.setEncoding("utf8");
    s.on("data", (chunk: string) => this.onData(chunk));
    s.on("close", () => {
      if (this.policy === s) this.policy = null;
      this.buffered = "";
      this.log("socket policy: policy disconnected");
    });
    s.on("error", () => undefined);
    for (const session of this.sessions.values()) this.send(startMessage(session));
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (line.length > 0) this.onLine(line);
    }
    if (this.buffered.length > 1 << 20) this.buffered = ""; // a runaway line: drop it
  }

  private onLine(line: string): void {
    let m: { agent?: unknown; seq?: unknown; motors?: unknown };
    try {
      m = JSON.parse(line);
    } catch {
      return this.bad(`not JSON: ${line.slice(0, 80)}`);
    }
    if (typeof m !== "object" || m === null || typeof m.agent !== "string" || typeof m.seq !== "number") return this.bad(`needs "agent" and "seq": ${line.slice(0, 80)}`);
    const key = `${m.agent}/${m.seq}`;
    if (!this.pending.has(key)) return; // late (timed out) or unknown: ignore
    const motors = m.motors;
    if (motors === null || motors === undefined || (typeof motors === "object" && Object.keys(motors).length === 0)) return this.settle(key, null);
    if (typeof motors !== "object") return this.bad(`"motors" must be an object of arrays: ${line.slice(0, 80)}`);
    this.settle(key, { motors: motors as { [name: string]: number[] } });
  }

  private settle(key: string, cmd: MotorCommand | null): void {
    const p = this.pending.get(key);
    if (p === undefined) return;
    this.pending.delete(key);
    clearTimeout(p.timer);
    p.resolve(cmd);
  }

  private bad(what: string): void {
    if (this.badLines++ === 0) this.log(`socket policy: ignoring a bad line from the policy (${what}); further ones are only counted`);
  }

  private send(msg: object): void {
    const s = this.policy;
    if (s !== null && !s.destroyed) s.write(JSON.stringify(msg) + "\n");
  }
}

function startMessage(s: AgentSession): object {
  return { type: "start", agent: s.agentId, session: s.sessionId, channels: s.channels.list.map((c) => ({ name: c.name, unit: c.unit, kind: c.kind, type: c.type, count: c.count })) };
}

/** What `--controller` loads. */
export default function createController(): SocketPolicy {
  return new SocketPolicy();
}
