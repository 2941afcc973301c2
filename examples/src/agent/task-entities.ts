import { EntitySchema, type OptionalProps } from "@mikro-orm/core";

/**
 * A task as the MikroORM store keeps it: the protobuf Task as bytes (the
 * source of truth) plus the columns queries need.
 */
export interface TaskRecord {
  [OptionalProps]?: "ordinal";
  /** Creation order; newest-first listing and page tokens use it. */
  ordinal: number;
  id: string;
  contextId: string;
  /** The TaskState number, for filtering. */
  state: number;
  /** The sequence of the task's last event; appends bump it by exactly one. */
  lastSequence: number;
  /** The protobuf binary of the Task. */
  task: Uint8Array;
}

/** One task event, the protobuf TaskEvent as bytes. */
export interface TaskEventRecord {
  [OptionalProps]?: "id";
  id: number;
  taskId: string;
  sequence: number;
  event: Uint8Array;
}

export const TaskRecordSchema = new EntitySchema<TaskRecord>({
  name: "AgentTask",
  tableName: "agent_task",
  properties: {
    ordinal: { type: "integer", primary: true, autoincrement: true },
    id: { type: "string", length: 64, unique: true },
    contextId: { type: "string", length: 200, index: true },
    state: { type: "integer" },
    lastSequence: { type: "integer" },
    task: { type: "blob" },
  },
});

export const TaskEventRecordSchema = new EntitySchema<TaskEventRecord>({
  name: "AgentTaskEvent",
  tableName: "agent_task_event",
  // A second writer that got past the row lock could still not store a
  // duplicate number: sequences stay gap-free and unique by construction.
  uniques: [{ properties: ["taskId", "sequence"] }],
  properties: {
    id: { type: "integer", primary: true, autoincrement: true },
    taskId: { type: "string", length: 64 },
    sequence: { type: "integer" },
    event: { type: "blob" },
  },
});
