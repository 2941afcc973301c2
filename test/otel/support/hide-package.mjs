// Loaded with --import: resolves the package named by KLED_HIDE_PACKAGE as if
// it were not installed (Node's own "Cannot find package" error, from a
// directory with no node_modules), as on a machine where it is missing.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
const hidden = ${JSON.stringify(process.env["KLED_HIDE_PACKAGE"] ?? "")};
export async function resolve(specifier, context, nextResolve) {
  if (specifier === hidden || specifier.startsWith(hidden + "/")) {
    return nextResolve(specifier, { ...context, parentURL: "file:///nonexistent/kled-hidden/index.mjs" });
  }
  return nextResolve(specifier, context);
}`)}`,
);
