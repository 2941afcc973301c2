import { createServer, type Server } from "node:net";

/**
 * `count` distinct TCP ports free on 127.0.0.1 right now, for servers a test
 * (or bench) starts itself. All are held open together before any is closed,
 * so the kernel cannot hand out the same port twice. Another process may take
 * one before the caller binds it; on a test machine that race is rare enough.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenEphemeral()));
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error(`no TCP address for an ephemeral listener (${String(address)})`);
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/**
 * One TCP port free on 127.0.0.1 right now. The Prometheus exporter, for one,
 * reads a port of 0 as its default 9464, so tests that want an ephemeral one
 * ask the kernel first.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

function listenEphemeral(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
