import type { DescMessage } from "@bufbuild/protobuf";
import type { FileContext } from "./file-context.js";
import { pure } from "./file-context.js";
import { summaryDoc } from "./jsdoc.js";

/**
 * Writes `FooTopic = defineTopic(FooSchema, "name")` for a message marked with
 * `(kled.options.v1.topic)`, so publishing and subscribing are typed by the
 * message. Annotated for the same reason as the service definition.
 */
export function generateTopic(ctx: FileContext, message: DescMessage, topicName: string): void {
  const { f, rt } = ctx;
  const schema = f.importSchema(message);
  const name = ctx.exportName(`${f.importShape(message).name}Topic`, message.toString());
  f.print(
    f.jsDoc(
      summaryDoc(
        message,
        `Broker topic ${JSON.stringify(topicName)} carrying ${message.typeName}: publish and subscribe with it to get typed events.`,
      ),
    ),
  );
  f.print(
    f.export("const", name), ": ", rt.Topic, "<typeof ", schema, "> = ", pure, " ",
    rt.defineTopic, "(", schema, ", ", f.string(topicName), ");",
  );
  f.print();
}
