/*
 * brain/controller-loader: `--controller ./my-controller.ts` -> a Controller.
 *
 * Theory of operation: the path is resolved against the working directory and imported
 * (TypeScript or JavaScript: the brain runs under tsx, which compiles .ts on import). The
 * module provides the controller as its default export or as `controller` or
 * `createController`, in one of three shapes: an object with onSensorFrame, a class whose
 * instances have it (constructed with no arguments), or a function returning such an object
 * (or a promise of one). Anything else is a ControllerLoadError saying what was found, which
 * the CLIs print as a usage error (exit code 2).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Controller } from "./controller";

export class ControllerLoadError extends Error {}

function isController(v: unknown): v is Controller {
  return typeof v === "object" && v !== null && typeof (v as Controller).onSensorFrame === "function";
}

async function fromExport(v: unknown, where: string): Promise<Controller> {
  if (isController(v)) return v;
  if (typeof v === "function") {
    const proto = (v as { prototype?: { onSensorFrame?: unknown } }).prototype;
    const made = proto !== undefined && typeof proto.onSensorFrame === "function" ? new (v as new () => unknown)() : await (v as () => unknown)();
    if (isController(made)) return made;
    throw new ControllerLoadError(`${where} is a function, but what it made has no onSensorFrame method`);
  }
  throw new ControllerLoadError(`${where} is ${v === null ? "null" : typeof v}, not a controller (an object with onSensorFrame, a class, or a factory function)`);
}

/** Imports the module at `path` and returns its controller. Throws ControllerLoadError. */
export async function loadController(path: string): Promise<Controller> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ControllerLoadError(`controller module ${path} not found (resolved to ${file})`);
  let mod: { [name: string]: unknown };
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new ControllerLoadError(`controller module ${path} failed to load: ${(e as Error).message.split("\n")[0]}`);
  }
  for (const name of ["default", "controller", "createController"]) {
    if (mod[name] !== undefined) return fromExport(mod[name], `${path}: export "${name}"`);
  }
  throw new ControllerLoadError(`controller module ${path} exports none of default, controller, createController (it exports: ${Object.keys(mod).join(", ") || "nothing"})`);
}
