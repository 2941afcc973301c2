import { resolveTtl } from "../record.js";
import { DEFAULT_REGISTER_TTL_MS } from "../registry.js";

/** Options of {@link MdnsRegistry}; every one has a default that works on one host or LAN. */
export interface MdnsRegistryOptions {
  /** Address the UDP socket binds to. Default {@link DEFAULT_MDNS_BIND}. */
  bind?: string;
  /** UDP port. Default {@link DEFAULT_MDNS_PORT}; other peers must use the same. */
  port?: number;
  /** DNS domain of the records. Default {@link DEFAULT_MDNS_DOMAIN}. */
  domain?: string;
  /**
   * DNS-SD service type every node is an instance of, `_name._tcp`. Default
   * {@link DEFAULT_MDNS_SERVICE_TYPE}. Registries only see peers of the same
   * type, which is how tests running in parallel keep apart.
   */
  serviceType?: string;
  /**
   * How long a lookup collects answers, in milliseconds. Default
   * {@link DEFAULT_MDNS_QUERY_TIMEOUT_MS}.
   */
  queryTimeoutMs?: number;
  /**
   * Registration TTL in milliseconds when `register()` is given none.
   * Default {@link DEFAULT_REGISTER_TTL_MS}.
   */
  ttlMs?: number;
  /**
   * IPv4 address of the network interface to join the multicast group on and
   * send from. Default: every IPv4 interface (multicast-dns's behaviour).
   */
  interface?: string;
}

/**
 * Bind to every address: on Linux a socket bound to a unicast address does not
 * receive multicast, and binding 224.0.0.251 itself fails on some hosts.
 */
export const DEFAULT_MDNS_BIND = "0.0.0.0";

/** The mDNS port (RFC 6762); shared with other mDNS responders through SO_REUSEADDR. */
export const DEFAULT_MDNS_PORT = 5353;

/** The mDNS link-local domain (RFC 6762). */
export const DEFAULT_MDNS_DOMAIN = "local";

/** The DNS-SD type of Kled nodes; `avahi-browse _kled._tcp` lists them. */
export const DEFAULT_MDNS_SERVICE_TYPE = "_kled._tcp";

/**
 * How long a lookup waits for answers, in milliseconds. Responders answer at
 * once (each node's records are unique, so RFC 6762's random 20–120 ms delay
 * for shared records does not apply): on one host answers arrive within a few
 * milliseconds, on a LAN within tens. 200 ms leaves room for a busy event loop
 * while keeping a cold client call fast.
 */
export const DEFAULT_MDNS_QUERY_TIMEOUT_MS = 200;

/** The options with every default filled in. */
export interface ResolvedMdnsOptions {
  bind: string;
  port: number;
  domain: string;
  serviceType: string;
  queryTimeoutMs: number;
  ttlMs: number;
  interface: string | undefined;
}

/** A DNS label: letters, digits, hyphens; at most 63 bytes (RFC 1035). */
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const SERVICE_TYPE = new RegExp(`^_${LABEL}\\._(?:tcp|udp)$`);
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** Fills in defaults and rejects values that cannot work, naming them. */
export function resolveMdnsOptions(options: MdnsRegistryOptions): ResolvedMdnsOptions {
  const resolved: ResolvedMdnsOptions = {
    bind: options.bind ?? DEFAULT_MDNS_BIND,
    port: options.port ?? DEFAULT_MDNS_PORT,
    domain: (options.domain ?? DEFAULT_MDNS_DOMAIN).toLowerCase(),
    serviceType: (options.serviceType ?? DEFAULT_MDNS_SERVICE_TYPE).toLowerCase(),
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_MDNS_QUERY_TIMEOUT_MS,
    ttlMs: resolveTtl("mdns", options.ttlMs),
    interface: options.interface,
  };
  if (!SERVICE_TYPE.test(resolved.serviceType)) {
    throw new Error(
      `registry "mdns": serviceType "${resolved.serviceType}" is invalid; use "_name._tcp" with a DNS label as name, e.g. "${DEFAULT_MDNS_SERVICE_TYPE}"`,
    );
  }
  if (!DOMAIN.test(resolved.domain)) {
    throw new Error(`registry "mdns": domain "${resolved.domain}" is invalid; use DNS labels, e.g. "local"`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 1 || resolved.port > 65_535) {
    throw new Error(`registry "mdns": port ${resolved.port} is invalid; use 1–65535 (mDNS is 5353)`);
  }
  if (!Number.isFinite(resolved.queryTimeoutMs) || resolved.queryTimeoutMs < 0) {
    throw new Error(
      `registry "mdns": queryTimeoutMs ${resolved.queryTimeoutMs} is invalid; use a number of milliseconds ≥ 0`,
    );
  }
  return resolved;
}
