import type { Codecs } from "../../codec/codecs.js";
import type { Logger } from "../../logging/logger.js";
import { DEFAULT_CONCURRENCY, DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_MAX_DELIVERIES } from "../broker.js";
import { wholeNumber } from "../option-value.js";

/**
 * Options of a NATS broker but the client library's own (see
 * NatsBrokerOptions in nats-broker.ts): the core names them for
 * `createBroker` without making the library's types a part of its own.
 */
export interface NatsBrokerSettings {
  /**
   * `nats://[user:password@]host:port`, several separated by commas for a
   * cluster. Default: `KLED_NATS_URL`, else {@link DEFAULT_NATS_URL}.
   */
  url?: string;
  /** Codecs that encode and decode payloads. Default: protobuf binary and JSON. */
  codecs?: Codecs;
  /** Codec of published messages unless `publish` names one. Default `proto`. */
  codec?: string;
  /** Default: a console logger. */
  logger?: Logger;
  /** Messages each topic's stream keeps (the oldest are discarded beyond). Default {@link DEFAULT_MAX_MESSAGES}. */
  maxMessages?: number;
  /**
   * How long a delivered message may go unacknowledged before JetStream
   * delivers it again (to any member of the group), in milliseconds: how
   * soon the messages of a crashed subscriber move on. Must exceed your
   * slowest handler. Default {@link DEFAULT_ACK_WAIT_MS}.
   */
  ackWaitMs?: number;
  /** Pause before the first redelivery of a message whose handler failed, in milliseconds; doubles per delivery. Default {@link DEFAULT_RETRY_DELAY_MS}. */
  retryDelayMs?: number;
  /** Longest pause before a redelivery after a failure, in milliseconds. Default {@link DEFAULT_RETRY_DELAY_MAX_MS}. */
  retryDelayMaxMs?: number;
  /** Deliveries before a message goes to the dead-letter stream. Default {@link DEFAULT_MAX_DELIVERIES}. */
  maxDeliveries?: number;
  /** Handlers in flight per subscriber unless `subscribe` says otherwise. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** The dead letters of topic `t` go to the topic `t` + this suffix. Default {@link DEFAULT_DEAD_LETTER_SUFFIX}. */
  deadLetterSuffix?: string;
  /** Dead letters each dead-letter stream keeps (the oldest are discarded beyond). Default {@link DEFAULT_DEAD_LETTER_MAX_MESSAGES}. */
  deadLetterMaxMessages?: number;
  /**
   * How long JetStream keeps the consumer of a subscriber without a group
   * once that subscriber stopped pulling (its process died), in
   * milliseconds. Default {@link DEFAULT_FANOUT_INACTIVE_MS}.
   */
  fanoutInactiveMs?: number;
  /** How long a closing subscription waits for its handlers, in milliseconds. Default {@link DEFAULT_DRAIN_TIMEOUT_MS}. */
  drainTimeoutMs?: number;
}

/** The environment variable naming the NATS server when `KLED_BROKER=nats`. */
export const NATS_URL_ENV = "KLED_NATS_URL";

/** A NATS server on this machine, on its standard port. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** 100 000 messages per topic, as the Redis broker keeps: minutes of backlog at thousands a second. */
export const DEFAULT_MAX_MESSAGES = 100_000;

/** Thirty seconds, as the Redis broker's claimIdleMs: longer than handlers usually take, short enough that a crashed subscriber's messages move on within a minute. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/** One second before the first redelivery after a failure: a short outage of something the handler calls is over by then. */
export const DEFAULT_RETRY_DELAY_MS = 1_000;

/** At most thirty seconds between redeliveries after failures: with five deliveries, a message that keeps failing leaves within a minute. */
export const DEFAULT_RETRY_DELAY_MAX_MS = 30_000;

/** `:dlq`, as the Redis broker: the dead letters of `orders` are the topic `orders:dlq`, itself a topic to subscribe to. */
export const DEFAULT_DEAD_LETTER_SUFFIX = ":dlq";

/** 10 000 dead letters per topic: enough to inspect an incident, bounded so a broken consumer cannot fill the disk. */
export const DEFAULT_DEAD_LETTER_MAX_MESSAGES = 10_000;

