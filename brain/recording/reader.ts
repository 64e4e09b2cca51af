/*
 * brain/recording/reader: an MCAP recording of the brain read back, and its summary.
 *
 * Theory of operation: McapIndexedReader (@mcap/core) over a FileHandle reads the summary
 * section (schemas, channels, statistics) and then every message in log-time order; each
 * message's JSON body is parsed and sorted by topic kind: sessions, sensor and motor channel
 * messages (by their schema name), statuses and events. `summarize` prints what `mcap info`
 * prints: file size, library, time span, message count, and per channel its topic, schema,
 * encoding and message count. A file without its summary and footer (the brain was killed
 * before it could close the recording) is read instead from the start with McapStreamReader,
 * every complete chunk up to where the writing stopped, and is marked `closedCleanly: false`.
 */
import { open } from "node:fs/promises";
import { MCAP_MAGIC, McapIndexedReader, McapStreamReader, type IReadable } from "@mcap/core";
import { SCHEMAS } from "./schemas";

export interface RecordedMessage {
  topic: string;
  schema: string;
  logTimeNs: bigint;
  body: { [key: string]: unknown };
}

export interface ChannelSummary {
  id: number;
  topic: string;
  schema: string;
  messageEncoding: string;
  schemaEncoding: string;
  messages: number;
}

export interface Recording {
  library: string;
  sizeBytes: number;
  startNs: bigint;
  endNs: bigint;
  messageCount: number;
  channels: ChannelSummary[];
  messages: RecordedMessage[];
  /** false: no summary and footer, read by streaming up to the last complete record. */
  closedCleanly: boolean;
}

/** Reads a whole recording (they are small enough for memory at this brain's rates). */
export async function readRecording(path: string): Promise<Recording> {
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const readable: IReadable = {
      size: async () => BigInt(size),
      read: async (offset, length) => {
        const buf = new Uint8Array(Number(length));
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, Number(offset) + got);
          if (bytesRead === 0) throw new Error(`${path}: unexpected end of file`);
          got += bytesRead;
        }
        return buf;
      },
    };
    let reader: McapIndexedReader;
    try {
      reader = await McapIndexedReader.Initialize({ readable });
    } catch (e) {
      const whole = await readable.read(0n, BigInt(size));
      const streamed = endsWithMagic(whole) ? null : streamRecording(whole);
      if (streamed === null) throw e; // a finished file that is damaged, or not MCAP: the indexed reader's reason
      return streamed;
    }
    const decoder = new TextDecoder();
    const counts = new Map<number, number>();
    const messages: RecordedMessage[] = [];
    for await (const m of reader.readMessages({ validateCrcs: true })) {
      const ch = reader.channelsById.get(m.channelId)!;
      const schema = reader.schemasById.get(ch.schemaId)?.name ?? "";
      counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
      messages.push({ topic: ch.topic, schema, logTimeNs: m.logTime, body: JSON.parse(decoder.decode(m.data)) });
    }
    const channels: ChannelSummary[] = [...reader.channelsById.values()]
      .map((c) => {
        const s = reader.schemasById.get(c.schemaId);
        return { id: c.id, topic: c.topic, schema: s?.name ?? "", schemaEncoding: s?.encoding ?? "", messageEncoding: c.messageEncoding, messages: counts.get(c.id) ?? 0 };
      })
      .sort((a, b) => a.id - b.id);
    const st = reader.statistics;
    return {
      library: reader.header.library,
      sizeBytes: size,
      startNs: st?.messageStartTime ?? (messages[0]?.logTimeNs ?? 0n),
      endNs: st?.messageEndTime ?? (messages[messages.length - 1]?.logTimeNs ?? 0n),
      messageCount: Number(st?.messageCount ?? BigInt(messages.length)),
      channels,
      messages,
      closedCleanly: true,
    };
  } finally {
    await fh.close();
  }
}

function endsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 * MCAP_MAGIC.length && MCAP_MAGIC.every((b, i) => bytes[bytes.length - MCAP_MAGIC.length + i] === b);
}

/** The complete records of an unfinished file, or null when it does not start as MCAP. */
function streamRecording(bytes: Uint8Array): Recording | null {
  const stream = new McapStreamReader({ validateCrcs: true });
  stream.append(bytes);
  const decoder = new TextDecoder();
  const schemas = new Map<number, { name: string; encoding: string }>();
  const channels = new Map<number, ChannelSummary>();
  const messages: RecordedMessage[] = [];
  let library: string | null = null;
  for (;;) {
    let r;
    try {
      r = stream.nextRecord();
    } catch {
      break; // a damaged last record: keep what came before it
    }
    if (r === undefined) break;
    if (r.type === "Header") library = r.library;
    else if (r.type === "Schema") schemas.set(r.id, { name: r.name, encoding: r.encoding });
    else if (r.type === "Channel") {
      const s = schemas.get(r.schemaId);
      channels.set(r.id, { id: r.id, topic: r.topic, schema: s?.name ?? "", schemaEncoding: s?.encoding ?? "", messageEncoding: r.messageEncoding, messages: 0 });
    } else if (r.type === "Message") {
      const ch = channels.get(r.channelId);
      if (ch === undefined) continue;
      ch.messages++;
      messages.push({ topic: ch.topic, schema: ch.schema, logTimeNs: r.logTime, body: JSON.parse(decoder.decode(r.data)) });
    }
  }
  if (library === null) return null;
  messages.sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : a.logTimeNs > b.logTimeNs ? 1 : 0));
  return {
    library,
    sizeBytes: bytes.length,
    startNs: messages[0]?.logTimeNs ?? 0n,
    endNs: messages[messages.length - 1]?.logTimeNs ?? 0n,
    messageCount: messages.length,
    channels: [...channels.values()].sort((a, b) => a.id - b.id),
    messages,
    closedCleanly: false,
  };
}

export const isSensorMessage = (m: RecordedMessage) => m.schema === SCHEMAS.sensor.name;
export const isMotorMessage = (m: RecordedMessage) => m.schema === SCHEMAS.motor.name;
export const isSessionMessage = (m: RecordedMessage) => m.schema === SCHEMAS.session.name;

/** An `mcap info`-style summary. */
export function summarize(path: string, r: Recording): string {
  const secs = Number(r.endNs - r.startNs) / 1e9;
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
  const lines = [
    `file:      ${path}`,
    `size:      ${r.sizeBytes} bytes`,
    `library:   ${r.library}`,
    `messages:  ${r.messageCount}`,
    `duration:  ${secs.toFixed(3)} s`,
    `start:     ${iso(r.startNs)}`,
    `end:       ${iso(r.endNs)}`,
    `channels (${r.channels.length}):`,
  ];
  if (!r.closedCleanly) lines.splice(1, 0, `warning:   not closed cleanly (no summary or footer: the writer was stopped); read up to its last complete chunk`);
  const w = Math.max(...r.channels.map((c) => c.topic.length), 5);
  for (const c of r.channels)
    lines.push(`  (${c.id}) ${c.topic.padEnd(w)}  ${String(c.messages).padStart(6)} msgs  ${(secs > 0 ? c.messages / secs : 0).toFixed(2).padStart(8)} Hz  : ${c.schema} [${c.schemaEncoding}] / ${c.messageEncoding}`);
  return lines.join("\n");
}
