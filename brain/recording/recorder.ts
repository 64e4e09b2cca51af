/*
 * brain/recording/recorder: every telemetry record into an MCAP file, off the data path.
 *
 * Theory of operation: `push` (called synchronously from the brain's event listeners) only
 * appends the record and its arrival time to a bounded queue and wakes the writer loop; it
 * never waits for the disk. The loop maps records to topic messages (topics.ts), registers a
 * schema and a channel the first time a topic appears, JSON-encodes the body and awaits
 * @mcap/core's McapWriter, which writes chunks through a FileHandle. A chunk goes to the disk
 * as soon as it holds CHUNK_MAX_BYTES or its first message is `flushEveryMs` old (checked at
 * each message; the brain's periodic status records keep messages coming while any agent is
 * known), so a brain that is killed leaves a file readable up to its last written chunk (the
 * reader falls back to streaming when the summary and footer are missing). When the queue holds
 * `maxQueue` records, new sensor and motor records are dropped and counted (framesDropped);
 * sessions, statuses and events are kept (they are rare and replay needs sessions), up to
 * twice the bound. `stats()` gives messages and bytes written, frames dropped and the queue
 * depth. `close()` drains the queue, writes the summary (statistics, indexes) and closes.
 * Log times are wall-clock nanoseconds, made monotonic with the high-resolution clock.
 */
import { open, type FileHandle } from "node:fs/promises";
import { McapWriter, type IWritable } from "@mcap/core";
import type { Record, Sink } from "../live/telemetry";
import { SCHEMAS, type SchemaKind } from "./schemas";
import { TopicMapper, type TopicMessage } from "./topics";

export interface RecorderStats {
  path: string;
  messagesWritten: number;
  bytesWritten: number;
  framesDropped: number;
  queued: number;
}

/** Records waiting for the disk before frames are dropped (default). */
export const RECORDER_QUEUE_DEFAULT = 20_000;
/** A chunk is written once it holds this many bytes... */
export const CHUNK_MAX_BYTES = 64 * 1024;
/** ...or once its first message is this old (default). */
export const RECORDER_FLUSH_MS_DEFAULT = 1000;

class FileWritable implements IWritable {
  private pos = 0n;
  constructor(private readonly fh: FileHandle) {}
  async write(buffer: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buffer.length) {
      const { bytesWritten } = await this.fh.write(buffer, off, buffer.length - off);
      off += bytesWritten;
    }
    this.pos += BigInt(buffer.length);
  }
  position(): bigint {
    return this.pos;
  }
}

/** A monotonic wall clock in nanoseconds. */
function makeNanoClock(): () => bigint {
  const wall0 = BigInt(Date.now()) * 1_000_000n;
  const hr0 = process.hrtime.bigint();
  return () => wall0 + (process.hrtime.bigint() - hr0);
}

export class McapRecorder implements Sink {
  private readonly queue: { rec: Record; time: bigint }[] = [];
  private readonly channels = new Map<string, number>();
  private readonly schemas = new Map<SchemaKind, number>();
  private readonly sequences = new Map<number, number>();
  private readonly mapper = new TopicMapper();
  private readonly encoder = new TextEncoder();
  private readonly now = makeNanoClock();
  private readonly scratch: TopicMessage[] = [];
  private pumping: Promise<void> | null = null;
  private closing = false;
  private failure: Error | null = null;
  private messagesWritten = 0;
  private framesDropped = 0;
  /** Date.now() of the first message of the chunk being built, null while it is empty. */
  private chunkOpenedAt: number | null = null;
  private flushEveryMs = RECORDER_FLUSH_MS_DEFAULT;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly writable: FileWritable,
    private readonly writer: McapWriter,
    private readonly maxQueue: number,
  ) {}

  static async open(path: string, maxQueue = RECORDER_QUEUE_DEFAULT, flushEveryMs = RECORDER_FLUSH_MS_DEFAULT): Promise<McapRecorder> {
    const fh = await open(path, "w");
    const writable = new FileWritable(fh);
    // McapWriter closes a chunk when `chunk bytes > chunkSize`, comparing after each message; its
    // only public knob is that number, so it is given as an object whose value drops to -1 when
    // the open chunk is old enough (the comparison calls valueOf each time).
    let rec: McapRecorder | null = null;
    const chunkSize = { valueOf: () => (rec !== null && rec.chunkIsDue() ? -1 : CHUNK_MAX_BYTES) } as unknown as number;
    const writer = new McapWriter({ writable, chunkSize, useStatistics: true, useChunks: true, useChunkIndex: true, useMessageIndex: true, useSummaryOffsets: true });
    await writer.start({ profile: "", library: "brainstem brain" });
    rec = new McapRecorder(path, fh, writable, writer, maxQueue);
    rec.flushEveryMs = flushEveryMs;
    return rec;
  }

  private chunkIsDue(): boolean {
    return this.chunkOpenedAt !== null && Date.now() - this.chunkOpenedAt >= this.flushEveryMs;
  }

  wantsFrames(): boolean {
    return !this.closing && this.failure === null;
  }

  push(rec: Record): void {
    if (this.closing || this.failure !== null) return;
    const isFrame = rec.type === "sensor" || rec.type === "motor";
    if (this.queue.length >= (isFrame ? this.maxQueue : 2 * this.maxQueue)) {
      if (isFrame) this.framesDropped++;
      return;
    }
    this.queue.push({ rec, time: this.now() });
    if (this.pumping === null) this.pumping = this.pump();
  }

  stats(): RecorderStats {
    return { path: this.path, messagesWritten: this.messagesWritten, bytesWritten: Number(this.writable.position()), framesDropped: this.framesDropped, queued: this.queue.length };
  }

  /** The write error that stopped the recording, if any. */
  error(): Error | null {
    return this.failure;
  }

  /** Writes what is queued, then the summary, and closes the file. */
  async close(): Promise<RecorderStats> {
    if (!this.closing) {
      this.closing = true;
      while (this.pumping !== null) await this.pumping;
      try {
        if (this.failure === null) await this.writer.end();
      } finally {
        await this.fh.close();
      }
    }
    return this.stats();
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === null) {
        const { rec, time } = this.queue.shift()!;
        const msgs = this.scratch;
        msgs.length = 0;
        this.mapper.map(rec, msgs);
        for (const m of msgs) {
          const channelId = await this.channelOf(m);
          const sequence = (this.sequences.get(channelId) ?? 0) + 1;
          this.sequences.set(channelId, sequence);
          const before = this.writable.position();
          this.chunkOpenedAt ??= Date.now();
          await this.writer.addMessage({ channelId, sequence, logTime: time, publishTime: time, data: this.encoder.encode(JSON.stringify(m.body)) });
          if (this.writable.position() !== before) this.chunkOpenedAt = null; // the chunk went to the disk
          this.messagesWritten++;
        }
      }
    } catch (e) {
      this.failure = e as Error;
    } finally {
      this.pumping = null;
    }
  }

  private async channelOf(m: TopicMessage): Promise<number> {
    const known = this.channels.get(m.topic);
    if (known !== undefined) return known;
    let schemaId = this.schemas.get(m.kind);
    if (schemaId === undefined) {
      const s = SCHEMAS[m.kind];
      schemaId = await this.writer.registerSchema({ name: s.name, encoding: "jsonschema", data: this.encoder.encode(JSON.stringify(s.schema)) });
      this.schemas.set(m.kind, schemaId);
    }
    const id = await this.writer.registerChannel({ topic: m.topic, schemaId, messageEncoding: "json", metadata: new Map() });
    this.channels.set(m.topic, id);
    return id;
  }
}
