import { createEcmaScriptPlugin } from "@bufbuild/protoplugin";
import { generateTs } from "./generate-ts.js";
import { parseOptions } from "./options.js";
import { pluginVersion } from "./version.js";

/**
 * protoc-gen-kled: for each `x.proto` with services or topic messages, writes
 * `x_kled.ts` with typed handler interfaces, register functions, clients and
 * topics bound to @kled/runtime. JavaScript and declaration files
 * (target=js+dts) come from protoplugin's transpiler, which is why generated
 * signatures name only types that a package exports.
 */
export const protocGenKled = createEcmaScriptPlugin({
  name: "protoc-gen-kled",
  version: pluginVersion,
  parseOptions,
  generateTs,
});
