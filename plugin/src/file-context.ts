import type { DescExtension } from "@bufbuild/protobuf";
import type { GeneratedFile } from "@bufbuild/protoplugin";
import type { RuntimeSymbols } from "./runtime-symbols.js";

/**
 * What the generators share while writing one `_kled` file.
 * @internal
 */
export interface FileContext {
  readonly f: GeneratedFile;
  readonly rt: RuntimeSymbols;
  /** The `(kled.options.v1.tool)` extension, when some file of the request declares it. */
  readonly toolOption: DescExtension | undefined;
  /**
   * Reserves an exported name. Imports that clash with it are aliased by
   * protoplugin, but two of our own exports cannot be, so a clash is an error
   * naming both origins.
   */
  exportName(name: string, origin: string): string;
}

/** Creates the context for one generated file. */
export function createFileContext(
  f: GeneratedFile,
  rt: RuntimeSymbols,
  protoFile: string,
  toolOption: DescExtension | undefined,
): FileContext {
  const taken = new Map<string, string>();
  return {
    f,
    rt,
    toolOption,
    exportName(name, origin) {
      const previous = taken.get(name);
      if (previous !== undefined) {
        throw new Error(
          `${protoFile}: ${origin} and ${previous} both generate the export "${name}"; rename one of them`,
        );
      }
      taken.set(name, origin);
      return name;
    },
  };
}

/**
 * Marks a call as free of side effects so that bundlers can drop a generated
 * constant nobody imports (see https://github.com/bufbuild/protobuf-es/pull/470).
 */
export const pure = "/*@__PURE__*/";
