import { getOption, hasOption, type DescExtension, type DescFile, type DescMethod } from "@bufbuild/protobuf";
import { findOptionExtension, optionFields } from "./option-extension.js";

/** Full name of the custom method option that makes a method an MCP tool. */
export const TOOL_OPTION = "kled.options.v1.tool";

/** MCP's rule for tool names (2025-11-25 and later): 1-128 of these characters. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** What `(kled.options.v1.tool)` says about a method; unset hints are undefined. */
export interface ToolOptionValues {
  readonly name: string;
  readonly title: string;
  readonly readOnly: boolean | undefined;
  readonly destructive: boolean | undefined;
  readonly idempotent: boolean | undefined;
  readonly openWorld: boolean | undefined;
}

/** Finds the `(kled.options.v1.tool)` extension among the request's files. */
export function findToolOption(allFiles: readonly DescFile[]): DescExtension | undefined {
  return findOptionExtension(allFiles, TOOL_OPTION, "google.protobuf.MethodOptions");
}

/**
 * The tool options of a method, or undefined when it carries none. Throws,
 * naming the method and the value, on a streaming method or an invalid name.
 */
export function toolOptionOf(method: DescMethod, option: DescExtension): ToolOptionValues | undefined {
  if (!hasOption(method, option)) {
    return undefined;
  }
  const where = `method ${method.parent.typeName}.${method.name}`;
  if (method.methodKind !== "unary") {
    throw new Error(
      `${where}: option (${TOOL_OPTION}) on a ${method.methodKind.replace("_", "-")} method; ` +
        `only unary methods can be MCP tools (a tool call has one request and one result)`,
    );
  }
  const field = optionFields(getOption(method, option), option);
  const text = (name: string) => {
    const value = field(name);
    return typeof value === "string" ? value : "";
  };
  const hint = (name: string) => {
    const value = field(name);
    return typeof value === "boolean" ? value : undefined;
  };
  const values: ToolOptionValues = {
    name: text("name") === "" ? snakeCase(method.name) : text("name"),
    title: text("title"),
    readOnly: hint("read_only"),
    destructive: hint("destructive"),
    idempotent: hint("idempotent"),
    openWorld: hint("open_world"),
  };
  if (!TOOL_NAME.test(values.name)) {
    throw new Error(
      `${where}: invalid tool name ${JSON.stringify(values.name)} in option (${TOOL_OPTION}); ` +
        `use 1-128 letters, digits, "_", "." or "-" (MCP's rule for tool names)`,
    );
  }
  return values;
}

/** `GetItem` → `get_item`, `ListHTTPRoutes` → `list_http_routes`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}
