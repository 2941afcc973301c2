import { CommanderError } from "commander";
import { messageOf } from "@kled/runtime";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./cli-error.js";
import { createProgram } from "./program.js";

/**
 * Runs `kled` with `argv` (node, script, arguments…) and returns the exit
 * code, having turned whatever went wrong into one line on stderr (see
 * cli-error.ts).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander has printed its own message (usage errors) or the help/version text.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`kled: ${messageOf(error)}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
  }
}
