/*
 * tools/xs/tick-profile: where the XS bytecodes of a steady-state tick go, per method.
 *
 *   npx tsx tools/xs/tick-profile.ts [--hz N] [--ticks N] [--all] [--codec OP]
 *
 * Runs the session loop of bench/session-loop.ts (the real agent against the in-memory brain,
 * N Hz sensor frames, a heartbeat a second; both sides on an HMAC that does no work, so that
 * the rest shows) in an xsnap worker, and prints, per method of the objects on the tick's
 * path, the bytecodes it executed itself per tick (module-level functions count for the method
 * that called them) and its calls per tick; agent side only unless --all. With --codec OP, the
 * same for one operation of bench/codec-ours.xs.ts (decode, decodeFrame, encode, ...) per call.
 * How: tick-profile.xs.ts runs method-profile.ts, which wraps the methods of every object
 * reachable from the loop so that each call laps xsnap's compute meter; the wrappers' own
 * bytecodes are measured on an empty method and taken off.
 * Figures are counts, the same on every run; natives count their element work (a set() of n
 * bytes counts about 2n), which overstates native copies against the chip.
 */
import { withXsWorker } from "../../testkit/xs-lab";

interface Profile {
  rows: [string, number, number][];
}

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log("usage: npx tsx tools/xs/tick-profile.ts [--hz N (20)] [--ticks N (200)] [--all] [--codec OP]");
    return;
  }
  const hz = Number(option(argv, "--hz", "20"));
  const ticks = Number(option(argv, "--ticks", "200"));
  const op = option(argv, "--codec", "");
  const all = argv.includes("--all");
  await withXsWorker(async (w) => {
    await w.evaluateBundle("tools/xs/tick-profile.xs.ts", "tickProfile");
    let p: Profile;
    if (op) {
      p = await w.call<Profile>("tickProfile.profileCodec", op, ticks);
    } else {
      p = await w.call<Profile>("tickProfile.profileTicks", hz, ticks);
    }
    const sums = new Map<string, number>();
    console.log(op ? `bytecodes per call of ${op}` : `bytecodes per tick at ${hz} Hz, ${ticks} ticks`);
    console.log("bytecodes  calls  method");
    for (const [label, bytecodes, calls] of p.rows) {
      const side = label.startsWith("brain: ") ? "brain" : label.startsWith("agent: ") ? "agent" : "";
      if (side) sums.set(side, (sums.get(side) ?? 0) + bytecodes);
      if (!all && side === "brain") continue;
      console.log(`${bytecodes.toFixed(0).padStart(9)} ${calls.toFixed(2).padStart(6)}  ${label}`);
    }
    for (const [side, total] of sums) console.log(`${total.toFixed(0).padStart(9)}         total, ${side}`);
  }, { stdout: "inherit" });
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`tick-profile: ${(e as Error).message}`);
  process.exit(1);
});
