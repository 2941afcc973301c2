#!/usr/bin/env node
/**
 * The `kled` command (`npx kled …` in this repository).
 *
 * Runs the compiled CLI, runtime/dist/cli/main.js, when the runtime has been
 * built (`npm run build`; the published package ships it). Without a build,
 * as in a fresh checkout, it runs the TypeScript sources, runtime/src/cli/main.ts,
 * in this same process through tsx's loader, the way the repository's dev
 * mode runs everything; set KLED_CLI_SOURCE=1 to prefer the sources even when
 * a (possibly stale) build exists. The CLI imports the runtime by relative
 * paths, so it needs no `kled:source` export condition.
 */
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
const source = new URL("../src/cli/main.ts", import.meta.url);

if (existsSync(built) && process.env.KLED_CLI_SOURCE !== "1") {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("kled: the runtime is not built (no runtime/dist) and tsx is not installed to run its sources; run `npm run build`\n");
    process.exit(1);
  }
  register();
  await import(source.href);
}
