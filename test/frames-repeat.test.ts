/*
 * The frame decoders' repeat path gives the results of the general path in every case of
 * test/vectors/frames-repeat.suite.ts, on V8 and on XS.
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/frames-repeat.suite";

testOnV8AndXs("frame repeat path suite", run, "test/vectors/frames-repeat.suite.ts", 5000);
