import { text } from "node:stream/consumers";
import { fromJson, type JsonValue, type Message } from "@bufbuild/protobuf";
import { Command, Option } from "commander";
import { brokerContentType, createCodecs, messageOf } from "@kled/runtime";
import { collect } from "../call/metadata-flags.js";
import { parseRequestJson } from "../call/request-json.js";
import { usageError } from "../cli-error.js";
import { globalOptions } from "../cli-options.js";
import { printJson } from "../output/json.js";
import { brokerFailure, brokerOption, cliBrokerUrl, connectCliBroker } from "../pubsub/cli-broker.js";
import { parseHeaderFlags } from "../pubsub/header-flags.js";
import { messageTypeOptions, resolveMessageType, topicOf, type MessageType, type MessageTypeFlags } from "../pubsub/message-type.js";

interface PublishFlags extends MessageTypeFlags {
  broker?: string;
  contentType: "proto" | "json";
  header?: string[];
}

/** What `kled --json publish` prints. */
export interface PublishResult {
  /** The message id (for Redis the stream entry id). */
  id: string;
  topic: string;
  contentType: string;
}

/** `kled publish TOPIC MESSAGE`. */
export function publishCommand(): Command {
  const command = new Command("publish")
    .description("publish one message, given as proto3 JSON, on a topic of a shared broker (Redis Streams)")
    .argument("<topic>", "topic name, e.g. kled.agent.v1.task-events")
    .argument("<message>", "the message as proto3 JSON; - reads it from stdin");
  for (const option of messageTypeOptions()) command.addOption(option);
  return command
    .addOption(brokerOption())
    .addOption(
      new Option("--content-type <codec>", "payload encoding: proto (protobuf binary) or json (proto3 JSON); subscribers decode both")
        .choices(["proto", "json"])
        .default("proto"),
    )
    .option("-H, --header <key:value>", "a message header; repeat for more", collect)
    .addHelpText(
      "after",
      `
Prints the message id (the Redis stream entry id); with --json, {"id","topic","contentType"}.
Examples:
  npx buf build proto -o image.binpb
  kled publish kled.agent.v1.task-events '{"taskId":"t1","sequence":"1"}' --type kled.agent.v1.TaskEvent --descriptors image.binpb
  kled publish kled.agent.v1.task-events - --type kled.agent.v1.TaskEvent --reflect kled.agent --content-type json -H trace-id:abc < event.json`,
    )
    .action(async (topicName: string, messageArgument: string, flags: PublishFlags, command: Command) => {
      const globals = globalOptions(command);
      const broker = cliBrokerUrl("publish", flags.broker);
      const json = parseRequestJson(messageArgument === "-" ? await text(process.stdin) : messageArgument, "message");
      const headers = parseHeaderFlags(flags.header ?? []);
      const type = await resolveMessageType(globals, flags);
      const topic = topicOf(topicName, type);
      const message = messageFromJson(type, topic.name, json);
      const open = await connectCliBroker(broker, type.registry);
      let id: string;
      try {
        id = await open.publish(topic, message, { codec: flags.contentType, headers });
      } catch (error) {
        throw brokerFailure(error);
      } finally {
        await open.close();
      }
      if (!globals.json) process.stdout.write(`${id}\n`);
      else {
        const contentType = brokerContentType(createCodecs().require(flags.contentType));
        printJson({ id, topic: topic.name, contentType } satisfies PublishResult);
      }
    });
}

/** protobuf-es names the bad field in its errors; we add the topic. */
function messageFromJson(type: MessageType, topic: string, json: JsonValue): Message {
  try {
    return fromJson(type.schema, json, { registry: type.registry });
  } catch (error) {
    throw usageError(`message for topic "${topic}": ${messageOf(error)}`, { cause: error });
  }
}
