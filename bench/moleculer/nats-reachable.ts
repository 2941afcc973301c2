import { connect } from "node:net";

/** How long to wait for a TCP connection to NATS before skipping the suite, ms. */
const CONNECT_TIMEOUT_MS = 1_000;

/** Undefined when `url`'s host accepts TCP connections; otherwise why not. */
export function unreachable(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) || 4222, timeout: CONNECT_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(`no answer from ${url} within ${CONNECT_TIMEOUT_MS} ms`);
    });
    socket.once("error", (error) => resolve(`cannot connect to ${url} (${error.message}); is nats-server running?`));
  });
}
