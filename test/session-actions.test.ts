/*
 * The action queue never loses a control action: Reports give way when it is full.
 */
import test from "ava";
import { Act, ActionQueue, Level } from "../src/session/actions";

test("a full queue drops reports first and keeps every control action in order", (t) => {
  const q = new ActionQueue();
  for (let i = 0; i < 32; i++) q.push(Act.Report, i, 0, Level.Debug);
  q.push(Act.Report, 99, 0, Level.Debug); // dropped
  q.push(Act.MotorsSafe, 1, 0, Level.Debug); // evicts the oldest report
  q.push(Act.Close, 2, 0, Level.Debug);
  t.is(q.droppedReports, 3);
  t.is(q.length, 32);
  const seen: number[] = [];
  for (let a = q.poll(); a !== Act.None; a = q.poll()) seen.push(a === Act.Report ? q.a : -a);
  t.deepEqual(seen.slice(0, 30), Array.from({ length: 30 }, (_, i) => i + 2));
  t.deepEqual(seen.slice(30), [-Act.MotorsSafe, -Act.Close]);
});

test("a queue full of control actions is a programmer bug and throws", (t) => {
  const q = new ActionQueue();
  for (let i = 0; i < 32; i++) q.push(Act.SendPing, 0, 0, Level.Debug);
  t.throws(() => q.push(Act.Close, 0, 0, Level.Debug), { message: /overflow/ });
});
