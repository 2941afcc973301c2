import type { DescMessage } from "@bufbuild/protobuf";

/**
 * A broker topic bound to the message type published on it, so that
 * publishing and subscribing are typed end to end. Generated code defines one
 * for every message marked with the `(kled.options.v1.topic)` option.
 */
export interface Topic<Desc extends DescMessage = DescMessage> {
  readonly name: string;
  readonly schema: Desc;
}

const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Defines a typed topic; the name must be a plain token usable as a stream key. */
export function defineTopic<Desc extends DescMessage>(schema: Desc, name: string): Topic<Desc> {
  if (!TOPIC_NAME.test(name)) {
    throw new Error(
      `topic ${JSON.stringify(name)} for ${schema.typeName}: use 1-200 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    );
  }
  return { name, schema };
}
