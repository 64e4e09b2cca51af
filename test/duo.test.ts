/*
 * Both ends on one simulated clock: the real device Agent and the real brain session service
 * (testkit/duo.ts, scenarios in test/vectors/duo.suite.ts), on V8 and on XS: on XS the whole
 * world, brain included, runs inside one xsnap bundle (the brain session is engine-agnostic).
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/duo.suite";

testOnV8AndXs("device and brain sessions, one simulated clock", run, "test/vectors/duo.suite.ts", 60);
