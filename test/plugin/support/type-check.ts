import ts from "typescript";

/**
 * The repository's strict settings (tsconfig.base.json), so generated code is
 * checked as users of this repository compile it.
 */
const strictOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ["kled:source"],
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  // Off: the generated declaration files are what is under test. Diagnostics
  // from packages' own declarations are filtered out below instead.
  skipLibCheck: false,
  noEmit: true,
};

/**
 * Type-checks the given files and returns the diagnostics, formatted, for
 * files under `onlyUnder` outside node_modules (errors inside packages, some
 * being written by others, are their own tests' business).
 */
export function typeCheck(rootNames: readonly string[], onlyUnder: string): string[] {
  const program = ts.createProgram({ rootNames, options: strictOptions });
  const ours = (fileName: string) => fileName.startsWith(onlyUnder) && !fileName.includes("/node_modules/");
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || ours(d.file.fileName))
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (d.file === undefined || d.start === undefined) {
        return message;
      }
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${d.file.fileName}:${line + 1}:${character + 1}: ${message}`;
    });
}
