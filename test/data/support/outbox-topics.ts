import { defineTopic } from "@kled/runtime";
import { EchoRequestSchema } from "../../gen/kled/test/v1/echo_pb.js";

/** A topic of its own for each test run, so parallel runs on one Redis never share messages. */
export function outboxTopic(suffix: string) {
  return defineTopic(EchoRequestSchema, `kled.test.outbox-${suffix}`);
}
