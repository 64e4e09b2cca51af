/*
 * The brain-side session table (brain/session/table.ts): every (state, event) cell is defined,
 * every cell goes where this file's written list says (target and action, guard included),
 * every state is reachable, and the session that runs the table really ends in the listed
 * target for every cell: a fresh service is driven into each state with real messages
 * (testkit/brain-wire.ts), fed each event, and its state compared with the list.
 */
import test from "ava";
import { ACTION_COUNT, Act, EVENT_COUNT, Ev, Guard, IGNORE, STATE_COUNT, STAY, State, actionNames, eventNames, guardNames, stateNames, stateTimeout, table } from "../brain/session/table";
import { EVICT_QUIET_MS } from "../brain/session/agent-session";
import { WireRig } from "../testkit/brain-wire";
import { DeregisterReason, MsgType } from "../src/protocol/wire";

// The intended transitions, written out: per state, one token per event in Ev order,
// "target/action" ("stay" = handled without a change, "-" = ignored), "[guard]" when guarded.
const EXPECTED: Record<string, string> = {
  "awaiting-hello":
    "challenged/challenge awaiting-hello/refuse - - deregistered/evict-stray[evictable] deregistered/evict-stray[evictable] deregistered/drop-evict[evictable] stay/store-status deregistered/ack-deregister - stay/count-stale - deregistered/evict-now - - - stay/count-malformed stay/count-unexpected",
  challenged:
    "challenged/challenge awaiting-hello/refuse registered/register awaiting-hello/refuse - - stay/count-drop stay/store-status deregistered/ack-deregister dead/die stay/count-stale deregistered/drain-handshake deregistered/evict-now dead/die - - stay/count-malformed stay/count-unexpected",
  registered:
    "challenged/challenge awaiting-hello/refuse - - stay/count-duplicate binding/ack-heartbeat active/frame stay/store-status deregistered/ack-deregister dead/die stay/count-stale draining/send-drain deregistered/evict-now - dead/die - stay/count-malformed stay/count-unexpected",
  binding:
    "challenged/challenge awaiting-hello/refuse - - stay/count-duplicate stay/ack-heartbeat active/frame stay/store-status deregistered/ack-deregister dead/die stay/count-stale draining/send-drain deregistered/evict-now - dead/die - stay/count-malformed stay/count-unexpected",
  active:
    "challenged/challenge awaiting-hello/refuse - - stay/count-duplicate stay/ack-heartbeat stay/frame stay/store-status deregistered/ack-deregister dead/die stay/count-stale draining/send-drain deregistered/evict-now - dead/die - stay/count-malformed stay/count-unexpected",
  draining:
    "challenged/challenge awaiting-hello/refuse - - stay/count-duplicate stay/ack-heartbeat stay/frame stay/store-status deregistered/ack-deregister dead/die stay/count-stale - deregistered/evict-now - - dead/die stay/count-malformed stay/count-unexpected",
  deregistered:
    "challenged/challenge awaiting-hello/refuse - - deregistered/evict-stray[evictable] deregistered/evict-stray[evictable] deregistered/drop-evict[evictable] stay/store-status deregistered/ack-deregister - stay/count-stale - deregistered/evict-now - - - stay/count-malformed stay/count-unexpected",
  dead:
    "challenged/challenge awaiting-hello/refuse - - deregistered/evict-stray[evictable] deregistered/evict-stray[evictable] deregistered/drop-evict[evictable] stay/store-status deregistered/ack-deregister - stay/count-stale - deregistered/evict-now - - - stay/count-malformed stay/count-unexpected",
};

function expected(state: number, ev: number): string {
  const tokens = EXPECTED[stateNames[state]].split(" ");
  if (tokens.length !== EVENT_COUNT) throw new Error(`written list for ${stateNames[state]} has ${tokens.length} tokens`);
  return tokens[ev];
}

function show(state: number, ev: number): string {
  const c = table[state][ev];
  if (c.to === IGNORE) return "-";
  const to = c.to === STAY ? "stay" : stateNames[c.to];
  return `${to}/${actionNames[c.act]}${c.guard !== Guard.None ? `[${guardNames[c.guard]}]` : ""}`;
}

test("every (state, event) cell is defined with a known target, action and guard", (t) => {
  t.is(table.length, STATE_COUNT);
  t.is(stateNames.length, STATE_COUNT);
  t.is(eventNames.length, EVENT_COUNT);
  t.is(actionNames.length, ACTION_COUNT);
  t.is(stateTimeout.length, STATE_COUNT);
  for (let s = 0; s < STATE_COUNT; s++) {
    t.is(table[s].length, EVENT_COUNT, `row ${stateNames[s]}`);
    for (let e = 0; e < EVENT_COUNT; e++) {
      const c = table[s][e];
      t.true(c.to === STAY || c.to === IGNORE || (c.to >= 0 && c.to < STATE_COUNT), `${stateNames[s]} x ${eventNames[e]}: target`);
      t.true(c.act >= 0 && c.act < ACTION_COUNT && c.otherwise >= 0 && c.otherwise < ACTION_COUNT, `${stateNames[s]} x ${eventNames[e]}: action`);
      t.true(c.guard >= 0 && c.guard < guardNames.length, `${stateNames[s]} x ${eventNames[e]}: guard`);
      t.true(c.to !== IGNORE || c.act === Act.None, `${stateNames[s]} x ${eventNames[e]}: an ignored cell runs nothing`);
    }
  }
});

test("every cell goes to the intended target with the intended action (the written list)", (t) => {
  for (let s = 0; s < STATE_COUNT; s++) for (let e = 0; e < EVENT_COUNT; e++) t.is(show(s, e), expected(s, e), `${stateNames[s]} x ${eventNames[e]}`);
});

