/**
 * The synthetic schema of the codegen suite: 200 services and 2000 messages
 * in 20 files, shaped like real APIs (every RPC kind, comments for JSDoc,
 * maps, optionals, repeated and message-typed fields, idempotency options),
 * so that each plugin does all of its kinds of work.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Files, services per file and methods per service: 20 × 10 × 5 RPCs, each with its own request and response. */
const FILES = 20;
const SERVICES_PER_FILE = 10;
const METHODS_PER_SERVICE = 5;

/** What was written. */
export interface SynthStats {
  readonly files: number;
  readonly services: number;
  readonly messages: number;
}

/** RPC shapes in turn; the first is marked NO_SIDE_EFFECTS so that idempotency reaches the generated definition. */
const SHAPES = [
  { input: "", output: "", option: "    option idempotency_level = NO_SIDE_EFFECTS;\n" },
  { input: "", output: "", option: "" },
  { input: "", output: "stream ", option: "" },
  { input: "stream ", output: "", option: "" },
  { input: "stream ", output: "stream ", option: "" },
] as const;

/** Writes the .proto files under `dir` (a buf module root). */
export async function writeSynthProtos(dir: string): Promise<SynthStats> {
  const packageDir = join(dir, "bench", "synth", "v1");
  await mkdir(packageDir, { recursive: true });
  let services = 0;
  let messages = 0;
  for (let file = 0; file < FILES; file++) {
    const parts = ['syntax = "proto3";\n\npackage bench.synth.v1;\n'];
    for (let s = 0; s < SERVICES_PER_FILE; s++) {
      const service = `Synth${pad(file)}${pad(s)}Service`;
      services++;
      parts.push(`\n// ${service} is synthetic service ${s} of file ${file}.\nservice ${service} {\n`);
      const shapes: string[] = [];
      for (let m = 0; m < METHODS_PER_SERVICE; m++) {
        const shape = SHAPES[m % SHAPES.length] ?? SHAPES[0];
        const base = `${service.replace(/Service$/, "")}Op${m}`;
        parts.push(
          `  // ${base} is RPC ${m} of ${service}.\n` +
            `  rpc ${base}(${shape.input}${base}Request) returns (${shape.output}${base}Response)${shape.option === "" ? ";\n" : ` {\n${shape.option}  }\n`}`,
        );
        shapes.push(message(`${base}Request`, undefined), message(`${base}Response`, `${base}Request`));
        messages += 2;
      }
      parts.push("}\n", ...shapes);
    }
    await writeFile(join(packageDir, `synth_${pad(file)}.proto`), parts.join(""));
  }
  return { files: FILES, services, messages };
}

function message(name: string, embeds: string | undefined): string {
  return (
    `\n// ${name} carries synthetic fields.\nmessage ${name} {\n` +
    "  // id names the entity.\n  string id = 1;\n" +
    "  int64 count = 2;\n  bool enabled = 3;\n  repeated string tags = 4;\n" +
    "  map<string, string> labels = 5;\n  optional double score = 6;\n  bytes blob = 7;\n" +
    (embeds === undefined ? "" : `  ${embeds} request = 8;\n`) +
    "}\n"
  );
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
