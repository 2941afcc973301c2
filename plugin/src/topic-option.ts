import {
  getOption,
  hasOption,
  isMessage,
  type DescExtension,
  type DescFile,
  type DescMessage,
  type Message,
} from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";

/** Full name of the custom message option that marks a broker event. */
export const TOPIC_OPTION = "kled.options.v1.topic";

/**
 * The rule @kled/runtime's `defineTopic` applies. Checking it here turns a bad
 * name into a generation error instead of a crash when the module loads.
 */
const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Finds the `(kled.options.v1.topic)` extension among the request's files.
 * The plugin carries no generated code for options.proto: protobuf-es reads
 * an option through any DescExtension, so the one built from the request's
 * own descriptors serves. Returns undefined when no file imports the option,
 * in which case no message can carry it.
 */
export function findTopicOption(allFiles: readonly DescFile[]): DescExtension | undefined {
  for (const file of allFiles) {
    for (const ext of file.extensions) {
      if (ext.typeName !== TOPIC_OPTION) {
        continue;
      }
      if (ext.extendee.typeName !== "google.protobuf.MessageOptions" || ext.fieldKind !== "message") {
        throw new Error(
          `${TOPIC_OPTION} in ${file.proto.name} must be a message extending google.protobuf.MessageOptions; ` +
            `restore kled/options/v1/options.proto from the Kled repository`,
        );
      }
      return ext;
    }
  }
  return undefined;
}

/**
 * The topic name a message declares, or undefined when it carries no topic
 * option. Throws when the name is empty or breaks the runtime's rule.
 */
export function topicNameOf(message: DescMessage, option: DescExtension): string | undefined {
  if (!hasOption(message, option)) {
    return undefined;
  }
  const value: unknown = getOption(message, option);
  const name = readNameField(value, option);
  if (!TOPIC_NAME.test(name)) {
    throw new Error(
      `message ${message.typeName}: invalid topic name ${JSON.stringify(name)} in option (${TOPIC_OPTION}); ` +
        `use 1-200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** Reads the string field `name` of a TopicOptions value through reflection. */
function readNameField(value: unknown, option: DescExtension): string {
  if (option.fieldKind !== "message" || !isMessage(value)) {
    return "";
  }
  const field = option.message.fields.find((f) => f.name === "name");
  if (field === undefined || field.fieldKind !== "scalar") {
    throw new Error(`${option.message.typeName} has no string field "name"; is kled/options/v1/options.proto current?`);
  }
  const name: unknown = reflect(option.message, value as Message).get(field);
  return typeof name === "string" ? name : "";
}
