import { createRequire } from "node:module";
import type { Plugin } from "@bufbuild/protoplugin";

/**
 * protoc-gen-es, run in-process next to protoc-gen-kled so tests get the
 * `_pb` files the generated code imports. The package has no exports map and
 * ships CommonJS, hence the deep require.
 */
export const protocGenEs: Plugin = (
  createRequire(import.meta.url)("@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js") as {
    protocGenEs: Plugin;
  }
).protocGenEs;
