// Loaded with `node --import` before AWS's runtime interface client starts.
//
// Lambda's Node.js runtimes (18 and later) resolve the bare specifiers of ES module imports
// through NODE_PATH too, so `import { S3Client } from "@aws-sdk/client-s3"` in /var/task/index.mjs
// finds the runtime's SDK (/var/runtime/node_modules) and layers' packages (/opt/nodejs/...).
// Plain Node.js consults NODE_PATH for require() only; this resolve hook adds the same fallback
// for import. It changes nothing that Node.js resolves on its own.
import { register } from "node:module";

register("./esm-node-path-hooks.mjs", import.meta.url, {
  data: { nodePath: process.env.NODE_PATH ?? "" },
});
