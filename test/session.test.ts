/*
 * The session scenario suite on V8 and on XS (same file: test/vectors/session.suite.ts).
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/session.suite";

testOnV8AndXs("session scenarios", run, "test/vectors/session.suite.ts", 101, 200);
