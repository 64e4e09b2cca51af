/*
 * The Moddable host's config parser and setup-time text checks: the shared vector suite on V8
 * and on XS (the engine the firmware runs on).
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/moddable-settings.suite";

testOnV8AndXs("moddable settings suite", run, "test/vectors/moddable-settings.suite.ts", 51);
