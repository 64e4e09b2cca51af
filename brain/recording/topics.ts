/*
 * brain/recording/topics: telemetry records -> (topic, schema, JSON body) messages.
 *
 * Theory of operation: the recorder and the Foxglove server publish the same messages. A
 * sensor or motor record becomes one message per channel in it, on /<agent>/<channel>
 * (schemas.ts), carrying the frame's fields plus the channel's name and unit; a status record
 * goes to /<agent>/status, a session to /brainstem/sessions, an event to /brainstem/events.
 * Units come from the session record seen before the frames (kept per agent).
 */
import type { ChannelDesc, Record } from "../live/telemetry";
import { channelTopic, EVENTS_TOPIC, SESSIONS_TOPIC, statusTopic, type SchemaKind } from "./schemas";

export interface TopicMessage {
  topic: string;
  kind: SchemaKind;
  body: object;
}

export class TopicMapper {
  private readonly units = new Map<string, Map<string, string>>();

  map(rec: Record, out: TopicMessage[]): void {
    switch (rec.type) {
      case "session": {
        const u = new Map<string, string>();
        for (const c of rec.channels) u.set(c.name, c.unit);
        this.units.set(rec.agentId, u);
        out.push({ topic: SESSIONS_TOPIC, kind: "session", body: rec });
        return;
      }
      case "sensor":
        this.perChannel(rec, "sensor", { seq: rec.seq, brainTimeMs: rec.brainTimeMs, agentTimeMs: rec.agentTimeMs }, out);
        return;
      case "motor":
        this.perChannel(rec, "motor", { seq: rec.seq, deadline: rec.deadline, sensorSeq: rec.sensorSeq }, out);
        return;
      case "status":
        out.push({ topic: statusTopic(rec.agentId), kind: "status", body: rec.status });
        return;
      case "event":
        out.push({ topic: EVENTS_TOPIC, kind: "event", body: { agentId: rec.agentId, event: rec.event, detail: rec.detail } });
        return;
    }
  }

  /** One message per channel of a frame: the channel's fields, then the frame's, then its values. */
  private perChannel(rec: { agentId: string; sessionId: number; values: { [name: string]: number[] } }, kind: "sensor" | "motor", frame: object, out: TopicMessage[]): void {
    const u = this.units.get(rec.agentId);
    for (const name of Object.keys(rec.values))
      out.push({
        topic: channelTopic(rec.agentId, name),
        kind,
        body: { agentId: rec.agentId, sessionId: rec.sessionId, channel: name, unit: u?.get(name) ?? "", ...frame, values: rec.values[name] },
      });
  }

  /** Topics of one agent's channel table (what a live view advertises for a session). */
  static channelTopics(agentId: string, channels: readonly ChannelDesc[]): { topic: string; kind: SchemaKind }[] {
    return channels.map((c) => ({ topic: channelTopic(agentId, c.name), kind: c.kind }));
  }
}
