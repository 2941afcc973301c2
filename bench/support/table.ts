/** Plain-text table printing: a heading line per suite, aligned columns. */

/** One block of the table: a heading and its rows of cells. */
export interface Section {
  readonly heading: string;
  readonly rows: readonly (readonly string[])[];
}

/** Renders `sections` under `header`, every column as wide as its widest cell. */
export function renderTable(header: readonly string[], sections: readonly Section[]): string {
  const all = [header, ...sections.flatMap((s) => s.rows)];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((sum, width) => sum + width + 2, -2));
  const out = [line(header), rule];
  for (const section of sections) {
    out.push(section.heading);
    for (const row of section.rows) out.push(line(row));
  }
  return out.join("\n");
}
