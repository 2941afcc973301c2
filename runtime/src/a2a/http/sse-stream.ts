import type { ServerResponse } from "node:http";

/**
 * Milliseconds between SSE comments on an otherwise quiet stream: proxies
 * and load balancers commonly drop connections idle for 30-60 s, and a
 * task may work far longer than that between two updates.
 */
export const DEFAULT_SSE_KEEP_ALIVE_MS = 15_000;

/**
 * A Server-Sent Events response: one event per `send`, a comment every
 * `keepAliveMs` while nothing else is written, and waiting for the socket
 * to drain so that a slow reader slows the gRPC stream feeding it instead
 * of filling the gateway's memory.
 */
export class SseStream {
  readonly #response: ServerResponse;
  readonly #timer: NodeJS.Timeout;

  constructor(response: ServerResponse, keepAliveMs: number, headers: Record<string, string> = {}) {
    this.#response = response;
    response.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx buffers responses unless told not to; an event stream must flow.
      "x-accel-buffering": "no",
    });
    response.flushHeaders();
    this.#timer = setInterval(() => {
      if (!response.writableEnded) response.write(": keep-alive\n\n");
    }, keepAliveMs);
    // A forgotten stream must not keep the process alive on its own.
    this.#timer.unref();
  }

  /** Writes one event (`data` a single line of JSON) and resolves once the socket can take more. */
  async send(data: string, event?: string): Promise<void> {
    if (this.#response.writableEnded || this.#response.destroyed) return;
    const lines = data.split("\n").map((line) => `data: ${line}\n`).join("");
    const ok = this.#response.write(`${event === undefined ? "" : `event: ${event}\n`}${lines}\n`);
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#response.off("drain", done).off("close", done);
          resolve();
        };
        this.#response.on("drain", done).on("close", done);
      });
    }
  }

  end(): void {
    clearInterval(this.#timer);
    if (!this.#response.writableEnded) this.#response.end();
  }
}
