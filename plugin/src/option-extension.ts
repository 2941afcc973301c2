import { isMessage, type DescExtension, type DescField, type DescFile, type Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";

/**
 * Finds a custom option of kled/options/v1/options.proto among the request's
 * files. The plugin carries no generated code for options.proto: protobuf-es
 * reads an option through any DescExtension, so the one built from the
 * request's own descriptors serves. Returns undefined when no file imports the
 * option, in which case nothing can carry it.
 */
export function findOptionExtension(
  allFiles: readonly DescFile[],
  typeName: string,
  extendee: string,
): DescExtension | undefined {
  for (const file of allFiles) {
    for (const ext of file.extensions) {
      if (ext.typeName !== typeName) {
        continue;
      }
      if (ext.extendee.typeName !== extendee || ext.fieldKind !== "message") {
        throw new Error(
          `${typeName} in ${file.proto.name} must be a message extending ${extendee}; ` +
            `restore kled/options/v1/options.proto from the Kled repository`,
        );
      }
      return ext;
    }
  }
  return undefined;
}

/** A field of an option's message, read through reflection; undefined when the field is not set. */
export type OptionFieldReader = (name: string) => unknown;

/**
 * Reads the fields of an option value (a message) by proto name. Throws when
 * options.proto lacks a field: an outdated copy, which should fail loudly
 * instead of dropping a setting.
 */
export function optionFields(value: unknown, option: DescExtension): OptionFieldReader {
  if (option.fieldKind !== "message") {
    throw new Error(`${option.typeName} is not a message option; is kled/options/v1/options.proto current?`);
  }
  const desc = option.message;
  const message = isMessage(value) ? reflect(desc, value as Message) : undefined;
  return (name) => {
    const field: DescField | undefined = desc.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new Error(`${desc.typeName} has no field "${name}"; is kled/options/v1/options.proto current?`);
    }
    return message?.isSet(field) === true ? message.get(field) : undefined;
  };
}
