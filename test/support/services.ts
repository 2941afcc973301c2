/**
 * Real services for integration tests. Each test file asks for what it
 * needs; when a service cannot be reached its tests skip with a one-line
 * reason on stderr, unless `KLED_REQUIRE_SERVICES=1` (CI sets it), where
 * they fail instead: CI never passes by skipping.
 *
 * - Redis: `KLED_REDIS_URL`, default redis://127.0.0.1:6379.
 * - PostgreSQL: `KLED_DATABASE_URL` when it is a postgresql:// URL, else
 *   postgresql://postgres@127.0.0.1:5432/test.
 * - NATS with JetStream: `KLED_NATS_URL`, default nats://127.0.0.1:4222.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { Database } from "@kled/runtime/mikro-orm";

export const REQUIRE_SERVICES_ENV = "KLED_REQUIRE_SERVICES";

/** The local Redis of the project's machines. */
export const DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379";

/** The local NATS of the project's machines, JetStream on. */
export const DEFAULT_TEST_NATS_URL = "nats://127.0.0.1:4222";

/** The local PostgreSQL of the project's machines (trust auth, database `test`). */
export const DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";

/** How long a probe waits for a service to answer, in milliseconds. */
const PROBE_TIMEOUT_MS = 3_000;

/** A service the tests may use: its URL, or why its tests skip. */
export interface ServiceAvailability {
  readonly url: string;
  /** Undefined when reachable; else the reason its tests skip. */
  readonly skip: string | undefined;
}

/**
 * Settles whether a service is usable: `probe` resolves when it answers and
 * rejects with the reason otherwise. Throws when services are required.
 */
export async function requireService(
  name: string,
  url: string,
  probe: () => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceAvailability> {
  try {
    await withTimeout(probe(), PROBE_TIMEOUT_MS, `no answer within ${PROBE_TIMEOUT_MS} ms`);
    return { url, skip: undefined };
  } catch (error) {
    const reason = `${name} unreachable at ${url.replace(/\/\/[^@/]*@/, "//***@")} (${error instanceof Error ? error.message : String(error)})`;
    if (env[REQUIRE_SERVICES_ENV] === "1") {
      throw new Error(`${reason}; ${REQUIRE_SERVICES_ENV}=1 requires it: start it or point the tests elsewhere`);
    }
    process.stderr.write(`skipping ${name} tests: ${reason}\n`);
    return { url, skip: reason };
  }
}

/** The Redis of `KLED_REDIS_URL`, probed with PING. */
export function requireRedis(env: NodeJS.ProcessEnv = process.env): Promise<ServiceAvailability> {
  const url = env["KLED_REDIS_URL"]?.trim() || DEFAULT_TEST_REDIS_URL;
  return requireService("Redis", url, () => pingRedis(url), env);
}

/** Resolves when the Redis at `url` answers PING within `timeoutMs`. */
export async function pingRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // A failed connect rejects with "Connection is closed."; the error event says why.
  let cause: unknown;
  redis.on("error", (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

/** The NATS of `KLED_NATS_URL`, probed by asking JetStream for the account's usage (so a server without -js fails too). */
export function requireNats(env: NodeJS.ProcessEnv = process.env): Promise<ServiceAvailability> {
  const url = env["KLED_NATS_URL"]?.trim() || DEFAULT_TEST_NATS_URL;
  return requireService("NATS", url, () => pingNats(url), env);
}

/** Resolves when the NATS at `url` connects and its JetStream answers within `timeoutMs`. */
export async function pingNats(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const nc = await connectNats({ servers: url, timeout: timeoutMs, reconnect: false });
  try {
    await (await jetstreamManager(nc, { timeout: timeoutMs })).getAccountInfo();
  } finally {
    await nc.close();
  }
}

/** The PostgreSQL of `KLED_DATABASE_URL` (when it names one), probed with `select 1`. */
export function requirePostgres(env: NodeJS.ProcessEnv = process.env): Promise<ServiceAvailability> {
  const configured = env["KLED_DATABASE_URL"]?.trim() ?? "";
  const url = /^postgres(ql)?:/i.test(configured) ? configured : DEFAULT_TEST_POSTGRES_URL;
  return requireService(
    "PostgreSQL",
    url,
    async () => {
      const database = await Database.open({ url, entities: [], logger: quiet });
      await database.close();
    },
    env,
  );
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** `promise`, or a rejection with `message` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
