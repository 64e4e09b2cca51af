/*
 * Control messages, handshake values and topics: the shared vector suite on V8 and on XS.
 * Differential tests against cbor-x and node:crypto are in messages-diff.test.ts, the garbage
 * run in messages-garbage.test.ts.
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/messages.suite.ts";

testOnV8AndXs("messages suite", run, "test/vectors/messages.suite.ts", 1);
