import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Codecs } from "../../codec/codecs.js";
import type { Logger } from "../../logging/logger.js";
import { DEFAULT_CONCURRENCY, DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_MAX_DELIVERIES } from "../broker.js";
import { DEFAULT_DEAD_LETTER_MAX_LEN } from "../dead-letter.js";
import { wholeNumber } from "../option-value.js";

export { DEFAULT_DEAD_LETTER_MAX_LEN };

/**
 * Options of a Redis broker but the ioredis ones (see RedisBrokerOptions in
 * redis-broker.ts): the core names them for `createBroker` without making
 * ioredis's types a part of its own.
 */
export interface RedisBrokerSettings {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. Default: `KLED_REDIS_URL`, else {@link DEFAULT_REDIS_URL}. */
  url?: string;
  /** Codecs that encode and decode payloads. Default: protobuf binary and JSON. */
  codecs?: Codecs;
  /** Codec of published messages unless `publish` names one. Default `proto`. */
  codec?: string;
  /** Default: a console logger. */
  logger?: Logger;
  /** Approximate length each topic's stream is trimmed to on publish (`MAXLEN ~`); `Infinity` never trims. Default {@link DEFAULT_MAX_LEN}. */
  maxLen?: number;
  /** How long one read waits for new messages, in milliseconds (`BLOCK`). Default {@link DEFAULT_BLOCK_MS}. */
  blockMs?: number;
  /** Most messages one read fetches (`COUNT`). Default {@link DEFAULT_BATCH_COUNT}. */
  batchCount?: number;
  /**
   * How long a message must sit unacknowledged before another consumer of its
   * group (or its own, after a handler failure) takes it over, in
   * milliseconds. Must exceed your slowest handler. Default {@link DEFAULT_CLAIM_IDLE_MS}.
   */
  claimIdleMs?: number;
  /** How often each group subscriber looks for such messages, in milliseconds. Default: half of `claimIdleMs`. */
  claimIntervalMs?: number;
  /** Deliveries before a message goes to the dead-letter stream. Default {@link DEFAULT_MAX_DELIVERIES}. */
  maxDeliveries?: number;
  /** Handlers in flight per subscriber unless `subscribe` says otherwise. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** The dead-letter stream of topic `t` is `t` + this suffix. Default {@link DEFAULT_DEAD_LETTER_SUFFIX}. */
  deadLetterSuffix?: string;
  /**
   * Approximate length each dead-letter stream is trimmed to as dead letters
   * are written (`MAXLEN ~`); the oldest go first, with a warning naming how
   * many. `Infinity` never trims. Default {@link DEFAULT_DEAD_LETTER_MAX_LEN}.
   */
  deadLetterMaxLen?: number;
  /** How long a closing subscription waits for its handlers, in milliseconds. Default {@link DEFAULT_DRAIN_TIMEOUT_MS}. */
  drainTimeoutMs?: number;
}

/** The environment variable naming the Redis server. */
export const REDIS_URL_ENV = "KLED_REDIS_URL";

/** A Redis on this machine, on its standard port. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * 100 000 entries per topic: at 1 KB a message about 100 MB, minutes of
 * backlog at thousands of messages a second. A group that falls further
 * behind loses the oldest messages to trimming (pending ones among them are
 * reported to the dead-letter stream as trimmed).
 */
export const DEFAULT_MAX_LEN = 100_000;

/** Five seconds: an idle subscriber costs one round trip per five seconds; closing does not wait for it. */
export const DEFAULT_BLOCK_MS = 5_000;

/** 100 messages per read: round trips stop mattering at that size, and the local buffer stays small. */
export const DEFAULT_BATCH_COUNT = 100;

/**
 * Thirty seconds: longer than handlers usually take, short enough that the
 * messages of a crashed consumer move on within a minute.
 */
export const DEFAULT_CLAIM_IDLE_MS = 30_000;

/** `:dlq`: the dead letters of `orders` are the stream `orders:dlq`, itself a valid topic to subscribe to. */
export const DEFAULT_DEAD_LETTER_SUFFIX = ":dlq";

/** Longest pause between two reconnection attempts, in milliseconds: a restarted Redis is found within two seconds. */
export const RECONNECT_MAX_MS = 2_000;

/** The options with every default applied. Internal. */
export interface ResolvedRedisBrokerOptions {
  readonly url: string;
  readonly maxLen: number;
  readonly blockMs: number;
  readonly batchCount: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly maxDeliveries: number;
  readonly concurrency: number;
  readonly deadLetterSuffix: string;
  readonly deadLetterMaxLen: number;
  readonly drainTimeoutMs: number;
}

const OWNER = 'broker "redis"';

export function resolveRedisBrokerOptions(
  options: RedisBrokerSettings,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRedisBrokerOptions {
  const fromEnv = env[REDIS_URL_ENV]?.trim();
  const url = options.url ?? (fromEnv === undefined || fromEnv === "" ? DEFAULT_REDIS_URL : fromEnv);
  if (!/^rediss?:\/\//.test(url)) {
    throw new Error(`${OWNER}: URL ${JSON.stringify(url)} is not a Redis URL; use redis://host:port or rediss://host:port`);
  }
  const claimIdleMs = wholeNumber(OWNER, "claimIdleMs", options.claimIdleMs, DEFAULT_CLAIM_IDLE_MS);
  const deadLetterSuffix = options.deadLetterSuffix ?? DEFAULT_DEAD_LETTER_SUFFIX;
  if (deadLetterSuffix === "") throw new Error(`${OWNER}: deadLetterSuffix must not be empty: the dead letters would go back to the topic`);
  return {
    url,
    maxLen: wholeNumber(OWNER, "maxLen", options.maxLen, DEFAULT_MAX_LEN, 1, true),
    blockMs: wholeNumber(OWNER, "blockMs", options.blockMs, DEFAULT_BLOCK_MS),
    batchCount: wholeNumber(OWNER, "batchCount", options.batchCount, DEFAULT_BATCH_COUNT),
    claimIdleMs,
    claimIntervalMs: wholeNumber(OWNER, "claimIntervalMs", options.claimIntervalMs, Math.max(1, Math.floor(claimIdleMs / 2))),
    maxDeliveries: wholeNumber(OWNER, "maxDeliveries", options.maxDeliveries, DEFAULT_MAX_DELIVERIES),
    concurrency: wholeNumber(OWNER, "concurrency", options.concurrency, DEFAULT_CONCURRENCY),
    deadLetterSuffix,
    deadLetterMaxLen: wholeNumber(OWNER, "deadLetterMaxLen", options.deadLetterMaxLen, DEFAULT_DEAD_LETTER_MAX_LEN, 1, true),
    drainTimeoutMs: wholeNumber(OWNER, "drainTimeoutMs", options.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, 0),
  };
}

/** A consumer name unique across processes and restarts: `hostname-pid-random`. */
export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}
