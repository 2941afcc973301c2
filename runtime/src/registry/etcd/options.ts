import { parseHostPort } from "../host-port.js";
import { resolveTtl } from "../record.js";

/** TLS towards etcd: PEM contents, or paths to PEM files (read when the registry is created). */
export interface EtcdTlsOptions {
  /** CA bundle that signed the members' certificates. Default: the system's roots. */
  ca?: string | Buffer;
  caFile?: string;
  /** Client certificate and key, for members that require them (`--client-cert-auth`). */
  cert?: string | Buffer;
  certFile?: string;
  key?: string | Buffer;
  keyFile?: string;
}

/** Options of {@link EtcdRegistry}; every one has a default that works with a local member. */
export interface EtcdRegistryOptions {
  /** Members' client endpoints, `host:port` (IPv6 in brackets). Default `[`{@link DEFAULT_ETCD_ENDPOINT}`]`. */
  endpoints?: string[];
  /** etcd user (etcd's own authentication, `etcdctl auth enable`). Default: none. */
  username?: string;
  password?: string;
  /** TLS: `true` for the system's roots, or CA and client certificate. Default: plaintext. */
  tls?: boolean | EtcdTlsOptions;
  /** Key prefix under which every service is stored; must start and end with "/". Default {@link DEFAULT_ETCD_PREFIX}. */
  prefix?: string;
  /** Registration TTL in milliseconds when `register()` is given none. Default: the registry default (90 s). */
  ttlMs?: number;
  /** Deadline of one request (get, put, lease grant, revoke), in milliseconds. Default {@link DEFAULT_ETCD_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** First delay before a failed watch is restarted, in milliseconds; doubles on each failure. Default {@link DEFAULT_ETCD_RETRY_MS}. */
  retryMs?: number;
  /** Longest delay between two restarts of a failing watch, in milliseconds. Default {@link DEFAULT_ETCD_RETRY_MAX_MS}. */
  retryMaxMs?: number;
}

/** etcd's own default client port, on loopback. */
export const DEFAULT_ETCD_ENDPOINT = "127.0.0.1:2379";

const DEFAULT_ETCD_PORT = 2379;

/**
 * Where records live: `/kled/registry/<service>/<version>/<node id>` (see
 * keys.ts). A leading slash and a project name, as go-micro's
 * `/micro/registry/`, so that Kled shares a cluster with other users.
 */
export const DEFAULT_ETCD_PREFIX = "/kled/registry/";

/** Ten seconds: a member answers in milliseconds; longer means no quorum or no route. */
export const DEFAULT_ETCD_REQUEST_TIMEOUT_MS = 10_000;

/** A fifth of a second, doubling per failure: another member takes over a watch at once, an election takes about a second. */
export const DEFAULT_ETCD_RETRY_MS = 200;

/** Ten seconds: during a long outage a watcher costs one attempt per ten seconds. */
export const DEFAULT_ETCD_RETRY_MAX_MS = 10_000;

/** Environment variables with the credentials, used when the spec carries none. */
export const ETCD_USERNAME_ENV = "KLED_ETCD_USERNAME";
export const ETCD_PASSWORD_ENV = "KLED_ETCD_PASSWORD";

/** The options with every default filled in. */
export interface ResolvedEtcdOptions {
  endpoints: string[];
  auth: { username: string; password: string } | undefined;
  tls: EtcdTlsOptions | undefined;
  prefix: string;
  ttlMs: number;
  requestTimeoutMs: number;
  retryMs: number;
  retryMaxMs: number;
}

/** Fills in defaults and rejects values that cannot work, naming them. */
export function resolveEtcdOptions(options: EtcdRegistryOptions): ResolvedEtcdOptions {
  const endpoints = options.endpoints ?? [DEFAULT_ETCD_ENDPOINT];
  if (endpoints.length === 0) {
    throw new Error(`registry "etcd": endpoints is empty; give at least one member, e.g. ["${DEFAULT_ETCD_ENDPOINT}"]`);
  }
  for (const endpoint of endpoints) {
    if (parseHostPort(endpoint) === undefined) {
      throw new Error(
        `registry "etcd": endpoint "${endpoint}" is invalid; use host:port (IPv6 in brackets), e.g. "${DEFAULT_ETCD_ENDPOINT}"`,
      );
    }
  }
  const prefix = options.prefix ?? DEFAULT_ETCD_PREFIX;
  if (!prefix.startsWith("/") || !prefix.endsWith("/") || prefix.length < 2) {
    throw new Error(`registry "etcd": prefix "${prefix}" is invalid; use a key prefix that starts and ends with "/", e.g. "${DEFAULT_ETCD_PREFIX}"`);
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new Error(`registry "etcd": give both username and password, or neither`);
  }
  const resolved: ResolvedEtcdOptions = {
    endpoints,
    auth:
      options.username === undefined || options.password === undefined
        ? undefined
        : { username: options.username, password: options.password },
    tls: options.tls === true ? {} : options.tls === false || options.tls === undefined ? undefined : options.tls,
    prefix,
    ttlMs: resolveTtl("etcd", options.ttlMs),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_ETCD_REQUEST_TIMEOUT_MS,
    retryMs: options.retryMs ?? DEFAULT_ETCD_RETRY_MS,
    retryMaxMs: options.retryMaxMs ?? DEFAULT_ETCD_RETRY_MAX_MS,
  };
  for (const name of ["requestTimeoutMs", "retryMs", "retryMaxMs"] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`registry "etcd": ${name} ${value} is invalid; use a number of milliseconds > 0`);
    }
  }
  const tls = resolved.tls;
  if (tls && (tls.cert !== undefined || tls.certFile !== undefined) !== (tls.key !== undefined || tls.keyFile !== undefined)) {
    throw new Error(`registry "etcd": a client certificate needs its key and a key its certificate; give both or neither`);
  }
  return resolved;
}

