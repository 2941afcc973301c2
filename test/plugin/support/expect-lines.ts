import { expect } from "vitest";

/**
 * Asserts that `block` appears as consecutive lines of `lines`. The block is
 * located by its longest line (short ones like "/**" occur everywhere), so a
 * failure shows a diff against the lines actually found there.
 */
export function expectBlock(lines: readonly string[], block: readonly string[]): void {
  const anchor = block.reduce((best, line, i) => (line.length > (block[best]?.length ?? 0) ? i : best), 0);
  const anchorLine = block[anchor] ?? "";
  const found = lines.indexOf(anchorLine);
  expect(found, `line not found: ${anchorLine}\n--- in ---\n${lines.join("\n")}`).toBeGreaterThanOrEqual(0);
  const start = found - anchor;
  expect(lines.slice(Math.max(start, 0), start + block.length)).toStrictEqual(block);
}
