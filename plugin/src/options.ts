/**
 * Options specific to protoc-gen-kled. The standard ECMAScript plugin options
 * (target, import_extension, js_import_style, keep_empty_files, ts_nocheck, …)
 * are parsed by protoplugin itself and never reach {@link parseOptions}.
 */
export interface KledPluginOptions {
  /**
   * The module generated code imports the Kled runtime from. Point it at a
   * package that re-exports `@kled/runtime` to pin or wrap the runtime.
   */
  readonly runtimeImport: string;
}

/** The published runtime package: what generated code binds to unless told otherwise. */
export const DEFAULT_RUNTIME_IMPORT = "@kled/runtime";

/**
 * Parses the plugin-specific options. Every option is handled by one case of
 * an exhaustive switch, so a typo fails the build instead of being ignored.
 * Errors carry no plugin-name prefix: protoplugin wraps them as
 * `invalid option "…": …` and the CLI runner prefixes "protoc-gen-kled: ".
 */
export function parseOptions(rawOptions: readonly { key: string; value: string }[]): KledPluginOptions {
  let runtimeImport = DEFAULT_RUNTIME_IMPORT;
  for (const { key, value } of rawOptions) {
    switch (key) {
      case "runtime_import":
        if (value.trim() === "") {
          throw new Error(
            `option "runtime_import" needs a module name, e.g. runtime_import=${DEFAULT_RUNTIME_IMPORT}`,
          );
        }
        runtimeImport = value;
        break;
      default:
        throw new Error(
          `unknown option "${value === "" ? key : `${key}=${value}`}"; protoc-gen-kled accepts ` +
            `runtime_import=<module> besides the standard options (target, import_extension, ` +
            `js_import_style, keep_empty_files, ts_nocheck, elide_plugin_version, rewrite_imports)`,
        );
    }
  }
  return { runtimeImport };
}
