// Resolve hooks registered by esm-node-path.mjs (they run on Node's loader thread).
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

// For each NODE_PATH entry D that is a node_modules folder, a parent URL in D's parent folder:
// resolving a package from there looks in D first, as require() does with NODE_PATH.
let parents = [];

export function initialize(data) {
  parents = (data?.nodePath ?? "")
    .split(":")
    .filter((dir) => dir.startsWith("/") && basename(dir.replace(/\/+$/, "")) === "node_modules")
    .map((dir) => pathToFileURL(join(dirname(dir.replace(/\/+$/, "")), "noop.mjs")).href);
}

function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier)) {
      throw error;
    }
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this folder: try the next NODE_PATH entry
      }
    }
    throw error;
  }
}