/**
 * Options from a registry spec
 * `etcd://[user:password@]host[:port][,host[:port]…][?tls=1&ca=…&cert=…&key=…&prefix=…]`:
 * several members separated by commas (default port 2379); credentials
 * from the URL, else the {@link ETCD_USERNAME_ENV} and
 * {@link ETCD_PASSWORD_ENV} environment variables; `tls=1` for TLS with
 * the system's roots, `ca=`, `cert=`, `key=` paths of PEM files (any of
 * them implies TLS); `prefix=` the key prefix. Checked now, files read later.
 */
export function parseEtcdSpec(spec: string, env: NodeJS.ProcessEnv = process.env): EtcdRegistryOptions {
  const example = `etcd://${DEFAULT_ETCD_ENDPOINT}`;
  // Not WHATWG URL: it rejects the comma-separated host list.
  const match = /^etcd:\/\/(?:([^@/?#]*)@)?([^/?#]+)\/?(?:\?([^#]*))?$/.exec(spec);
  if (!match) {
    throw new Error(`registry "${spec}": expected etcd://host:port[,host:port…], e.g. ${example}`);
  }
  const [, userinfo, hostList = "", query = ""] = match;
  const endpoints = hostList.split(",").map((host) => {
    const withPort = /^(\[[^\]]+\]|[^:[\]]+)$/.test(host) ? `${host}:${DEFAULT_ETCD_PORT}` : host;
    if (parseHostPort(withPort) === undefined) {
      throw new Error(`registry "${spec}": member "${host}" is not host:port; use etcd://host:port[,host:port…], e.g. ${example}`);
    }
    return withPort;
  });
  const options: EtcdRegistryOptions = { endpoints };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    if (colon < 0) {
      throw new Error(`registry "${spec}": credentials need a password too: etcd://user:password@host:port (or ${ETCD_USERNAME_ENV} and ${ETCD_PASSWORD_ENV})`);
    }
    options.username = decodeURIComponent(userinfo.slice(0, colon));
    options.password = decodeURIComponent(userinfo.slice(colon + 1));
  } else {
    const username = env[ETCD_USERNAME_ENV]?.trim();
    const password = env[ETCD_PASSWORD_ENV];
    if (username) {
      if (password === undefined) throw new Error(`registry "${spec}": ${ETCD_USERNAME_ENV} is set but ${ETCD_PASSWORD_ENV} is not; set both`);
      options.username = username;
      options.password = password;
    }
  }
  const tls: EtcdTlsOptions = {};
  let useTls = false;
  for (const [key, value] of new URLSearchParams(query)) {
    switch (key) {
      case "tls":
        if (!["1", "true", "0", "false"].includes(value)) {
          throw new Error(`registry "${spec}": tls=${value} is invalid; use tls=1 or tls=0`);
        }
        useTls = value === "1" || value === "true";
        break;
      case "ca":
        tls.caFile = value;
        useTls = true;
        break;
      case "cert":
        tls.certFile = value;
        useTls = true;
        break;
      case "key":
        tls.keyFile = value;
        useTls = true;
        break;
      case "prefix":
        options.prefix = value;
        break;
      default:
        throw new Error(`registry "${spec}": unknown option "${key}"; the etcd registry takes ?tls=, ?ca=, ?cert=, ?key= and ?prefix=`);
    }
  }
  if (useTls) options.tls = tls;
  try {
    resolveEtcdOptions(options);
  } catch (error) {
    throw new Error(`registry "${spec}": ${(error as Error).message.replace(/^registry "etcd": /, "")}`, { cause: error });
  }
  return options;
}
