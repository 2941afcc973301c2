import type { Logger } from "../logging/logger.js";
import type { Broker } from "./broker.js";
import { MemoryBroker, type MemoryBrokerOptions } from "./memory/memory-broker.js";
import { DEFAULT_REDIS_URL, redactUrl, REDIS_URL_ENV, type RedisBrokerSettings } from "./redis/options.js";
import { NATS_URL_ENV, natsUrlFromEnv, natsUrlProblem, redactNatsUrl, type NatsBrokerSettings } from "./nats/options.js";
import { LazyBroker } from "./lazy-broker.js";

/** The environment variable naming the broker: a spec of {@link createBroker}. */
export const BROKER_ENV = "KLED_BROKER";

/** The broker used when `KLED_BROKER` is unset: nothing to run, and nothing leaves the process. */
export const DEFAULT_BROKER = "memory";

/** Options of {@link createBroker} and {@link brokerFromEnv}. */
export interface CreateBrokerOptions {
  /** The broker's logger. Default: a console logger. */
  logger?: Logger;
  /** Where `KLED_BROKER` and `KLED_REDIS_URL` are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** More options for a {@link MemoryBroker}. */
  memory?: Omit<MemoryBrokerOptions, "logger">;
  /** More options for a Redis broker; the URL comes from the spec. */
  redis?: Omit<RedisBrokerSettings, "url" | "logger">;
  /** More options for a NATS broker; the URL comes from the spec. */
  nats?: Omit<NatsBrokerSettings, "url" | "logger">;
}

/**
 * A broker from its spec:
 * - `"memory"`: a new {@link MemoryBroker}, private to this process;
 * - `"redis"`: a RedisBroker on the Redis the `KLED_REDIS_URL` variable of
 *   `env` names, else {@link DEFAULT_REDIS_URL};
 * - `"redis://host:port[/db]"` (or `rediss://` for TLS, with
 *   `user:password@` when needed): a RedisBroker on that Redis;
 * - `"nats"`: a NatsBroker on the NATS the `KLED_NATS_URL` variable names,
 *   else `nats://127.0.0.1:4222`;
 * - `"nats://host:port"` (several comma-separated for a cluster, with
 *   `user:password@` when needed): a NatsBroker on that NATS (JetStream on).
 *
 * The RedisBroker (`@kled/runtime/redis`, which needs the `ioredis` package)
 * and the NatsBroker (`@kled/runtime/nats`, which needs `@nats-io/transport-node`
 * and `@nats-io/jetstream`) are imported on first use. Throws naming the
 * spec when it is none of these.
 */
export function createBroker(spec: string, options: CreateBrokerOptions = {}): Broker {
  return openBroker(resolveBrokerSpec(spec, options.env), options);
}

/** The broker the `KLED_BROKER` variable names (default {@link DEFAULT_BROKER}); see {@link createBroker}. */
export function brokerFromEnv(options: CreateBrokerOptions = {}): Broker {
  return openBroker(brokerSpecFromEnv(options.env), options);
}

/** What a broker spec stands for, checked, before anything connects. */
export type BrokerSpec =
  | { readonly kind: "memory" }
  | { readonly kind: "redis"; readonly url: string }
  | { readonly kind: "nats"; readonly url: string };

/** Resolves a spec of {@link createBroker}; throws naming it when it is none. */
export function resolveBrokerSpec(spec: string, env: NodeJS.ProcessEnv = process.env): BrokerSpec {
  return resolve(spec, (value) => `broker ${JSON.stringify(redactNatsUrl(redactUrl(value)))}`, env);
}

/** Resolves the spec `KLED_BROKER` holds (default {@link DEFAULT_BROKER}); errors name the variable. */
export function brokerSpecFromEnv(env: NodeJS.ProcessEnv = process.env): BrokerSpec {
  const spec = env[BROKER_ENV]?.trim();
  return resolve(spec === undefined || spec === "" ? DEFAULT_BROKER : spec, envLabel(BROKER_ENV), env);
}

/** Names the setting a bad value came from, its password hidden. */
type Label = (value: string) => string;

function envLabel(name: string): Label {
  return (value) => `${name}=${JSON.stringify(redactNatsUrl(redactUrl(value)))}`;
}

function resolve(spec: string, label: Label, env: NodeJS.ProcessEnv): BrokerSpec {
  if (spec === "memory") return { kind: "memory" };
  if (spec === "nats" || spec.startsWith("nats://")) return resolveNats(spec, label, env);
  const fromEnv = spec === "redis";
  const url = fromEnv ? redisUrlFromEnv(env) : spec;
  if (!fromEnv && !/^rediss?:\/\//.test(url)) {
    throw new Error(
      `${label(spec)}: unknown broker; use "memory", "redis" (the Redis at $${REDIS_URL_ENV}), a URL redis://host:port[/db], "nats" (the NATS at $${NATS_URL_ENV}) or a URL nats://host:port`,
    );
  }
  if (!isRedisUrl(url)) {
    throw new Error(
      `${fromEnv ? envLabel(REDIS_URL_ENV)(url) : label(url)}: not a Redis URL; use redis://host:port[/db], e.g. ${DEFAULT_REDIS_URL}/0`,
    );
  }
  return { kind: "redis", url };
}

function resolveNats(spec: string, label: Label, env: NodeJS.ProcessEnv): BrokerSpec {
  const fromEnv = spec === "nats";
  const url = fromEnv ? natsUrlFromEnv(env) : spec;
  const problem = natsUrlProblem(url);
  if (problem !== undefined) throw new Error(`${fromEnv ? envLabel(NATS_URL_ENV)(url) : label(url)}: ${problem}`);
  return { kind: "nats", url };
}

function openBroker(spec: BrokerSpec, options: CreateBrokerOptions): Broker {
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  switch (spec.kind) {
    case "memory":
      return new MemoryBroker({ ...options.memory, ...logger });
    case "redis":
      return new LazyBroker("redis", async () => {
        const { RedisBroker } = await import("./redis/redis-broker.js");
        return new RedisBroker({ ...options.redis, ...logger, url: spec.url });
      });
    case "nats":
      return new LazyBroker("nats", async () => {
        const { NatsBroker } = await import("./nats/nats-broker.js");
        return new NatsBroker({ ...options.nats, ...logger, url: spec.url });
      });
  }
}

function redisUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const url = env[REDIS_URL_ENV]?.trim();
  return url === undefined || url === "" ? DEFAULT_REDIS_URL : url;
}

/** Refuses what ioredis would misread silently: no host, a port or a database that is not a number. */
function isRedisUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === "redis:" || parsed.protocol === "rediss:") &&
    parsed.hostname !== "" &&
    /^(\/\d*)?$/.test(parsed.pathname) &&
    parsed.hash === ""
  );
}
