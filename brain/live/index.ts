/*
 * brain/live: what a running brain shows and keeps: the built-in page, the Foxglove server
 * and the MCAP recording, all consumers of the brain's events.
 *
 * Theory of operation: `startLive(brain, options)` makes one Telemetry (telemetry.ts) and
 * adds its sinks: the page (always; served by the status port through `handle`), a
 * FoxgloveLive server when `foxglovePort` is given, an McapRecorder when `record` is given.
 * `extraStatus()` adds the recording's counters and the Foxglove URL to /status. `close()`
 * stops the sinks and finishes the recording (its summary and indexes are written then).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { McapRecorder, type RecorderStats } from "../recording/recorder";
import { FoxgloveLive } from "./foxglove";
import { DRAIN_RETRY_AFTER_MS, PageServer } from "./page-server";
import { Telemetry, type LiveBrain } from "./telemetry";

export interface LiveOptions {
  /** Port of the Foxglove WebSocket server on 127.0.0.1 (0 = a free port); none when absent. */
  foxglovePort?: number;
  /** Path of an MCAP file to record to; no recording when absent. */
  record?: string;
}

export interface LiveExtras {
  recording?: RecorderStats;
  foxglove?: string;
}

export interface Live {
  readonly telemetry: Telemetry;
  readonly foxglove: FoxgloveLive | null;
  readonly recorder: McapRecorder | null;
  /** The page's routes (false: not one of them). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  extraStatus(): LiveExtras;
  close(): Promise<RecorderStats | null>;
}

export async function startLive(brain: LiveBrain, opts: LiveOptions): Promise<Live> {
  const telemetry = new Telemetry(brain);
  let foxglove: FoxgloveLive | null = null;
  let recorder: McapRecorder | null = null;
  try {
    if (opts.record !== undefined) recorder = await McapRecorder.open(opts.record);
    if (opts.foxglovePort !== undefined) foxglove = await FoxgloveLive.start(opts.foxglovePort);
  } catch (e) {
    telemetry.close();
    await recorder?.close();
    throw e;
  }
  const extraStatus = (): LiveExtras => {
    const x: LiveExtras = {};
    if (recorder !== null) x.recording = recorder.stats();
    if (foxglove !== null) x.foxglove = foxglove.url;
    return x;
  };
  const page = new PageServer(
    {
      report: () => ({ ...brain.status(), ...extraStatus() }),
      drain: (id) => brain.drain(id, 2, DRAIN_RETRY_AFTER_MS),
      deregister: (id) => brain.deregister(id),
    },
    telemetry,
  );
  if (recorder !== null) telemetry.addSink(recorder);
  if (foxglove !== null) telemetry.addSink(foxglove);
  telemetry.addSink(page);
  let closed: Promise<RecorderStats | null> | null = null;
  return {
    telemetry,
    foxglove,
    recorder,
    handle: (req, res) => page.handle(req, res),
    extraStatus,
    close() {
      closed ??= (async () => {
        telemetry.close();
        page.close();
        await foxglove?.close();
        return recorder === null ? null : recorder.close();
      })();
      return closed;
    },
  };
}
