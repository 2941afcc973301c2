import { setTimeout as sleep } from "node:timers/promises";
import { KledError, type Code, type HandlerContext } from "@kled/runtime";
import type { EchoServiceHandler } from "../../gen/kled/test/v1/echo_kled.js";
import type { ChatRequest, CountRequest, EchoRequest, SumRequest } from "../../gen/kled/test/v1/echo_pb.js";

/** One call the handler served. */
export interface ObservedCall {
  /** The echo text, `count:<n>`, `sum` or `chat`. */
  label: string;
  context: HandlerContext;
  /** What reading the request stream threw, for streaming requests. */
  requestError?: unknown;
}

/** The echo service as tests drive it: delays, failures and metadata on request. */
export class EchoHandler implements EchoServiceHandler {
  readonly calls: ObservedCall[] = [];
  /** Runs inside `echo` before answering, e.g. to make a nested call. */
  onEcho: ((request: EchoRequest, context: HandlerContext) => Promise<Record<string, string>>) | undefined;

  async echo(request: EchoRequest, context: HandlerContext) {
    this.#watch(request.text, context);
    if (request.delayMs > 0) await sleep(request.delayMs, undefined, { signal: context.signal });
    if (request.failCode !== 0) {
      if (request.text === "plain") throw new Error("database password is hunter2");
      throw new KledError(request.failCode as Code, `failed as asked: ${request.text}`, { "x-fail-detail": "asked" });
    }
    context.setHeader("x-echo-header", "from-handler");
    context.setTrailer("x-echo-trailer", "done");
    const extra = this.onEcho === undefined ? {} : await this.onEcho(request, context);
    return { text: request.text, metadata: { ...context.metadata.toRecord(), ...extra } };
  }

  async *count(request: CountRequest, context: HandlerContext) {
    this.#watch(`count:${request.n}`, context);
    for (let value = 1; value <= request.n; value++) {
      if (request.delayMs > 0) await sleep(request.delayMs, undefined, { signal: context.signal });
      yield { value };
    }
  }

  async sum(requests: AsyncIterable<SumRequest>, context: HandlerContext) {
    const call = this.#watch("sum", context);
    let total = 0n;
    let count = 0;
    try {
      for await (const request of requests) {
        total += request.value;
        count++;
      }
    } catch (error) {
      call.requestError = error;
      throw error;
    }
    return { total, count };
  }

  async *chat(requests: AsyncIterable<ChatRequest>, context: HandlerContext) {
    this.#watch("chat", context);
    let linger = false;
    for await (const request of requests) {
      linger ||= request.text === "linger";
      yield { text: `echo: ${request.text}` };
    }
    // "linger" keeps the call going after the requests end, until it is aborted.
    while (linger) {
      await sleep(5, undefined, { signal: context.signal });
      yield { text: "tick" };
    }
  }

  /** The last call with `label`; throws when there is none. */
  call(label: string): ObservedCall {
    const call = this.calls.findLast((c) => c.label === label);
    if (call === undefined) throw new Error(`no call labelled ${label}`);
    return call;
  }

  #watch(label: string, context: HandlerContext): ObservedCall {
    const call = { label, context };
    this.calls.push(call);
    return call;
  }
}
