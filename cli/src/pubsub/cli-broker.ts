/**
 * The broker of `kled publish` and `kled subscribe`: one that other processes
 * share, named by `--broker`, else `KLED_BROKER`, else the Redis at
 * `KLED_REDIS_URL`. The in-memory broker is refused: its messages never leave
 * the process, so a CLI publishing or subscribing there would talk to itself.
 */
import type { Registry } from "@bufbuild/protobuf";
import { Option } from "commander";
import {
  BROKER_ENV,
  type BrokerSpec,
  brokerSpecFromEnv,
  consoleLogger,
  createCodecs,
  KledError,
  LOG_LEVEL_ENV,
  messageOf,
  redactUrl,
  REDIS_URL_ENV,
  resolveBrokerSpec,
} from "@kled/runtime";
import { RedisBroker, type RedisBrokerOptions } from "@kled/runtime/redis";
import { CliError, usageError } from "../cli-error.js";
import { probeRedis } from "./redis-probe.js";

/**
 * The CLI's broker when neither `--broker` nor `KLED_BROKER` names one:
 * unlike services (whose default is `memory`), the CLI is only useful on a
 * broker that other processes share.
 */
export const CLI_DEFAULT_BROKER = "redis";

/**
 * The broker's own log threshold unless `KLED_LOG_LEVEL` says otherwise:
 * warnings (Redis down, a handler failure) and errors (a dead letter) reach
 * stderr; informational records would only clutter the terminal.
 */
const CLI_BROKER_LOG_LEVEL = "warn";

/** `--broker <spec>`. */
export function brokerOption(): Option {
  return new Option(
    "--broker <spec>",
    `redis (the Redis at $${REDIS_URL_ENV}, else redis://127.0.0.1:6379) or redis://host:port[/db] (default: $${BROKER_ENV}, else redis)`,
  );
}

/**
 * The Redis URL of the broker `flag` (else `KLED_BROKER`, else
 * {@link CLI_DEFAULT_BROKER}) names, checked before anything connects: a
 * usage error for a bad spec, or for `memory`. `command` names the command.
 */
export function cliBrokerUrl(command: string, flag: string | undefined): string {
  const fromEnv = process.env[BROKER_ENV]?.trim();
  const unset = fromEnv === undefined || fromEnv === "";
  let spec: BrokerSpec;
  try {
    spec = flag !== undefined ? resolveBrokerSpec(flag) : unset ? resolveBrokerSpec(CLI_DEFAULT_BROKER) : brokerSpecFromEnv();
  } catch (error) {
    throw usageError(messageOf(error), { cause: error });
  }
  if (spec.kind === "memory") {
    const from = flag === undefined ? ` (from ${BROKER_ENV})` : "";
    throw usageError(
      `broker "memory"${from} cannot serve kled ${command}: it lives inside one process, so other processes never see its messages; use --broker redis or --broker redis://host:port`,
    );
  }
  return spec.url;
}

/**
 * How long the CLI waits for Redis to accept its first connection, in
 * milliseconds: Redis on this machine or the LAN answers in milliseconds,
 * and a wrong address should fail a script, not hang it for the broker's
 * patient reconnecting (half a minute before a command fails).
 */
export const CLI_CONNECT_TIMEOUT_MS = 3_000;

/**
 * Connects to the broker at `url` once, then opens it, its JSON codec
 * knowing `registry`'s types, logging to stderr. Fails at once when Redis
 * cannot be reached.
 */
export async function connectCliBroker(
  url: string,
  registry: Registry,
  options: Omit<RedisBrokerOptions, "url" | "logger" | "codecs"> = {},
): Promise<RedisBroker> {
  try {
    await probeRedis(url, CLI_CONNECT_TIMEOUT_MS);
  } catch (error) {
    throw new CliError(`cannot reach Redis at ${redactUrl(url)} (${messageOf(error)}); is it running there?`, undefined, { cause: error });
  }
  const logger = process.env[LOG_LEVEL_ENV] === undefined ? consoleLogger({ level: CLI_BROKER_LOG_LEVEL }) : consoleLogger();
  return new RedisBroker({ ...options, url, logger, codecs: createCodecs({ registry }) });
}

/** A broker's KledError as the CLI reports it: its message without the code, which means nothing to a shell user. */
export function brokerFailure(error: unknown): unknown {
  return error instanceof KledError ? new CliError(error.rawMessage, undefined, { cause: error }) : error;
}
