import type { MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, expectTypeOf, it } from "vitest";
import { TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import type { TaskEvent, TaskEventSchema } from "../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { MemoryBroker, type Broker, type Delivery } from "../../runtime/src/broker/index.js";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { waitUntil } from "../registry/wait.js";

// The type checks here run under `tsc -p tsconfig.json` (which includes test/);
// each @ts-expect-error fails the type check if its line stops being an error.
async function typeChecks(broker: Broker): Promise<void> {
  await broker.publish(TaskEventTopic, { taskId: "t1", sequence: 1n, event: { case: "statusUpdate", value: { taskId: "t1" } } });
  // @ts-expect-error -- not a field of TaskEvent
  await broker.publish(TaskEventTopic, { taskId: "t1", notAField: true });
  // @ts-expect-error -- sequence is a uint64: bigint, not string
  await broker.publish(TaskEventTopic, { sequence: "1" });
  // @ts-expect-error -- no such oneof case
  await broker.publish(TaskEventTopic, { event: { case: "nope", value: {} } });

  await broker.subscribe(TaskEventTopic, (event, delivery) => {
    expectTypeOf(event).toEqualTypeOf<TaskEvent>();
    expectTypeOf(event.sequence).toEqualTypeOf<bigint>();
    expectTypeOf(delivery).toEqualTypeOf<Delivery>();
    // @ts-expect-error -- not a field of TaskEvent
    void event.notAField;
  });
  // @ts-expect-error -- a handler for another message type does not fit
  await broker.subscribe(TaskEventTopic, (event: { other: string }) => void event.other);

  expectTypeOf(broker.publish<typeof TaskEventSchema>).parameter(1).toEqualTypeOf<MessageInitShape<typeof TaskEventSchema>>();
}

describe("typed topics", () => {
  it("publish takes the init shape of the topic's message and handlers get the message", async () => {
    const broker = new MemoryBroker({ logger: silentLogger });
    expect(typeChecks).toBeTypeOf("function");
    const received: TaskEvent[] = [];
    await broker.subscribe(TaskEventTopic, (event) => void received.push(event));
    await broker.publish(TaskEventTopic, { taskId: "t1", sequence: 3n, event: { case: "statusUpdate", value: { taskId: "t1" } } });
    await waitUntil("received", () => received.length === 1, 1000);
    expect(received[0]).toMatchObject({ $typeName: "kled.agent.v1.TaskEvent", taskId: "t1", sequence: 3n });
    expect(received[0]?.event).toMatchObject({ case: "statusUpdate", value: { taskId: "t1" } });
    expect(TaskEventTopic.name).toBe("kled.agent.v1.task-events");
    await broker.close();
  });
});
