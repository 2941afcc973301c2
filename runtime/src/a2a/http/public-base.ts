import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** A Host header value that is a host and optional port, nothing else (no path, no user info). */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * The origin a client used to reach this server: the scheme of the socket
 * and the Host header when it is a plain host[:port], else the socket's own
 * address. X-Forwarded-* headers are not read: anyone can send them; behind
 * a proxy, configure the public URL instead.
 */
export function publicBaseOf(request: IncomingMessage): string {
  const scheme = (request.socket as Partial<TLSSocket>).encrypted === true ? "https" : "http";
  const host = request.headers.host;
  if (host !== undefined && HOST.test(host)) return `${scheme}://${host}`;
  const address = request.socket.localAddress ?? "127.0.0.1";
  const hostPart = address.includes(":") ? `[${address}]` : address;
  return `${scheme}://${hostPart}:${request.socket.localPort ?? 80}`;
}
