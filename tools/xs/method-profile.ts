/*
 * tools/xs/method-profile: a flat per-method profile of whatever a meter counts (tick-profile.xs.ts
 * uses xsnap's bytecode meter).
 *
 * Theory of operation: `wrapGraph(root)` walks the objects reachable from root through own
 * properties (not into arrays, typed arrays, maps or sets) and, on each class instance, shadows
 * every prototype method with an own wrapper, so calls through `this.method()` and
 * `obj.method()` land in it; objects outside the graph stay untouched. Each wrapper laps the
 * meter (`lap()` returns the count since its previous call), charges the count to the method
 * running until then and keeps a stack of labels: exclusive counts, where a module-level
 * function's work goes to the method that called it. A label is the class and method name,
 * prefixed "brain: " for calls made under a method listed as a brain side (the in-memory brain
 * of bench/session-loop.ts), else "agent: ". The wrappers' own cost is measured on an empty
 * method the same way and taken off. They allocate nothing per call (fixed arity, tables made
 * at setup), so a collection does not land inside a measured window.
 * Bench code, not firmware.
 */

/** Methods take at most this many arguments through a wrapper. */
const MAX_ARGS = 10;
const MAX_DEPTH = 64;

type Method = (this: unknown, ...a: unknown[]) => unknown;

export interface MethodProfile {
  /** [label, count per unit, calls per unit], highest first. */
  rows: [string, number, number][];
}

export class MethodProfiler {
  private readonly labels: string[] = ["(outside)"];
  private readonly byName = new Map<string, number>();
  /** Per label id: the count, calls in, calls made to wrapped methods, 1 for a brain-side label. */
  private cost = new Float64Array(8);
  private calls = new Float64Array(8);
  private callsOut = new Float64Array(8);
  private brain = new Uint8Array(8);
  private readonly stack = new Int32Array(MAX_DEPTH);
  private depth = 1;
  private calleeOverhead = 0;
  private callerOverhead = 0;

  /** lap: the meter's count since its previous call. brainSide: labels whose calls are the brain's. */
  constructor(private readonly lap: () => number, private readonly brainSide: readonly string[] = []) {
    const probe = new Probe();
    this.wrapObject(probe as unknown as Record<string, unknown>, new Set());
    for (let i = 0; i < 10; i++) probe.empty();
    this.clear();
    lap();
    for (let i = 0; i < 100; i++) probe.empty();
    this.cost[0] += lap();
    const id = this.byName.get("agent: Probe.empty")!;
    this.calleeOverhead = this.cost[id] / 100;
    // the loop's own count (a few bytecodes an iteration) stays in the caller's figure: a small over-count
    this.callerOverhead = this.cost[0] / 100;
  }

  /** Wraps the methods of every class instance reachable from root. */
  wrapGraph(root: object): void {
    this.wrapObject(root as Record<string, unknown>, new Set());
  }

  /** Runs run() (n units of work) once warm and returns the profile per unit, wrapper overhead taken off. */
  measure(run: () => void, n: number): MethodProfile {
    run();
    this.clear();
    this.lap();
    run();
    this.cost[0] += this.lap();
    const rows: [string, number, number][] = [];
    for (let id = 0; id < this.labels.length; id++) {
      const c = this.calls[id] / n;
      if (id > 0 && c === 0) continue;
      const out = this.callsOut[id] / n;
      rows.push([this.labels[id], this.cost[id] / n - c * this.calleeOverhead - out * this.callerOverhead, c]);
    }
    rows.sort((a, b) => b[1] - a[1]);
    return { rows };
  }

  private clear(): void {
    this.cost.fill(0);
    this.calls.fill(0);
    this.callsOut.fill(0);
    this.depth = 1;
  }

  private label(name: string): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.labels.length;
      if (id >= this.cost.length) this.grow(2 * id);
      this.labels.push(name);
      this.byName.set(name, id);
      this.brain[id] = name.startsWith("brain: ") ? 1 : 0;
    }
    return id;
  }

  /** Setup time only: the wrappers read the tables through the profiler, so new ones take effect. */
  private grow(n: number): void {
    const cost = new Float64Array(n);
    cost.set(this.cost);
    this.cost = cost;
    this.calls = new Float64Array(n);
    this.callsOut = new Float64Array(n);
    const brain = new Uint8Array(n);
    brain.set(this.brain);
    this.brain = brain;
  }

  private wrapObject(obj: Record<string, unknown>, seen: Set<object>): void {
    if (seen.has(obj) || Object.isFrozen(obj)) return;
    seen.add(obj);
    const proto = Object.getPrototypeOf(obj) as Record<string, unknown> | null;
    if (proto === null || Array.isArray(obj) || ArrayBuffer.isView(obj) || obj instanceof Map || obj instanceof Set) return;
    if (proto !== Object.prototype) this.wrapMethods(obj, proto);
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v !== null && typeof v === "object") this.wrapObject(v as Record<string, unknown>, seen);
    }
  }

  /** Shadows the methods of obj's class and its bases with wrappers, labelled by the class that defines each. */
  private wrapMethods(obj: Record<string, unknown>, proto: Record<string, unknown>): void {
    for (let p: Record<string, unknown> | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as Record<string, unknown> | null) {
      const ctor = p.constructor as { name?: string } | undefined;
      const cls = typeof ctor === "function" ? ctor.name ?? "?" : "?";
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key === "constructor" || Object.prototype.hasOwnProperty.call(obj, key)) continue;
        const d = Object.getOwnPropertyDescriptor(p, key)!;
        if (typeof d.value === "function") this.wrapMethod(obj, key, d.value as Method, `${cls}.${key}`);
      }
    }
  }

  private wrapMethod(obj: Record<string, unknown>, key: string, f: Method, name: string): void {
    const agentId = this.label(`agent: ${name}`);
    const brainId = this.label(`brain: ${name}`);
    const opensBrain = this.brainSide.includes(name);
    const self = this;
    const { stack, lap } = this;
    // the original is called as a method under a second key, not through f.call(): a call from a
    // native (call, apply) runs on a new C frame in XS
    const original = `${key} (unwrapped)`;
    Object.defineProperty(obj, original, { value: f, writable: true, configurable: true, enumerable: false });
    const wrapper = function (this: Record<string, Method>, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown, a5: unknown, a6: unknown, a7: unknown, a8: unknown, a9: unknown): unknown {
      const top = stack[self.depth - 1];
      self.cost[top] += lap();
      self.callsOut[top]++;
      const id = opensBrain || self.brain[top] === 1 ? brainId : agentId;
      stack[self.depth++] = id;
      self.calls[id]++;
      lap();
      const r = this[original](a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
      self.cost[stack[--self.depth]] += lap();
      lap();
      return r;
    };
    Object.defineProperty(wrapper, "length", { value: Math.min(f.length, MAX_ARGS) });
    Object.defineProperty(obj, key, { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
}

class Probe {
  empty(): void {}
}
