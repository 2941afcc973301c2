// Type-level tests: handlers implementing the generated EchoServiceHandler.
// Nothing here runs; tsc checks it, and each @ts-expect-error must hit an error.
import type { HandlerContext, Server } from "@kled/runtime";
import type { ChatRequest, CountRequest, EchoRequest, SumRequest } from "../../gen/kled/test/v1/echo_pb.js";
import { registerEchoServiceHandler, type EchoServiceHandler } from "../../gen/kled/test/v1/echo_kled.js";

/** A class implements the interface; streaming methods are async generators. */
export class EchoHandler implements EchoServiceHandler {
  echo(request: EchoRequest) {
    return { text: request.text };
  }

  async *count(request: CountRequest, context: HandlerContext) {
    for (let value = 1; value <= request.n && !context.signal.aborted; value++) {
      yield { value };
    }
  }

  async sum(requests: AsyncIterable<SumRequest>) {
    let total = 0n;
    let count = 0;
    for await (const request of requests) {
      total += request.value;
      count++;
    }
    return { total, count };
  }

  async *chat(requests: AsyncIterable<ChatRequest>) {
    for await (const request of requests) {
      yield { text: request.text };
    }
  }
}

/** A plain object works too, and unary handlers may answer asynchronously. */
export const literalHandler: EchoServiceHandler = {
  echo: async (request) => ({ text: request.text, metadata: { seen: "yes" } }),
  count: async function* (request) {
    yield { value: request.n };
  },
  sum: async () => ({}),
  chat: async function* () {},
};

export function register(server: Server): void {
  registerEchoServiceHandler(server, new EchoHandler());
  registerEchoServiceHandler(server, literalHandler, { middleware: [] });
}

export class WrongReturn implements EchoServiceHandler {
  // @ts-expect-error -- EchoResponse.text is a string
  echo() {
    return { text: 42 };
  }

  // @ts-expect-error -- server streaming must return a stream, not one message
  count() {
    return { value: 1 };
  }

  // @ts-expect-error -- client streaming takes a stream of requests, not one request
  async sum(request: SumRequest) {
    return { total: request.value };
  }

  // @ts-expect-error -- ChatResponse has no field "txt"
  async *chat() {
    yield { txt: "x" };
  }
}

// @ts-expect-error -- every RPC needs a method
export class MissingMethod implements EchoServiceHandler {
  echo() {
    return {};
  }
  async *count() {}
  async sum() {
    return {};
  }
}
