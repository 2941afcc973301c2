import { toJson, type JsonValue, type Message } from "@bufbuild/protobuf";
import { Command, Option } from "commander";
import type { Delivery } from "@kled/runtime";
import { DEFAULT_BATCH_COUNT } from "@kled/runtime/redis";
import { CliError, usageError } from "../cli-error.js";
import { globalOptions } from "../cli-options.js";
import { parseDuration } from "../duration.js";
import { parsePositiveInteger } from "../integer-option.js";
import { printJsonLine } from "../output/json.js";
import { brokerFailure, brokerOption, cliBrokerUrl, connectCliBroker } from "../pubsub/cli-broker.js";
import { messageTypeOptions, resolveMessageType, topicOf, type MessageType, type MessageTypeFlags } from "../pubsub/message-type.js";

interface SubscribeFlags extends MessageTypeFlags {
  broker?: string;
  group?: string;
  count?: number;
  timeout?: number;
}

/** One line of `kled subscribe`: a message as delivered. */
export interface DeliveryLine {
  id: string;
  topic: string;
  contentType: string;
  deliveryCount: number;
  /** ISO 8601, on the publisher's clock. */
  publishedAt: string;
  headers: Readonly<Record<string, string>>;
  /** The message as proto3 JSON. */
  message: JsonValue;
}

/** Why the subscription ended: enough messages, time up, SIGINT / SIGTERM / stdout closed, or an error. */
type Ending = "count" | "timeout" | "stopped" | { readonly error: unknown };

/** `kled subscribe TOPIC`. */
export function subscribeCommand(): Command {
  const command = new Command("subscribe")
    .description("print the messages of a topic of a shared broker (Redis Streams) as JSON lines until interrupted")
    .argument("<topic>", "topic name, e.g. kled.agent.v1.task-events");
  for (const option of messageTypeOptions()) command.addOption(option);
  return command
    .addOption(brokerOption())
    .option("--group <name>", "join this consumer group: members share its messages, it resumes where it left off, each is acknowledged once printed")
    .addOption(new Option("--count <n>", "exit after n messages").argParser(parsePositiveInteger))
    .addOption(new Option("--timeout <duration>", "exit after this long, e.g. 30s; with --count, failing if fewer came").argParser(parseDuration))
    .addHelpText(
      "after",
      `
Without --group it prints every message published from now on. Each line is
  {"id","topic","contentType","deliveryCount","publishedAt","headers","message":{…proto3 JSON…}}
A message that cannot be decoded goes to the dead-letter stream <topic>:dlq (reported on stderr).
Ctrl-C (SIGINT) or SIGTERM closes the subscription and exits with 0.
Examples:
  kled subscribe kled.agent.v1.task-events --type kled.agent.v1.TaskEvent --reflect kled.agent
  kled subscribe kled.agent.v1.task-events --type kled.agent.v1.TaskEvent --descriptors image.binpb --group audit --count 10`,
    )
    .action(async (topicName: string, flags: SubscribeFlags, command: Command) => {
      const globals = globalOptions(command);
      const broker = cliBrokerUrl("subscribe", flags.broker);
      if (flags.group !== undefined && flags.group.trim() === "") throw usageError("--group: the group name is empty");
      const type = await resolveMessageType(globals, flags);
      const topic = topicOf(topicName, type);
      // With --count, reads fetch no more than that: what is read beyond it in a group stays pending.
      const batchCount = Math.min(flags.count ?? DEFAULT_BATCH_COUNT, DEFAULT_BATCH_COUNT);
      const open = await connectCliBroker(broker, type.registry, { batchCount });

      let received = 0;
      let end: (ending: Ending) => void = () => undefined;
      const ended = new Promise<Ending>((resolve) => (end = resolve));
      const handler = (message: Message, delivery: Delivery): void => {
        if (flags.count !== undefined && received >= flags.count) {
          // Read before the subscription closed: a group's other consumers take it over.
          if (delivery.group !== undefined) throw new Error(`--count ${flags.count} reached; the message is left to the group`);
          return;
        }
        printJsonLine(deliveryLine(type, message, delivery));
        received++;
        if (received === flags.count) end("count");
      };
      const onSignal = () => end("stopped");
      // EPIPE: the reader of our output went away (`kled subscribe … | head -1`), an ordinary end.
      const onOutputError = (error: NodeJS.ErrnoException) => end(error.code === "EPIPE" ? "stopped" : { error });
      const timer = flags.timeout === undefined ? undefined : setTimeout(() => end("timeout"), flags.timeout);
      process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
      process.stdout.once("error", onOutputError);
      let ending: Ending;
      try {
        await open.subscribe(topic, handler, flags.group === undefined ? {} : { group: flags.group });
        ending = await ended;
      } catch (error) {
        throw brokerFailure(error);
      } finally {
        clearTimeout(timer);
        await open.close();
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
        process.stdout.off("error", onOutputError);
      }
      if (typeof ending === "object") throw ending.error;
      if (ending === "timeout" && flags.count !== undefined) {
        throw new CliError(`received ${received} of ${flags.count} messages (--count) before --timeout (${flags.timeout}ms) passed`);
      }
    });
}

/** The line printed for one delivery. */
export function deliveryLine(type: MessageType, message: Message, delivery: Delivery): DeliveryLine {
  return {
    id: delivery.id,
    topic: delivery.topic,
    contentType: delivery.contentType,
    deliveryCount: delivery.deliveryCount,
    publishedAt: delivery.publishedAt.toISOString(),
    headers: delivery.headers,
    message: toJson(type.schema, message, { registry: type.registry }),
  };
}
