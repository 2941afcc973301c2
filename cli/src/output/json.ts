/**
 * Machine output (`--json`): one JSON document on stdout, or one compact JSON
 * value per line for streams (JSON Lines), so that `jq` reads either.
 */

/** Writes `value` as indented JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `value` as one line of JSON. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
