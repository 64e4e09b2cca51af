/*
 * checkAgentConfig lists every config problem (the session's included) without building an
 * Agent and never throws: test/vectors/session-config.suite.ts on V8 and on XS.
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/session-config.suite";

testOnV8AndXs("agent config check", run, "test/vectors/session-config.suite.ts", 60);
