import { getOption, hasOption, type DescExtension, type DescFile, type DescMessage } from "@bufbuild/protobuf";
import { findOptionExtension, optionFields } from "./option-extension.js";

/** Full name of the custom message option that marks a broker event. */
export const TOPIC_OPTION = "kled.options.v1.topic";

/**
 * The rule @kled/runtime's `defineTopic` applies. Checking it here turns a bad
 * name into a generation error instead of a crash when the module loads.
 */
const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Finds the `(kled.options.v1.topic)` extension among the request's files. */
export function findTopicOption(allFiles: readonly DescFile[]): DescExtension | undefined {
  return findOptionExtension(allFiles, TOPIC_OPTION, "google.protobuf.MessageOptions");
}

/**
 * The topic name a message declares, or undefined when it carries no topic
 * option. Throws when the name is empty or breaks the runtime's rule.
 */
export function topicNameOf(message: DescMessage, option: DescExtension): string | undefined {
  if (!hasOption(message, option)) {
    return undefined;
  }
  const value = optionFields(getOption(message, option), option)("name");
  const name = typeof value === "string" ? value : "";
  if (!TOPIC_NAME.test(name)) {
    throw new Error(
      `message ${message.typeName}: invalid topic name ${JSON.stringify(name)} in option (${TOPIC_OPTION}); ` +
        `use 1-200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }
  return name;
}
