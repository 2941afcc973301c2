/**
 * Human output: aligned columns under upper-case headers, two spaces apart,
 * as `docker ps` and `kubectl get` print them. Scripts use `--json` instead.
 */

/** What an empty cell shows, so that columns stay readable and splittable. */
export const EMPTY_CELL = "-";

/** Renders `rows` under `headers`; every line ends with "\n", none with trailing spaces. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => cell(row[i])));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => width(row[i] ?? ""))));
  return cells
    .map((row) =>
      row
        .map((value, i) => (i === row.length - 1 ? value : value + " ".repeat((widths[i] ?? 0) - width(value))))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** Writes {@link renderTable} to stdout. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  process.stdout.write(renderTable(headers, rows));
}

/** `key=value` pairs sorted by key, for metadata in one cell. */
export function formatPairs(record: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.length === 0 ? EMPTY_CELL : pairs.map(([key, value]) => `${key}=${value}`).join(" ");
}

function cell(value: string | undefined): string {
  // A newline would break the row apart; a tab would break the alignment.
  return value === undefined || value === "" ? EMPTY_CELL : value.replace(/[\r\n\t]+/g, " ");
}

/** Width in terminal columns, counting code points (good enough for names and addresses). */
function width(value: string): number {
  return [...value].length;
}
