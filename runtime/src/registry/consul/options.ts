import { resolveTtl } from "../record.js";
import { parseHostPort } from "../host-port.js";

/** Options of {@link ConsulRegistry}; every one has a default that works with a local agent. */
export interface ConsulRegistryOptions {
  /** The agent's HTTP API, `host:port` (IPv6 in brackets). Default {@link DEFAULT_CONSUL_ADDRESS}. */
  address?: string;
  /** ACL token sent as `X-Consul-Token`. Default: none (Consul's anonymous token). */
  token?: string;
  /** Datacenter to look services up in. Default: the agent's own. */
  datacenter?: string;
  /** Registration TTL in milliseconds when `register()` is given none. Default: the registry default (90 s). */
  ttlMs?: number;
  /**
   * How long a node's check may stay critical before Consul removes the node
   * from its catalog, in milliseconds. Default
   * {@link DEFAULT_CONSUL_DEREGISTER_CRITICAL_AFTER_MS}.
   */
  deregisterCriticalAfterMs?: number;
  /** Timeout of one request that does not block, in milliseconds. Default {@link DEFAULT_CONSUL_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** How long one blocking query of a watcher waits for a change, in milliseconds. Default {@link DEFAULT_CONSUL_WATCH_WAIT_MS}. */
  watchWaitMs?: number;
  /** First delay before a failed watch query is retried, in milliseconds; doubles on each failure. Default {@link DEFAULT_CONSUL_RETRY_MS}. */
  retryMs?: number;
  /** Longest delay between two retries of a failing watch query, in milliseconds. Default {@link DEFAULT_CONSUL_RETRY_MAX_MS}. */
  retryMaxMs?: number;
}

/** Where a Consul agent listens by default (its `-http-port`, on loopback). */
export const DEFAULT_CONSUL_ADDRESS = "127.0.0.1:8500";

const DEFAULT_CONSUL_PORT = 8500;

/**
 * One minute: Consul's minimum (the agent raises smaller values to it). A node
 * whose check is critical is already out of every lookup; this only bounds how
 * long a dead node clutters the catalog and the Consul UI.
 */
export const DEFAULT_CONSUL_DEREGISTER_CRITICAL_AFTER_MS = 60_000;

/** Ten seconds: an agent answers in milliseconds; longer means it is down or unreachable. */
export const DEFAULT_CONSUL_REQUEST_TIMEOUT_MS = 10_000;

/** Five minutes: Consul's own default `wait` for blocking queries (its maximum is ten). */
export const DEFAULT_CONSUL_WATCH_WAIT_MS = 300_000;

/** Half a second, doubling per failure: a restarting agent is back within seconds. */
export const DEFAULT_CONSUL_RETRY_MS = 500;

/** Thirty seconds: a long outage costs one request per half minute per watched service. */
export const DEFAULT_CONSUL_RETRY_MAX_MS = 30_000;

/** Environment variable with the ACL token, used when the spec has no `?token=`. */
export const CONSUL_TOKEN_ENV = "KLED_CONSUL_TOKEN";

/** The options with every default filled in. */
export interface ResolvedConsulOptions {
  host: string;
  port: number;
  token: string | undefined;
  datacenter: string | undefined;
  ttlMs: number;
  deregisterCriticalAfterMs: number;
  requestTimeoutMs: number;
  watchWaitMs: number;
  retryMs: number;
  retryMaxMs: number;
}

/** Fills in defaults and rejects values that cannot work, naming them. */
export function resolveConsulOptions(options: ConsulRegistryOptions): ResolvedConsulOptions {
  const address = options.address ?? DEFAULT_CONSUL_ADDRESS;
  const parsed = parseHostPort(address);
  if (parsed === undefined) {
    throw new Error(
      `registry "consul": address "${address}" is invalid; use host:port (IPv6 in brackets), e.g. "${DEFAULT_CONSUL_ADDRESS}"`,
    );
  }
  const { host, port } = parsed;
  const resolved: ResolvedConsulOptions = {
    host,
    port,
    token: options.token === "" ? undefined : options.token,
    datacenter: options.datacenter === "" ? undefined : options.datacenter,
    ttlMs: resolveTtl("consul", options.ttlMs),
    deregisterCriticalAfterMs: options.deregisterCriticalAfterMs ?? DEFAULT_CONSUL_DEREGISTER_CRITICAL_AFTER_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_CONSUL_REQUEST_TIMEOUT_MS,
    watchWaitMs: options.watchWaitMs ?? DEFAULT_CONSUL_WATCH_WAIT_MS,
    retryMs: options.retryMs ?? DEFAULT_CONSUL_RETRY_MS,
    retryMaxMs: options.retryMaxMs ?? DEFAULT_CONSUL_RETRY_MAX_MS,
  };
  for (const name of ["deregisterCriticalAfterMs", "requestTimeoutMs", "watchWaitMs", "retryMs", "retryMaxMs"] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`registry "consul": ${name} ${value} is invalid; use a number of milliseconds > 0`);
    }
  }
  return resolved;
}

/**
 * Options from a registry spec `consul://host[:port][?token=…&dc=…]`; the
 * token defaults to the {@link CONSUL_TOKEN_ENV} environment variable.
 */
export function parseConsulSpec(spec: string, env: NodeJS.ProcessEnv = process.env): ConsulRegistryOptions {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new Error(`registry "${spec}": not a valid URL; use consul://host:port, e.g. consul://${DEFAULT_CONSUL_ADDRESS}`);
  }
  if (url.protocol !== "consul:" || url.hostname === "" || (url.pathname !== "" && url.pathname !== "/")) {
    throw new Error(`registry "${spec}": expected consul://host:port, e.g. consul://${DEFAULT_CONSUL_ADDRESS}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new Error(`registry "${spec}": credentials in the URL are not supported; pass the ACL token as ?token= or ${CONSUL_TOKEN_ENV}`);
  }
  const options: ConsulRegistryOptions = { address: `${url.hostname}:${url.port === "" ? DEFAULT_CONSUL_PORT : url.port}` };
  const envToken = env[CONSUL_TOKEN_ENV]?.trim();
  if (envToken) options.token = envToken;
  for (const [key, value] of url.searchParams) {
    switch (key) {
      case "token":
        options.token = value;
        break;
      case "dc":
        options.datacenter = value;
        break;
      default:
        throw new Error(`registry "${spec}": unknown option "${key}"; the consul registry takes ?token= and ?dc=`);
    }
  }
  return options;
}
