import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root, whatever the working directory of the test run. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The buf binary from the @bufbuild/buf package. Calling it directly (not via
 * npx) is fine for `buf build`, which needs no local plugins, and saves npx's
 * start-up time on every compile.
 */
export const bufBin = join(repoRoot, "node_modules", ".bin", "buf");

/** The TypeScript compiler of the workspace. */
export const tscBin = join(repoRoot, "node_modules", ".bin", "tsc");
