import { MemoryBroker, RedisBroker, type Broker, type Logger } from "@kled/runtime";

/** The environment variable choosing the example services' broker. */
export const BROKER_ENV = "KLED_BROKER";

/**
 * The broker `KLED_BROKER` names: `memory` (default: one process, nothing
 * to run) or `redis` (Redis Streams at `KLED_REDIS_URL`, shared by every
 * process).
 */
export function brokerFromEnv(logger: Logger, env: NodeJS.ProcessEnv = process.env): Broker {
  const kind = env[BROKER_ENV]?.trim() || "memory";
  switch (kind) {
    case "memory":
      return new MemoryBroker({ logger });
    case "redis":
      return new RedisBroker({ logger });
    default:
      throw new Error(`${BROKER_ENV}=${JSON.stringify(kind)} is not a broker; use memory or redis`);
  }
}
