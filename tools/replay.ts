/*
 * replay: `npm run replay -- run.mcap --controller ./c.ts`, a recording through a controller.
 *
 * Theory of operation: reads the MCAP file the brain wrote with --record
 * (brain/recording/reader.ts), replays every recorded sensor frame through the controller
 * (brain/recording/replay.ts: deterministic, recorded clocks, same adapter as the brain) and
 * prints where its motor output differs from what the brain sent then. Without --controller
 * it replays through the demo controller. `--info` prints the recording's summary (mcap
 * info style: channels, schemas, message counts) instead. A recording the brain could not
 * finish (killed) is read up to its last complete chunk, with a warning. Exit codes: 0 same output (or
 * --info), 1 the output differs, 2 usage error (bad option, unreadable file, a module that
 * is not a controller).
 */
import { parseArgs } from "node:util";
import { ControllerLoadError, loadController } from "../brain/controller-loader";
import type { Controller } from "../brain/controller";
import { DemoController } from "../brain/demo-controller";
import { readRecording, summarize, type Recording } from "../brain/recording/reader";
import { formatReport, replay } from "../brain/recording/replay";

const USAGE = `Usage: npm run replay -- FILE.mcap [--controller FILE] [--info] [--max N]

Replays the sensor frames of a brain recording (npm run brain -- --record FILE.mcap) through a
controller and reports every frame where its motor output differs from the recording.

Options:
  --controller FILE   the controller module (.ts or .js); default: the demo controller
  --info              print the recording's channels and message counts, and exit
  --max N             list at most N differences (default 20)
  -h, --help          this text

Exit code: 0 same output, 1 differences, 2 usage error.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { controller: { type: "string" }, info: { type: "boolean" }, max: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    console.error(`replay: ${(e as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`replay: give exactly one recording (got ${positionals.length}; see --help)`);
    return 2;
  }
  const max = values.max === undefined ? 20 : Number(values.max);
  if (!Number.isInteger(max) || max < 0) {
    console.error(`replay: --max must be a whole number (got ${values.max})`);
    return 2;
  }
  const path = positionals[0];
  let rec: Recording;
  try {
    rec = await readRecording(path);
  } catch (e) {
    console.error(`replay: cannot read ${path}: ${(e as Error).message}`);
    return 2;
  }
  if (!rec.closedCleanly) console.error(`replay: ${path} was not closed cleanly (the brain stopped before finishing it): read up to its last complete chunk, ${rec.messageCount} messages`);
  if (values.info) {
    console.log(summarize(path, rec));
    return 0;
  }
  let controller: Controller;
  try {
    controller = values.controller === undefined ? new DemoController({ log: () => undefined }) : await loadController(values.controller);
  } catch (e) {
    if (e instanceof ControllerLoadError) {
      console.error(`replay: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let report;
  try {
    report = await replay(rec, controller, max);
  } catch (e) {
    console.error(`replay: ${(e as Error).message}`);
    return 2;
  }
  console.log(`${path} through ${values.controller ?? "the demo controller"}`);
  console.log(formatReport(report));
  return report.differing === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`replay: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
