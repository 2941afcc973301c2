import { createRequire } from "node:module";

/**
 * The package version, read at run time so that src/ (under tsx or vitest)
 * and dist/ report the same one without copying package.json into the build.
 */
export const pluginVersion: string = (() => {
  const manifest: unknown = createRequire(import.meta.url)("../package.json");
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== "string") {
    throw new Error("protoc-gen-kled: package.json has no version");
  }
  return `v${version}`;
})();
