/**
 * A connection attempt before the CLI opens its broker: the Redis broker
 * reconnects patiently (a service should ride out a Redis restart), but a
 * script given a wrong address should fail at once.
 */
import { Redis } from "ioredis";

/**
 * Connects to the Redis at `url` once, giving up after `timeoutMs`
 * milliseconds, and disconnects; rejects with why it could not connect.
 */
export async function probeRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, {
    connectionName: "kled-cli-probe",
    connectTimeout: timeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // A refused connection would otherwise keep the process alive for ioredis' 2 s timer.
    disconnectTimeout: 0,
  });
  // ioredis rejects a failed connect with "Connection is closed."; the error event says why.
  let cause: unknown;
  redis.on("error", (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}
