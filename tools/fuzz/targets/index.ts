/*
 * fuzz/targets: the registry of real fuzz targets, in the order the budget is spent.
 */
import type { FuzzTarget } from "../engine";
import { cborTarget } from "./cbor";
import { controlTarget } from "./control";
import { motorTarget, sensorTarget } from "./frames";
import { mqttTarget } from "./mqtt";
import { sessionTarget } from "./session";

export const allTargets: FuzzTarget[] = [mqttTarget, cborTarget, sensorTarget, motorTarget, controlTarget, sessionTarget];
