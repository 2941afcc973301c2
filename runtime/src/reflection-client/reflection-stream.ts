/**
 * One gRPC reflection stream (internal to reflection-client.ts): each `ask`
 * sends a request and reads its response, which the server sends in order.
 */
import type { Client, MethodCall } from "../client/client.js";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { ServerReflectionRequest, ServerReflectionResponse } from "../gen/grpc/reflection/v1/reflection_pb.js";

export class ReflectionStream {
  readonly #requests = new RequestQueue();
  readonly #responses: AsyncIterator<unknown>;

  constructor(client: Client, call: MethodCall, timeoutMs: number) {
    this.#responses = client.bidiStream(call, this.#requests, { timeoutMs })[Symbol.asyncIterator]();
  }

  async ask(request: ServerReflectionRequest["messageRequest"]): Promise<ServerReflectionResponse> {
    this.#requests.push({ messageRequest: request });
    const next = await this.#responses.next();
    if (next.done === true) throw new KledError(Code.Internal, "the server ended the reflection stream early");
    return next.value as ServerReflectionResponse;
  }

  close(): void {
    this.#requests.end();
    void this.#responses.return?.();
  }
}

type RequestInit = Pick<ServerReflectionRequest, "messageRequest">;

/** Requests as the stream wants them: an async iterable that yields what `push` adds until `end`. */
class RequestQueue implements AsyncIterable<RequestInit> {
  readonly #pending: RequestInit[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  push(request: RequestInit): void {
    this.#pending.push(request);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RequestInit> {
    for (;;) {
      const request = this.#pending.shift();
      if (request !== undefined) yield request;
      else if (this.#ended) return;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
