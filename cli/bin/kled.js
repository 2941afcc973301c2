#!/usr/bin/env node
/**
 * The `kled` command (`npx @kled/cli …`, or `npx kled …` where @kled/cli is
 * installed).
 *
 * Runs the compiled CLI, dist/main.js, when the package has been built (the
 * published package ships it; in this repository `npm run build`). Without a
 * build, as in a fresh checkout, it runs the TypeScript sources, src/main.ts,
 * in this same process through tsx's loader, the way the repository's dev
 * mode runs everything; set KLED_CLI_SOURCE=1 to prefer the sources even when
 * a (possibly stale) build exists. The sources import @kled/runtime, whose
 * own sources (rather than its possibly absent build) the `kled:source`
 * export condition selects: a resolve hook adds that condition here, since
 * a process cannot give itself `--conditions` once started.
 */
import { existsSync } from "node:fs";
import * as nodeModule from "node:module";

const built = new URL("../dist/main.js", import.meta.url);
const source = new URL("../src/main.ts", import.meta.url);

/** The export condition under which this repository's packages resolve to their TypeScript sources. */
const SOURCE_CONDITION = "kled:source";

if (existsSync(built) && process.env.KLED_CLI_SOURCE !== "1") {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("kled: @kled/cli is not built (no dist/) and tsx is not installed to run its sources; run `npm run build`\n");
    process.exit(1);
  }
  if (nodeModule.registerHooks === undefined) {
    process.stderr.write(`kled: running the CLI from its sources needs Node >= 22.15 (this is ${process.version}); run \`npm run build\` or use a newer Node\n`);
    process.exit(1);
  }
  nodeModule.registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, SOURCE_CONDITION] }),
  });
  register();
  await import(source.href);
}
