/**
 * `@kled/runtime/redis`: Redis Streams broker and Casbin policy watcher, on
 * `ioredis` (an optional peer). Rate limits shared through Redis take an
 * ioredis client in `@kled/runtime/ratelimit`.
 */
export { RedisBroker, type RedisBrokerOptions } from "../broker/redis/redis-broker.js";
export {
  DEFAULT_BATCH_COUNT,
  DEFAULT_BLOCK_MS,
  DEFAULT_CLAIM_IDLE_MS,
  DEFAULT_DEAD_LETTER_MAX_LEN,
  DEFAULT_DEAD_LETTER_SUFFIX,
  DEFAULT_MAX_LEN,
} from "../broker/redis/options.js";
export { DEFAULT_POLICY_CHANNEL, RedisWatcher, type RedisWatcherOptions } from "../auth/casbin/redis-watcher.js";
