import type { Redis } from "ioredis";

type XaddArgs = [key: string, ...args: (string | number | Buffer)[]];

interface Queued {
  readonly args: XaddArgs;
  readonly resolve: (id: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Sends the XADDs issued during one turn of the event loop as one pipeline
 * (one socket write, one round trip), so that concurrent publishes travel
 * together without the caller batching. Does what ioredis'
 * `enableAutoPipelining` does, minus its per-command promise and tick and
 * its rule of one pipeline in flight at a time: under load, batches follow
 * each other on the connection without waiting for the previous replies.
 * Each publish still resolves only with its own reply from Redis.
 */
export class XaddBatcher {
  readonly #redis: Redis;
  readonly #failure: (key: string, error: unknown) => unknown;
  #queue: Queued[] = [];
  #scheduled = false;

  /** `failure` turns a Redis error into what the publish rejects with. */
  constructor(redis: Redis, failure: (key: string, error: unknown) => unknown) {
    this.#redis = redis;
    this.#failure = failure;
  }

  /** Resolves with the entry id once Redis answered this XADD. */
  add(args: XaddArgs): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ args, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // setImmediate rather than a microtask: publishes triggered by I/O of this same turn join the batch.
      setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const pipeline = this.#redis.pipeline();
    for (const item of batch) pipeline.xadd(...item.args);
    pipeline.exec().then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const item = batch[i]!;
          const [error, id] = results?.[i] ?? [new Error("Redis sent no reply to XADD"), null];
          if (error !== null) item.reject(this.#failure(item.args[0], error));
          else item.resolve(String(id));
        }
      },
      (error: unknown) => {
        for (const item of batch) item.reject(this.#failure(item.args[0], error));
      },
    );
  };
}
