/**
 * Exit codes of the `kled` command, as shells and scripts see them.
 * 0 success, 1 the operation failed (not found, gRPC error, unhealthy node),
 * 2 the command line or a file it names is wrong (fix it and retry).
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * An error the CLI reports as one line on stderr, `kled: <message>`, then
 * exits with `exitCode`. Anything else thrown is reported the same way with
 * {@link EXIT_FAILURE}.
 */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A {@link CliError} for a bad argument, option or file: exit code {@link EXIT_USAGE}. */
export function usageError(message: string, options?: ErrorOptions): CliError {
  return new CliError(message, EXIT_USAGE, options);
}
