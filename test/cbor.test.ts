/*
 * CBOR subset: the shared vector suite on V8 and on XS.
 * The differential tests against cbor-x are in cbor-diff.test.ts, the garbage runs in
 * cbor-garbage.test.ts.
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/cbor.suite.ts";

testOnV8AndXs("cbor suite", run, "test/vectors/cbor.suite.ts", 1);
