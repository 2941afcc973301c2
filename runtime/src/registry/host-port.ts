/**
 * `"host:port"` addresses, as nodes are registered and agents are named
 * (IPv6 hosts in brackets). The one parser of them in the runtime.
 */

/** Host (without brackets) and port of `address`, or undefined when it is not host:port with a port in 1–65535. */
export function parseHostPort(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(address);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host, port };
}

/** The inverse of {@link parseHostPort}. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
