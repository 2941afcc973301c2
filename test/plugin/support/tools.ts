import { create, createFileRegistry, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { compileProto, type ProtoSources } from "./compile-proto.js";
import { linesOf, runKled, type GeneratedFiles } from "./run-plugin.js";

/** A generated tool as JSON (the runtime's ToolDescription, untyped for assertions). */
export type ToolJson = Record<string, unknown> & {
  name: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
};

/**
 * The tools written into a generated `…Definition`, by method local name,
 * read back from the printed JSON literals: a `tool: {` line inside a method's
 * entry up to the `},` closing it at the same indentation.
 */
export function toolsIn(files: GeneratedFiles, name: string): Map<string, ToolJson> {
  const lines = linesOf(files, name);
  const tools = new Map<string, ToolJson>();
  let method = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const entry = /^ {2}(\w+): \{/.exec(line);
    if (entry) {
      method = entry[1] ?? "";
    }
    if (line !== "    tool: {") {
      continue;
    }
    const end = lines.indexOf("    },", i);
    const text = ["{", ...lines.slice(i + 1, end), "}"].join("\n");
    tools.set(method, JSON.parse(text) as ToolJson);
    i = end;
  }
  return tools;
}

/** Inline protos compiled, generated, with their tools and a registry of their descriptors. */
export interface Compiled {
  readonly files: GeneratedFiles;
  readonly registry: FileRegistry;
  /** The tool of a method (by local name) in the first source file; fails when there is none. */
  tool(method: string): ToolJson;
  message(typeName: string): DescMessage;
}

export function compileTools(sources: ProtoSources): Compiled {
  const request = compileProto(sources);
  const files = runKled(request);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
  const first = Object.keys(sources)[0] ?? "";
  return {
    files,
    registry,
    tool(method) {
      const tool = toolsIn(files, first.replace(/\.proto$/, "_kled.ts")).get(method);
      if (tool === undefined) {
        throw new Error(`no tool for method ${method} in ${first}`);
      }
      return tool;
    },
    message(typeName) {
      const desc = registry.getMessage(typeName);
      if (desc === undefined) {
        throw new Error(`no message ${typeName}`);
      }
      return desc;
    },
  };
}

/**
 * A proto file with a service whose one method `Call` is a tool taking
 * `Request` and returning `Response`; `body` declares those messages.
 */
export function toolProto(body: string, options: { syntax?: string; imports?: string[]; tool?: string } = {}): ProtoSources {
  const syntax = options.syntax ?? 'syntax = "proto3";';
  const imports = ["kled/options/v1/options.proto", ...(options.imports ?? [])];
  return {
    "kled/test/v1/tools.proto": `
${syntax}
package kled.test.v1;
${imports.map((path) => `import "${path}";`).join("\n")}
service ToolService {
  rpc Call(Request) returns (Response) {
    option (kled.options.v1.tool) = ${options.tool ?? "{}"};
  }
}
${body}
`,
  };
}
