/*
 * tools/status-line.ts: the status of `npm start` fits the terminal and is rewritten in place
 * there; elsewhere it is plain lines, at most one per period. Tables of inputs and the exact
 * bytes written.
 */
import test from "ava";
import { fitWidth, statusOutput } from "../tools/status-line";

const FIT: [text: string, columns: number | undefined, want: string][] = [
  ["short", 80, "short"],
  ["x".repeat(79), 80, "x".repeat(79)],
  ["x".repeat(80), 80, `${"x".repeat(78)}…`],
  ["x".repeat(200), 40, `${"x".repeat(38)}…`],
  ["no width known", undefined, "no width known"],
];
for (const [text, columns, want] of FIT)
  test(`fitWidth: ${text.length} characters in ${columns} columns`, (t) => {
    t.is(fitWidth(text, columns), want);
    if (columns !== undefined) t.true(fitWidth(text, columns).length < columns);
  });

type Step = ["status", string, number] | ["line", string] | ["end", string | null];
const OUTPUT: [why: string, tty: boolean, steps: Step[], written: string][] = [
  ["terminal: rewritten in place, cut to width, log lines erase it", true, [["status", "a".repeat(30), 0], ["status", "b", 1000], ["line", "warn x"], ["status", "c", 2000], ["end", "c"]], `\r\x1b[K${"a".repeat(18)}…\r\x1b[Kb\r\x1b[Kwarn x\n\r\x1b[Kc\n`],
  ["pipe: plain lines, one per period, the last status at the end", false, [["status", "s0", 0], ["status", "s1", 1000], ["line", "warn x"], ["status", "s5", 5000], ["status", "s6", 6000], ["end", "s6"]], "s0\nwarn x\ns5\ns6\n"],
];
for (const [why, tty, steps, written] of OUTPUT)
  test(`statusOutput: ${why}`, (t) => {
    let got = "";
    const out = statusOutput({ isTTY: tty, columns: 20, write: (s: string) => (got += s) }, 5000);
    for (const s of steps) {
      if (s[0] === "status") out.status(s[1], s[2]);
      else if (s[0] === "line") out.line(s[1]);
      else out.end(s[1]);
    }
    t.is(got, written);
  });
