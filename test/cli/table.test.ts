import { describe, expect, test } from "vitest";
import { formatPairs, renderTable } from "../../cli/src/output/table.js";

describe("renderTable", () => {
  test("aligns columns two spaces apart with no trailing spaces", () => {
    const out = renderTable(
      ["NAME", "VERSION", "NODES"],
      [
        ["kled.mcp.tools", "0.1.0", "2"],
        ["a", "latest", "10"],
      ],
    );
    expect(out).toBe(
      ["NAME            VERSION  NODES", "kled.mcp.tools  0.1.0    2", "a               latest   10", ""].join("\n"),
    );
  });

  test("shows empty and missing cells as -, and keeps each row on one line", () => {
    const out = renderTable(["A", "B", "C"], [["", "x\ny"], ["1", "2", "3"]]);
    expect(out).toBe(["A  B    C", "-  x y  -", "1  2    3", ""].join("\n"));
  });

  test("prints just the header for no rows", () => {
    expect(renderTable(["NAME", "NODES"], [])).toBe("NAME  NODES\n");
  });

  test("measures width in code points", () => {
    expect(renderTable(["X", "Y"], [["é→", "1"]])).toBe("X   Y\né→  1\n");
  });
});

describe("formatPairs", () => {
  test("sorts by key", () => {
    expect(formatPairs({ zone: "a", pid: "12" })).toBe("pid=12 zone=a");
    expect(formatPairs({})).toBe("-");
  });
});
