import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { TaskEventSchema } from "../../../examples/src/gen/kled/agent/v1/agent_pb.js";
import { defineTopic, type Topic } from "../../../runtime/src/broker/index.js";

/** A topic of its own for one test, so that test files run in parallel against one Redis. */
export function uniqueTopic(label: string): Topic<typeof TaskEventSchema> {
  return defineTopic(TaskEventSchema, `kled-test.${label}.${process.pid}.${randomBytes(4).toString("hex")}`);
}

/** A plain connection for looking at streams from the outside; `cleanup` deletes the keys it was told about. */
export function inspector(url: string): Redis & { forget(...keys: string[]): void; cleanup(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  redis.on("error", () => {});
  const keys: string[] = [];
  return Object.assign(redis, {
    forget: (...names: string[]) => void keys.push(...names),
    cleanup: async () => {
      if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
      redis.disconnect();
    },
  });
}

/** Messages pending in `group` (delivered, not acknowledged). */
export async function pendingCount(redis: Redis, topic: string, group: string): Promise<number> {
  const [count] = (await redis.xpending(topic, group)) as [number];
  return Number(count);
}

/** Pending messages per consumer of `group`. */
export async function pendingByConsumer(redis: Redis, topic: string, group: string): Promise<Map<string, number>> {
  const [, , , consumers] = (await redis.xpending(topic, group)) as [number, unknown, unknown, [string, string][] | null];
  return new Map((consumers ?? []).map(([name, count]) => [name, Number(count)]));
}
