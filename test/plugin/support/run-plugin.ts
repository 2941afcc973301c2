import { protocGenKled } from "@kled/protoc-gen-kled";
import type { CodeGeneratorRequest } from "@bufbuild/protobuf/wkt";
import { compileProto, type ProtoSources } from "./compile-proto.js";

/** Generated file contents by name. */
export type GeneratedFiles = ReadonlyMap<string, string>;

/** Runs protoc-gen-kled in-process on a request. */
export function runKled(request: CodeGeneratorRequest): GeneratedFiles {
  const response = protocGenKled.run(request);
  if (response.error !== undefined && response.error !== "") {
    throw new Error(response.error);
  }
  return new Map(response.file.map((f) => [f.name, f.content]));
}

/** Compiles inline protos and runs protoc-gen-kled on them. */
export function generate(sources: ProtoSources, parameter = "target=ts"): GeneratedFiles {
  return runKled(compileProto(sources, parameter));
}

/** The lines of one generated file; fails the test when the file is missing. */
export function linesOf(files: GeneratedFiles, name: string): string[] {
  const content = files.get(name);
  if (content === undefined) {
    throw new Error(`no generated file ${name}; got: ${[...files.keys()].join(", ") || "none"}`);
  }
  return content.split("\n");
}
