import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the test webhook received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * How the webhook answers one request: a status (with headers), or `hang`:
 * no answer until `releaseHanging` or the server closes.
 */
export type Answer = { status: number; headers?: Record<string, string> } | "hang";

/**
 * A webhook on 127.0.0.1 with an ephemeral port that records every request
 * and answers from a script: the queued answers first, then `fallback`
 * (200 unless changed).
 */
export interface TestWebhook {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Answers for the next requests, in order. */
  script(...answers: Answer[]): void;
  /** The answer once the script is used up. */
  fallback: Answer;
  /** Answers every hanging request with `status`. */
  releaseHanging(status?: number): void;
  close(): Promise<void>;
}

export async function startWebhook(path = "/hooks/a2a"): Promise<TestWebhook> {
  const requests: ReceivedRequest[] = [];
  const queue: Answer[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      });
      const answer = queue.shift() ?? webhook.fallback;
      if (answer === "hang") {
        hanging.push(response);
        return;
      }
      response.writeHead(answer.status, answer.headers).end(answer.status < 300 ? "" : `answer ${answer.status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const webhook: TestWebhook = {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    script: (...answers) => void queue.push(...answers),
    fallback: { status: 200 },
    releaseHanging: (status = 200) => {
      for (const response of hanging.splice(0)) response.writeHead(status).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return webhook;
}
