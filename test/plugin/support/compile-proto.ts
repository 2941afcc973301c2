import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorSetSchema,
  type CodeGeneratorRequest,
} from "@bufbuild/protobuf/wkt";
import { bufBin, repoRoot } from "./paths.js";

/** Proto sources by path, e.g. `{ "kled/test/v1/x.proto": "syntax = …" }`. */
export type ProtoSources = Readonly<Record<string, string>>;

/**
 * Compiles inline proto text with `buf build` and wraps the result in a
 * CodeGeneratorRequest for the given files, as buf would send it to a plugin.
 * kled/options/v1/options.proto is always importable.
 */
export function compileProto(sources: ProtoSources, parameter = "target=ts"): CodeGeneratorRequest {
  const dir = mkdtempSync(join(tmpdir(), "kled-plugin-"));
  try {
    cpSync(join(repoRoot, "plugin", "proto", "kled", "options"), join(dir, "kled", "options"), { recursive: true });
    for (const [path, text] of Object.entries(sources)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return requestFor(dir, Object.keys(sources), parameter);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles a directory of protos (a buf module root) into a request for some of its files. */
export function requestFor(moduleDir: string, fileToGenerate: readonly string[], parameter: string): CodeGeneratorRequest {
  const image = buildDescriptorSet(moduleDir);
  return create(CodeGeneratorRequestSchema, {
    protoFile: image.file,
    fileToGenerate: [...fileToGenerate],
    parameter,
  });
}

function buildDescriptorSet(moduleDir: string) {
  let bytes: Buffer;
  try {
    bytes = execFileSync(bufBin, ["build", moduleDir, "--as-file-descriptor-set", "-o", "-#format=binpb"], {
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`buf build ${moduleDir} failed:\n${stderr}`);
  }
  return fromBinary(FileDescriptorSetSchema, bytes);
}
