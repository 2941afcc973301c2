import { createServer } from "node:net";

/**
 * A TCP port free on loopback right now. The Prometheus exporter reads a
 * port of 0 as its default 9464, so tests that want an ephemeral one ask
 * the kernel first.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