/** Five minutes: a subscriber's consumer outlives a NATS restart or a network partition, and is gone soon after its process died. */
export const DEFAULT_FANOUT_INACTIVE_MS = 5 * 60_000;

/** The options with every default applied. Internal. */
export interface ResolvedNatsBrokerOptions {
  readonly url: string;
  readonly maxMessages: number;
  readonly ackWaitMs: number;
  readonly retryDelayMs: number;
  readonly retryDelayMaxMs: number;
  readonly maxDeliveries: number;
  readonly concurrency: number;
  readonly deadLetterSuffix: string;
  readonly deadLetterMaxMessages: number;
  readonly fanoutInactiveMs: number;
  readonly drainTimeoutMs: number;
}

const OWNER = 'broker "nats"';

export function resolveNatsBrokerOptions(options: NatsBrokerSettings, env: NodeJS.ProcessEnv = process.env): ResolvedNatsBrokerOptions {
  const url = options.url ?? natsUrlFromEnv(env);
  const problem = natsUrlProblem(url);
  if (problem !== undefined) throw new Error(`${OWNER}: URL ${JSON.stringify(redactNatsUrl(url))} ${problem}`);
  const deadLetterSuffix = options.deadLetterSuffix ?? DEFAULT_DEAD_LETTER_SUFFIX;
  if (deadLetterSuffix === "") throw new Error(`${OWNER}: deadLetterSuffix must not be empty: the dead letters would go back to the topic`);
  const retryDelayMs = wholeNumber(OWNER, "retryDelayMs", options.retryDelayMs, DEFAULT_RETRY_DELAY_MS);
  return {
    url,
    maxMessages: wholeNumber(OWNER, "maxMessages", options.maxMessages, DEFAULT_MAX_MESSAGES),
    ackWaitMs: wholeNumber(OWNER, "ackWaitMs", options.ackWaitMs, DEFAULT_ACK_WAIT_MS),
    retryDelayMs,
    retryDelayMaxMs: wholeNumber(OWNER, "retryDelayMaxMs", options.retryDelayMaxMs, Math.max(retryDelayMs, DEFAULT_RETRY_DELAY_MAX_MS), retryDelayMs),
    maxDeliveries: wholeNumber(OWNER, "maxDeliveries", options.maxDeliveries, DEFAULT_MAX_DELIVERIES),
    concurrency: wholeNumber(OWNER, "concurrency", options.concurrency, DEFAULT_CONCURRENCY),
    deadLetterSuffix,
    deadLetterMaxMessages: wholeNumber(OWNER, "deadLetterMaxMessages", options.deadLetterMaxMessages, DEFAULT_DEAD_LETTER_MAX_MESSAGES),
    fanoutInactiveMs: wholeNumber(OWNER, "fanoutInactiveMs", options.fanoutInactiveMs, DEFAULT_FANOUT_INACTIVE_MS),
    drainTimeoutMs: wholeNumber(OWNER, "drainTimeoutMs", options.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, 0),
  };
}

/** `KLED_NATS_URL` of `env`, else {@link DEFAULT_NATS_URL}. */
export function natsUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env[NATS_URL_ENV]?.trim();
  return url === undefined || url === "" ? DEFAULT_NATS_URL : url;
}

/**
 * Why `url` is no NATS server list (`nats://host:port`, comma-separated for
 * several), or undefined when it is one. Checked before connecting: the
 * client would otherwise retry a typo forever.
 */
export function natsUrlProblem(url: string): string | undefined {
  for (const server of url.split(",")) {
    let parsed: URL;
    try {
      parsed = new URL(server.trim());
    } catch {
      return "is not a NATS URL; use nats://host:port (several separated by commas)";
    }
    if (parsed.protocol !== "nats:") return "is not a NATS URL; use nats://host:port (several separated by commas)";
    if (parsed.hostname === "") return "names no host; use nats://host:port";
    if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search !== "" || parsed.hash !== "") {
      return "has a path, query or fragment, which NATS does not use; use nats://host:port";
    }
  }
  return undefined;
}

/** The URL without its passwords, for logs and error messages. */
export function redactNatsUrl(url: string): string {
  return url.replace(/(nats:\/\/[^:@/,]*:)[^@/,]*@/g, "$1***@");
}
