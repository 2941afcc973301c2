/**
 * The message type of `kled publish` and `kled subscribe`: `--type` names it,
 * and its descriptors come from a FileDescriptorSet file (`--descriptors`,
 * e.g. a `buf build` image) or from the gRPC server reflection of a running
 * service that uses it (`--reflect`).
 */
import { readFile } from "node:fs/promises";
import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Option } from "commander";
import { defineTopic, messageOf, ReflectionClient, type Topic } from "@kled/runtime";
import { CliError, usageError } from "../cli-error.js";
import { createCliClient, nodeAddress, type GlobalOptions } from "../cli-options.js";

/** The flags that find the message type. */
export interface MessageTypeFlags {
  type: string;
  descriptors?: string;
  reflect?: string;
}

/** A message type with the registry of every type it may need (for JSON, `Any` and extensions). */
export interface MessageType {
  schema: DescMessage;
  registry: FileRegistry;
}

/** Typos up to three characters long get a "did you mean"; further off, the guess would rarely be right. */
const SUGGESTION_MAX_EDITS = 3;

/** `--type`, `--descriptors` and `--reflect`. */
export function messageTypeOptions(): Option[] {
  return [
    new Option("--type <name>", "full name of the message type, e.g. kled.agent.v1.TaskEvent").makeOptionMandatory(),
    new Option("--descriptors <file>", "a FileDescriptorSet with the type and its imports, e.g. from `buf build -o image.binpb`"),
    new Option("--reflect <service>", "fetch the type's descriptors by gRPC reflection from a service that uses it (registered name or host:port)"),
  ];
}

/** Finds the message type the flags name; fails naming the flag, the file or the service. */
export async function resolveMessageType(globals: GlobalOptions, flags: MessageTypeFlags): Promise<MessageType> {
  if ((flags.descriptors === undefined) === (flags.reflect === undefined)) {
    throw usageError(
      `give the descriptors of ${flags.type} with either --descriptors FILE (e.g. from \`buf build -o image.binpb\`) or --reflect SERVICE`,
    );
  }
  if (flags.descriptors !== undefined) {
    const registry = await readDescriptors(flags.descriptors);
    return { schema: requireMessage(registry, flags.type, flags.descriptors), registry };
  }
  return fromReflection(globals, flags.type, flags.reflect ?? "");
}

async function readDescriptors(file: string): Promise<FileRegistry> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw usageError(`--descriptors ${file}: cannot read it: ${messageOf(error)}`, { cause: error });
  }
  try {
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  } catch (error) {
    throw usageError(
      `--descriptors ${file}: not a usable FileDescriptorSet (${messageOf(error)}); build one with its imports, e.g. \`buf build -o image.binpb\``,
      { cause: error },
    );
  }
}

async function fromReflection(globals: GlobalOptions, type: string, target: string): Promise<MessageType> {
  const direct = /:\d+$/.test(target);
  const address = direct ? target : await nodeAddress(globals, target);
  const where = direct ? address : `${target} (${address})`;
  const client = createCliClient(globals);
  const reflection = new ReflectionClient(client, address);
  try {
    if (!(await reflection.loadSymbol(type))) {
      throw new CliError(`${where} does not know the type "${type}" (gRPC reflection found no such symbol); check --type, or use --descriptors`);
    }
    const registry = await reflection.registry();
    return { schema: requireMessage(registry, type, where), registry };
  } finally {
    reflection.close();
    await client.close();
  }
}

/** The message `type` of `registry`; else a usage error with the likeliest intended name, or what `source` has. */
function requireMessage(registry: FileRegistry, type: string, source: string): DescMessage {
  const message = registry.getMessage(type);
  if (message !== undefined) return message;
  const other = registry.get(type);
  if (other !== undefined) throw usageError(`--type ${type}: ${other.kind === "service" ? "a" : "an"} ${other.kind} in ${source}, not a message`);
  const messages = [...registry].filter((desc) => desc.kind === "message").map((desc) => desc.typeName);
  const [closest] = messages
    .map((name) => ({ name, distance: editDistance(name, type) }))
    .filter((candidate) => candidate.distance <= SUGGESTION_MAX_EDITS)
    .sort((a, b) => a.distance - b.distance);
  if (closest !== undefined) throw usageError(`--type ${type}: no such message in ${source}; did you mean ${closest.name}?`);
  const packages = [...new Set([...registry.files].map((file) => file.proto.package))].sort();
  throw usageError(`--type ${type}: no such message in ${source}, whose packages are ${packages.join(", ")}`);
}

/** Levenshtein distance, for "did you mean": names are short, so the quadratic table is cheap. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The typed topic `name` of `type`; a usage error naming the rule when the name breaks it. */
export function topicOf(name: string, type: MessageType): Topic {
  try {
    return defineTopic(type.schema, name);
  } catch (error) {
    throw usageError(messageOf(error), { cause: error });
  }
}
