/*
 * Sensor and motor frames: the shared vector suite on V8 and on XS.
 * Differential tests against cbor-x and node:crypto are in frames-diff.test.ts, the garbage
 * runs in frames-garbage.test.ts.
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/frames.suite.ts";

testOnV8AndXs("frames suite", run, "test/vectors/frames.suite.ts", 1);
