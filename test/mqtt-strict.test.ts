/*
 * The strict MQTT 3.1.1 client: every vector of test/vectors/mqtt-strict.suite.ts (a packet a
 * server must not send, in its context) against the client's decoder, whole, one byte at a
 * time and followed by a valid packet, on V8 and on XS; the table of vectors, printed; and
 * every code the client's decoder can give is shown by at least one vector. The same vectors
 * against the Node host over TCP are in mqtt-strict-node.test.ts.
 */
import test from "ava";
import { Err, errorName, errorText } from "../src/errors";
import { testOnV8AndXs } from "./helpers/both-engines";
import { acceptedVectors, run, strictTable, strictVectors } from "./vectors/mqtt-strict.suite";

// At least 4 checks per feed (whole, one byte at a time), 4 with the follower, 2 for the recovery.
testOnV8AndXs("mqtt strict client vectors", run, "test/vectors/mqtt-strict.suite.ts", strictVectors.length * 14 + acceptedVectors.length * 2);

/** Every code the client's decoder returns (packet-reader.ts, decoder.ts, client-rules.ts). */
const clientDecoderCodes = [
  Err.MqttBadType, Err.MqttWrongDirection, Err.MqttBadFlags, Err.MqttBadLength, Err.MqttTooLarge,
  Err.MqttLengthMismatch, Err.MqttMalformed, Err.MqttZeroPacketId, Err.MqttBadTopicName, Err.MqttBadUtf8,
  Err.MqttBadConnack, Err.MqttBadSubackCode, Err.MqttConnackNotFirst, Err.MqttConnackRepeated,
  Err.MqttSessionPresent, Err.MqttUnsolicitedAck, Err.MqttSubackCount, Err.MqttQosNotRequested,
];

test("every code of the client's decoder has a vector, a name and a description; names are unique", (t) => {
  const used = new Set(strictVectors.map((v) => v[5]));
  for (const code of clientDecoderCodes) {
    t.true(used.has(code), `no vector gives ${errorName(code)}`);
    t.not(errorName(code), "UNKNOWN");
    t.not(errorText(code), "unknown error code");
  }
  for (const code of used) t.true(clientDecoderCodes.includes(code as (typeof clientDecoderCodes)[number]), `${errorName(code)} is not a decoder code`);
  t.is(new Set(strictVectors.map((v) => v[0])).size, strictVectors.length, "vector names are unique");
});

test("the table of malformed vectors", (t) => {
  const table = strictTable();
  t.is(table.split("\n").length, strictVectors.length + 2);
  t.log(`\n${table}`);
});
