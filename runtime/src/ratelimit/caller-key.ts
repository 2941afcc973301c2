import type { HandlerContext } from "../context/handler-context.js";

/**
 * Whom a server-side rate limit counts a call against: the verified identity
 * (`id:<domain>/<subject>`) when an auth middleware set one, else the peer's
 * host without the port (`peer:127.0.0.1`): a client opens a new port per
 * connection, so the port would give each connection its own budget. Callers
 * behind one NAT or proxy share a budget unless they authenticate.
 */
export function callerKey(context: HandlerContext): string {
  const identity = context.identity;
  if (identity !== undefined) return `id:${identity.domain ?? ""}/${identity.subject}`;
  return `peer:${peerHost(context.peer)}`;
}

/** `127.0.0.1:53412` → `127.0.0.1`, `[::1]:53412` → `[::1]`; anything else as is. */
export function peerHost(peer: string): string {
  const match = /^(.*):\d+$/.exec(peer);
  const host = match?.[1];
  return host === undefined || host === "" || (host.includes(":") && !host.startsWith("[")) ? peer : host;
}
