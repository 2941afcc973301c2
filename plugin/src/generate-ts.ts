import type { DescExtension, DescFile, DescMessage } from "@bufbuild/protobuf";
import type { Schema } from "@bufbuild/protoplugin";
import { createFileContext } from "./file-context.js";
import { generateService } from "./generate-service.js";
import { generateTopic } from "./generate-topic.js";
import type { KledPluginOptions } from "./options.js";
import { runtimeSymbols } from "./runtime-symbols.js";
import { findToolOption } from "./tool-option.js";
import { findTopicOption, topicNameOf } from "./topic-option.js";

/**
 * Writes `x_kled.ts` next to protoc-gen-es's `x_pb.ts` for every requested
 * file. A file without services or topic messages gets only a preamble, which
 * protoplugin prunes unless `keep_empty_files` is set.
 */
export function generateTs(schema: Schema<KledPluginOptions>): void {
  const topicOption = findTopicOption(schema.allFiles);
  const toolOption = findToolOption(schema.allFiles);
  for (const file of schema.files) {
    const topics = topicMessages(schema, file, topicOption);
    const f = schema.generateFile(`${file.name}_kled.ts`);
    f.preamble(file);
    const ctx = createFileContext(f, runtimeSymbols(f, schema.options.runtimeImport), `${file.name}.proto`, toolOption);
    for (const service of file.services) {
      generateService(ctx, service);
    }
    for (const { message, topicName } of topics) {
      generateTopic(ctx, message, topicName);
    }
  }
}

/** Messages of a file (nested ones included) that carry the topic option. */
function topicMessages(
  schema: Schema<KledPluginOptions>,
  file: DescFile,
  topicOption: DescExtension | undefined,
): { message: DescMessage; topicName: string }[] {
  if (topicOption === undefined) {
    return [];
  }
  const found: { message: DescMessage; topicName: string }[] = [];
  for (const desc of schema.typesInFile(file)) {
    if (desc.kind !== "message") {
      continue;
    }
    const topicName = topicNameOf(desc, topicOption);
    if (topicName !== undefined) {
      found.push({ message: desc, topicName });
    }
  }
  return found;
}
