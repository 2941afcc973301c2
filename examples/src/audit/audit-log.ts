import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Broker, Delivery, Subscription } from "@kled/runtime";
import { TaskEventTopic } from "../gen/kled/agent/v1/agent_kled.js";
import { TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import type { TaskEvent } from "../gen/kled/agent/v1/agent_pb.js";

/**
 * The consumer group of audit subscribers: instances share the events, and
 * a restarted one resumes where the group stopped (with Redis), so that no
 * event goes unaudited while it was down.
 */
export const AUDIT_GROUP = "audit";

/** One audit record: which event of which task, what it said, and when. */
export interface AuditLine {
  taskId: string;
  /** The event's number within its task: 1, 2, 3… without gaps. */
  sequence: number;
  /** For a status update: the new state, e.g. `WORKING`. */
  state?: string;
  /** For an artifact update: the artifact id. */
  artifact?: string;
  /** When the event happened (ISO 8601); the publish time if the event has none. */
  time: string;
}

/** Writes one line; an event is acknowledged only once every sink has written it. */
export type AuditSink = (line: string) => void | Promise<void>;

/** The audit record of `event`. */
export function auditLine(event: TaskEvent, delivery: Pick<Delivery, "publishedAt">): AuditLine {
  const time = (event.time === undefined ? delivery.publishedAt : timestampDate(event.time)).toISOString();
  const line: AuditLine = { taskId: event.taskId, sequence: Number(event.sequence), time };
  switch (event.event.case) {
    case "statusUpdate":
      line.state = TaskState[event.event.value.status?.state ?? TaskState.UNSPECIFIED] ?? "UNKNOWN";
      break;
    case "artifactUpdate":
      line.artifact = event.event.value.artifact?.artifactId ?? "";
      break;
  }
  return line;
}

/**
 * Audits `TaskEventTopic` in the group {@link AUDIT_GROUP}: one JSON line
 * per event to every sink. Delivery is at least once, so after a crash a
 * line may repeat; `taskId` and `sequence` identify the event.
 */
export function subscribeAudit(broker: Broker, sinks: readonly AuditSink[]): Promise<Subscription> {
  return broker.subscribe(
    TaskEventTopic,
    async (event, delivery) => {
      const line = `${JSON.stringify(auditLine(event, delivery))}\n`;
      for (const sink of sinks) await sink(line);
    },
    { group: AUDIT_GROUP },
  );
}
