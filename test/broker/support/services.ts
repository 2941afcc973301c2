import { Redis } from "ioredis";

/**
 * Integration tests use real services. When one cannot be reached its tests
 * skip, with a one-line reason on stderr, unless `KLED_REQUIRE_SERVICES=1`
 * (CI sets it), where they fail instead: CI never passes by skipping.
 */
export const REQUIRE_SERVICES_ENV = "KLED_REQUIRE_SERVICES";

/** A service the tests may use: its URL, or why its tests skip. */
export interface ServiceAvailability {
  readonly url: string;
  /** Undefined when reachable; else the reason its tests skip. */
  readonly skip: string | undefined;
}

/**
 * Settles whether a service is usable: `probe` resolves when it answers and
 * rejects with the reason otherwise. Throws when the service is required.
 */
export async function requireService(
  name: string,
  url: string,
  probe: () => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceAvailability> {
  try {
    await probe();
    return { url, skip: undefined };
  } catch (error) {
    const reason = `${name} unreachable at ${url} (${error instanceof Error ? error.message : String(error)})`;
    if (env[REQUIRE_SERVICES_ENV] === "1") {
      throw new Error(`${reason}; ${REQUIRE_SERVICES_ENV}=1 requires it: start it or point the tests elsewhere`);
    }
    process.stderr.write(`skipping ${name} tests: ${reason}\n`);
    return { url, skip: reason };
  }
}

/** How long the probe waits for Redis to answer PING. */
const REDIS_PROBE_TIMEOUT_MS = 1_500;

/** The Redis of `KLED_REDIS_URL` (default redis://127.0.0.1:6379), probed with PING. */
export function requireRedis(env: NodeJS.ProcessEnv = process.env): Promise<ServiceAvailability> {
  const url = env["KLED_REDIS_URL"]?.trim() || "redis://127.0.0.1:6379";
  return requireService("Redis", url, () => pingRedis(url), env);
}

/** Resolves when the Redis at `url` answers PING within the timeout. */
export async function pingRedis(url: string, timeoutMs = REDIS_PROBE_TIMEOUT_MS): Promise<void> {
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
