/**
 * `@kled/cli` as a library, for tools that embed the `kled` command: the
 * commander program, and the runner that turns its errors into a line on
 * stderr and an exit code. Importing it runs nothing; the `kled` bin does.
 */
export { createProgram } from "./program.js";
export { runCli } from "./run-cli.js";
export { EXIT_FAILURE, EXIT_USAGE } from "./cli-error.js";