test("every state is reachable from awaiting-hello, and every timer feeds an event its state handles", (t) => {
  const seen = new Set<number>([State.AwaitingHello]);
  const queue: number[] = [State.AwaitingHello];
  while (queue.length > 0) {
    const s = queue.shift()!;
    for (let e = 0; e < EVENT_COUNT; e++) {
      const to = table[s][e].to;
      if (to >= 0 && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  t.is(seen.size, STATE_COUNT);
  for (let s = 0; s < STATE_COUNT; s++) if (stateTimeout[s] >= 0) t.true(table[s][stateTimeout[s]].to >= 0, `${stateNames[s]}: its timer leaves the state`);
  t.deepEqual(stateTimeout.map((e) => (e < 0 ? "-" : eventNames[e])), ["-", "handshake-timeout", "silence", "silence", "silence", "drain-timeout", "-", "-"]);
});

const KEY = new Uint8Array(32).fill(7);
const ID = "w1";
const G = 5;
/** Inputs are fed this long after the state was entered, so the evictable guard holds. */
const LATER = EVICT_QUIET_MS + 1;

/** Drives a fresh rig into state s; returns the rig and the time it got there. */
function into(s: number): [WireRig, number] {
  const w = new WireRig([[ID, KEY]]);
  let t = 1000;
  const hello = () => w.hello(t++, ID, G);
  const register = () => {
    hello();
    w.proof(t++, ID, KEY);
  };
  switch (s) {
    case State.AwaitingHello:
      w.hello(t++, ID, G, { version: 9 });
      break;
    case State.Challenged:
      hello();
      break;
    case State.Registered:
      register();
      break;
    case State.Binding:
      register();
      w.heartbeat(t++, ID);
      break;
    case State.Active:
      register();
      w.sensor(t++, ID, 1);
      break;
    case State.Draining:
      register();
      w.service.drain(t++, ID, 1, 1000, 2000);
      break;
    case State.Deregistered:
      register();
      w.deregister(t++, ID, DeregisterReason.StopRequested);
      break;
    case State.Dead:
      register();
      w.death(t++, ID, G);
      break;
  }
  if (w.stateOf(t, ID) !== stateNames[s]) throw new Error(`could not drive into ${stateNames[s]}: at ${w.stateOf(t, ID)}`);
  return [w, t];
}

/** Feeds event ev the way it arrives in a running brain (a message, an operator call, a timer). */
function feed(w: WireRig, t: number, ev: number): void {
  const a = w.service.sessions.get(ID)!;
  switch (ev) {
    case Ev.Hello: return w.hello(t, ID, G + 1);
    case Ev.HelloRefused: return w.hello(t, ID, G + 1, { version: 2 });
    case Ev.ProofOk: return w.proof(t, ID, KEY);
    case Ev.ProofBad: return w.proof(t, ID, new Uint8Array(32).fill(8));
    case Ev.ProofStray: return w.proof(t, ID, KEY);
    case Ev.Heartbeat: return w.heartbeat(t, ID, 2);
    case Ev.SensorFrame: return w.sensor(t, ID, 2);
    case Ev.Status: return w.status(t, ID, G);
    case Ev.Deregister: return w.deregister(t, ID, DeregisterReason.StopRequested);
    case Ev.Death: return w.death(t, ID, a.generation);
    case Ev.StaleDeath: return w.death(t, ID, a.generation + 100);
    case Ev.Drain: a.setDrainTerms(1, 1000, 2000); return a.input(t, Ev.Drain);
    case Ev.Evict: return a.input(t, Ev.Evict);
    case Ev.Malformed: return w.raw(t, ID, new Uint8Array([0xa1, 0x61, 0x74, 0x06])); // a heartbeat without fields
    case Ev.Unexpected: return w.raw(t, ID, new Uint8Array([0xa1, 0x61, 0x74, MsgType.Challenge]));
    default: return a.input(t, ev); // the timers: what scan() feeds when a state's deadline passed
  }
}

test("the running session ends in the listed target for every cell (driven by real messages)", (t) => {
  for (let s = 0; s < STATE_COUNT; s++) {
    for (let e = 0; e < EVENT_COUNT; e++) {
      // ProofOk / ProofBad exist only while challenged (elsewhere a proof is classified stray).
      if ((e === Ev.ProofOk || e === Ev.ProofBad) && s !== State.Challenged) continue;
      if (e === Ev.ProofStray && s === State.Challenged) continue;
      const [w, t0] = into(s);
      const before = w.published.length;
      feed(w, t0 + LATER, e);
      const want = expected(s, e).split("/")[0];
      const target = want === "stay" || want === "-" ? stateNames[s] : want;
      t.is(w.stateOf(t0 + LATER, ID), target, `${stateNames[s]} x ${eventNames[e]}`);
      if (want === "-") t.is(w.published.length, before, `${stateNames[s]} x ${eventNames[e]}: ignored, nothing sent`);
    }
  }
});

test("the evictable guard: stray traffic right after a state change is not answered, later it is", (t) => {
  const [w, t0] = into(State.Dead);
  const before = w.published.length;
  w.heartbeat(t0 + 10, ID);
  t.is(w.stateOf(t0 + 10, ID), "dead");
  t.is(w.published.length, before, "quiet period: nothing sent");
  w.sensor(t0 + 20, ID, 9);
  t.is(w.service.sessions.get(ID)!.drops, 1, "the frame is still counted as a drop");
  w.heartbeat(t0 + LATER, ID);
  t.is(w.stateOf(t0 + LATER, ID), "deregistered");
  t.is(w.lastControl(ID)!.type, MsgType.Deregistered);
  w.heartbeat(t0 + LATER + 10, ID);
  t.is(w.service.sessions.get(ID)!.evictions, 1, "evictions are rate-limited");
});
