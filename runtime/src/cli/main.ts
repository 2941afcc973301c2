/**
 * Entry point of the `kled` command (bin/kled.js loads it). Runs the program
 * and turns whatever went wrong into one line on stderr and an exit code
 * (see cli-error.ts).
 */
import { CommanderError } from "commander";
import { messageOf } from "../errors/message-of.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./cli-error.js";
import { createProgram } from "./program.js";

/**
 * grpc-js gives TLS the host it dials as the server name, an IP address for
 * `--address 127.0.0.1:…`, and Node warns about that (DEP0123) on every such
 * connection. Certificates are still checked against the address (its IP
 * SAN), so the warning tells a CLI user nothing to act on; other warnings
 * print as Node prints them.
 */
function quietTlsServerNameWarning(): void {
  const printers = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning: Error & { code?: string }) => {
    if (warning.code === "DEP0123") return;
    for (const print of printers) print(warning);
  });
}

/** Runs `kled` with `argv` (node, script, arguments…) and returns the exit code. */
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

quietTlsServerNameWarning();
process.exitCode = await runCli(process.argv);
