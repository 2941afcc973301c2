import { messageOf } from "../../errors/message-of.js";
import type { Logger } from "../../logging/logger.js";
import { connect, type ConnectionOptions, type NatsConnection } from "../../peers/nats-transport.js";
import { redactNatsUrl } from "./options.js";

/** Pause between two reconnection attempts to a server, in milliseconds: a restarted NATS is found within half a second. */
const RECONNECT_WAIT_MS = 250;

/**
 * Connects to the servers of `url` (comma-separated `nats://` URLs; the
 * first one's `user:password@` authenticates), reconnecting forever once
 * connected, and logging an outage once (when it starts and when it ends).
 * `options` (TLS, credentials files…) apply over these.
 */
export async function connectNats(url: string, options: ConnectionOptions, logger: Logger, name: string): Promise<NatsConnection> {
  const servers = url.split(",").map((server) => new URL(server.trim()));
  const first = servers[0]!;
  const credentials =
    first.username === "" ? {} : { user: decodeURIComponent(first.username), pass: decodeURIComponent(first.password) };
  const nc = await connect({
    servers: servers.map((server) => server.host),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    ...credentials,
    ...options,
  });
  void logStatus(nc, url, logger);
  return nc;
}

async function logStatus(nc: NatsConnection, url: string, logger: Logger): Promise<void> {
  const fields = { url: redactNatsUrl(url) };
  let down = false;
  for await (const status of nc.status()) {
    if (status.type === "disconnect" && !down) {
      down = true;
      logger.warn("NATS connection lost; reconnecting", fields);
    } else if (status.type === "reconnect" && down) {
      down = false;
      logger.info("NATS connection restored", fields);
    } else if (status.type === "error") {
      logger.warn("NATS connection error", { ...fields, error: messageOf(status.error) });
    }
  }
}
