/*
 * The Moddable host's socket failure codes and their evidence classes: the shared vector suite
 * on V8 and on XS (the engine the firmware runs on).
 */
import { testOnV8AndXs } from "./helpers/both-engines";
import { run } from "./vectors/moddable-socket-errors.suite";

testOnV8AndXs("moddable socket errors suite", run, "test/vectors/moddable-socket-errors.suite.ts", 28);
