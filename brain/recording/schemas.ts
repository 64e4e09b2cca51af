/*
 * brain/recording/schemas: topic names and JSON Schemas of everything the brain records and
 * serves live (MCAP files and the Foxglove WebSocket use the same ones).
 *
 * Theory of operation: messages are JSON (message encoding "json", schema encoding
 * "jsonschema"), the pair Foxglove, Lichtblick and the MCAP CLI read without plugins. Topics:
 *   /<agent>/<channel>   one per sensor and motor channel (schemas brainstem.SensorChannel,
 *                        brainstem.MotorChannel): the frame's seq and clocks and `values`;
 *   /<agent>/status      brainstem.AgentStatus, the agent's /status entry;
 *   /brainstem/sessions  brainstem.Session: each session's channel table (replay needs it);
 *   /brainstem/events    brainstem.Event: registrations, rejections, deaths, deregistrations,
 *                        operator commands.
 * Channel names are [A-Za-z0-9_-] and agent ids too, so topics need no escaping; a channel
 * named "status" is published as /<agent>/status_channel so the status topic stays unique.
 */
export const SESSIONS_TOPIC = "/brainstem/sessions";
export const EVENTS_TOPIC = "/brainstem/events";

export function channelTopic(agentId: string, channelName: string): string {
  return `/${agentId}/${channelName === "status" ? "status_channel" : channelName}`;
}

export function statusTopic(agentId: string): string {
  return `/${agentId}/status`;
}

const values = { type: "array", items: { type: "number" }, description: "the channel's elements, in order" };
/** The fields every per-channel message starts with (sensor and motor alike). */
const channelFields = {
  agentId: { type: "string" },
  sessionId: { type: "integer" },
  channel: { type: "string" },
  unit: { type: "string" },
};

export const SCHEMAS = {
  sensor: {
    name: "brainstem.SensorChannel",
    schema: {
      title: "brainstem.SensorChannel",
      description: "One sensor channel of one sensor frame",
      type: "object",
      properties: {
        ...channelFields,
        seq: { type: "integer", description: "the frame's sequence number" },
        brainTimeMs: { type: "integer", description: "brain time when the frame arrived, ms mod 2^32" },
        agentTimeMs: { type: "integer", description: "when the agent sampled it, in brain time as the agent estimates it, ms mod 2^32" },
        values,
      },
      required: ["agentId", "sessionId", "channel", "seq", "brainTimeMs", "agentTimeMs", "values"],
    },
  },
  motor: {
    name: "brainstem.MotorChannel",
    schema: {
      title: "brainstem.MotorChannel",
      description: "One motor channel of one motor frame the brain sent",
      type: "object",
      properties: {
        ...channelFields,
        seq: { type: "integer", description: "the motor frame's sequence number" },
        deadline: { type: "integer", description: "brain time after which the agent discards it, ms mod 2^32" },
        sensorSeq: { type: "integer", description: "the agent's latest sensor frame when it was sent" },
        values,
      },
      required: ["agentId", "sessionId", "channel", "seq", "deadline", "sensorSeq", "values"],
    },
  },
  status: {
    name: "brainstem.AgentStatus",
    schema: {
      title: "brainstem.AgentStatus",
      description: "An agent's entry of the brain's /status (phase, RTT, clock offset, counters, reasons)",
      type: "object",
      properties: {
        id: { type: "string" },
        phase: { type: "string" },
        generation: { type: "integer" },
        sessionId: { type: ["integer", "null"] },
        rttMs: { type: "number" },
        clockOffsetMs: { type: ["integer", "null"], description: "device clock minus brain clock, ms (arbitrary: the device counts from its boot)" },
        counters: { type: "object", additionalProperties: { type: "number" } },
        framesIn: { type: "integer" },
        framesOut: { type: "integer" },
        drops: { type: "integer" },
      },
      required: ["id", "phase"],
    },
  },
  session: {
    name: "brainstem.Session",
    schema: {
      title: "brainstem.Session",
      description: "An agent session's channel table",
      type: "object",
      properties: {
        agentId: { type: "string" },
        sessionId: { type: "integer" },
        channels: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              unit: { type: "string" },
              id: { type: "integer" },
              kind: { enum: ["sensor", "motor"] },
              type: { enum: ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "f64"] },
              count: { type: "integer" },
              rateHz: { type: "number" },
            },
            required: ["name", "id", "kind", "type", "count"],
          },
        },
      },
      required: ["agentId", "sessionId", "channels"],
    },
  },
  event: {
    name: "brainstem.Event",
    schema: {
      title: "brainstem.Event",
      description: "A control event: registered, rejected, death, stale-death, deregistered, drain, deregister",
      type: "object",
      properties: { agentId: { type: "string" }, event: { type: "string" }, detail: { type: "string" } },
      required: ["agentId", "event", "detail"],
    },
  },
} as const;

export type SchemaKind = keyof typeof SCHEMAS;
