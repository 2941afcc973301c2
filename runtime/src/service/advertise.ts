import { networkInterfaces } from "node:os";
import { parseHostPort } from "../registry/host-port.js";

/**
 * The address other processes should dial for a server bound to `bound`.
 * A wildcard bind (`0.0.0.0`, `::`) is not dialable, so it is replaced by the
 * first non-internal IPv4 address of this host, or loopback when there is none
 * (go-micro does the same with its "extract address" step).
 */
export function advertisedAddress(bound: string): string {
  const { host, port } = splitHostPort(bound);
  if (host !== "0.0.0.0" && host !== "::") return bound;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return `${address.address}:${port}`;
    }
  }
  return `127.0.0.1:${port}`;
}

/**
 * Host (without brackets) and port of `host:port` or `[v6]:port`; throws
 * naming the value when it is neither.
 */
export function splitHostPort(address: string): { host: string; port: number } {
  const parsed = parseHostPort(address);
  if (parsed === undefined) {
    throw new Error(`address ${JSON.stringify(address)}: expected "host:port", e.g. "127.0.0.1:50051"`);
  }
  return parsed;
}
