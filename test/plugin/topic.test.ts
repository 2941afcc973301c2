import { describe, expect, it } from "vitest";
import { defineTopic } from "@kled/runtime";
import { expectBlock } from "./support/expect-lines.js";
import { generate, linesOf } from "./support/run-plugin.js";

function eventProto(optionValue: string): string {
  return `
    syntax = "proto3";
    package kled.agent.v1;
    import "kled/options/v1/options.proto";
    // TaskEvent reports progress of a task.
    message TaskEvent {
      option (kled.options.v1.topic) = ${optionValue};
      string task_id = 1;
    }
  `;
}

describe("topic option", () => {
  it("generates a typed topic for a marked message, with a value import of its schema", () => {
    const files = generate({ "kled/agent/v1/events.proto": eventProto(`{name: "kled.agent.v1.task-events"}`) });
    const lines = linesOf(files, "kled/agent/v1/events_kled.ts");
    expect(lines).toContain('import type { Topic } from "@kled/runtime";');
    expect(lines).toContain('import { defineTopic } from "@kled/runtime";');
    expect(lines).toContain('import { TaskEventSchema } from "./events_pb";');
    expectBlock(lines, [
      "/**",
      ' * Broker topic "kled.agent.v1.task-events" carrying kled.agent.v1.TaskEvent: publish and subscribe with it to get typed events.',
      " *",
      " * @generated from message kled.agent.v1.TaskEvent",
      " */",
      'export const TaskEventTopic: Topic<typeof TaskEventSchema> = /*@__PURE__*/ defineTopic(TaskEventSchema, "kled.agent.v1.task-events");',
    ]);
  });

  it("finds marked messages nested in others, and marks deprecated ones", () => {
    const files = generate({
      "kled/test/v1/nested.proto": `
        syntax = "proto3";
        package kled.test.v1;
        import "kled/options/v1/options.proto";
        message Outer {
          option deprecated = true;
          message Inner { option (kled.options.v1.topic) = {name: "inner:events"}; }
        }
      `,
    });
    const lines = linesOf(files, "kled/test/v1/nested_kled.ts");
    expectBlock(lines, [
      " * @generated from message kled.test.v1.Outer.Inner",
      " * @deprecated",
      " */",
      'export const Outer_InnerTopic: Topic<typeof Outer_InnerSchema> = /*@__PURE__*/ defineTopic(Outer_InnerSchema, "inner:events");',
    ]);
  });

  it("fails on an invalid topic name, naming the message and the value", () => {
    expect(() => generate({ "kled/agent/v1/events.proto": eventProto(`{name: "task events!"}`) })).toThrow(
      'message kled.agent.v1.TaskEvent: invalid topic name "task events!" in option (kled.options.v1.topic)',
    );
  });

  it("fails on an empty topic name", () => {
    expect(() => generate({ "kled/agent/v1/events.proto": eventProto(`{}`) })).toThrow(
      'message kled.agent.v1.TaskEvent: invalid topic name ""',
    );
  });

  it("applies the same name rule as the runtime's defineTopic", () => {
    const names = ["a", "kled.agent.v1.task-events", "x:y_z", "-leading", ".dot", "sp ace", "ü", "a".repeat(200), "a".repeat(201)];
    for (const name of names) {
      const runtimeAccepts = (() => {
        try {
          defineTopic({ typeName: "T" } as Parameters<typeof defineTopic>[0], name);
          return true;
        } catch {
          return false;
        }
      })();
      const pluginAccepts = (() => {
        try {
          generate({ "kled/agent/v1/events.proto": eventProto(`{name: ${JSON.stringify(name)}}`) });
          return true;
        } catch {
          return false;
        }
      })();
      expect(pluginAccepts, `topic name ${JSON.stringify(name)}`).toBe(runtimeAccepts);
    }
  });

  it("writes nothing for a file whose messages carry no topic", () => {
    const files = generate({
      "kled/test/v1/plain.proto": `
        syntax = "proto3";
        package kled.test.v1;
        import "kled/options/v1/options.proto";
        message Plain { string a = 1; }
      `,
    });
    expect(files.size).toBe(0);
  });
});
