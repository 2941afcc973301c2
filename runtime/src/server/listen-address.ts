import type { ListenOptions } from "node:net";

/**
 * Host and port to bind for `address`: `host:port` or `[v6]:port`, port 0
 * for any free one. Throws naming the value when it is neither.
 */
export function listenOptions(address: string): ListenOptions & { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(address);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65_535) {
    throw new Error(`listen ${JSON.stringify(address)}: expected "host:port" or "[v6]:port", e.g. "127.0.0.1:50051" (port 0 for any free one)`);
  }
  return { host, port };
}
