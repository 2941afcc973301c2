import { EntitySchema, type OptionalProps } from "@mikro-orm/core";

/**
 * A task as the MikroORM store keeps it: the protobuf Task as bytes (the
 * source of truth) plus the columns queries need.
 */
export interface TaskRecord {
  [OptionalProps]?: "ordinal";
  /** Creation order; breaks ties between equal status times in listings and page tokens. */
  ordinal: number;
  id: string;
  contextId: string;
  /** The owner's domain ("" for a task created by an unauthenticated call): see task-owner.ts. */
  ownerDomain: string;
  /** The owner's subject ("" for a task created by an unauthenticated call). */
  ownerSubject: string;
  /** The lf.a2a.v1.TaskState number, for filtering. */
  state: number;
  /** When the status last changed, ms since the epoch: ListTasks orders and filters by it. */
  statusTime: number;
  /** The sequence of the task's last event; appends bump it by exactly one. */
  lastSequence: number;
  /** The protobuf binary of the lf.a2a.v1.Task. */
  task: Uint8Array;
}

/** One task event, the protobuf kled.agent.v1.TaskEvent as bytes. */
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
  // Every client's lookup and listing is scoped to its owner, and ListTasks orders by status time, then
  // ordinal: this index serves the scoped listing, its paging and its count. The owner columns came
  // after the first version of this table; ensureSchema creates them on a fresh database, and an
  // existing agent_task table needs them added (text, not null, default '') before this version runs.
  indexes: [{ properties: ["ownerDomain", "ownerSubject", "statusTime", "ordinal"] }],
  properties: {
    ordinal: { type: "integer", primary: true, autoincrement: true },
    id: { type: "string", length: 64, unique: true },
    contextId: { type: "string", length: 200, index: true },
    ownerDomain: { type: "text" },
    ownerSubject: { type: "text" },
    state: { type: "integer" },
    // A double holds every ms timestamp exactly (up to 2^53) on PostgreSQL and SQLite alike.
    statusTime: { type: "double" },
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

/** A task's webhook configuration: the protobuf TaskPushNotificationConfig as bytes. */
export interface PushConfigRecord {
  [OptionalProps]?: "ordinal";
  /** Creation order, for paging. */
  ordinal: number;
  taskId: string;
  configId: string;
  /** The protobuf binary of the lf.a2a.v1.TaskPushNotificationConfig. */
  config: Uint8Array;
}

export const PushConfigRecordSchema = new EntitySchema<PushConfigRecord>({
  name: "AgentPushConfig",
  tableName: "agent_push_config",
  uniques: [{ properties: ["taskId", "configId"] }],
  properties: {
    ordinal: { type: "integer", primary: true, autoincrement: true },
    taskId: { type: "string", length: 64, index: true },
    configId: { type: "string", length: 200 },
    config: { type: "blob" },
  },
});
