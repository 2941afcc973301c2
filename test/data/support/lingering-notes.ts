import { setTimeout as sleep } from "node:timers/promises";
import { type HandlerContext } from "@kled/runtime";
import { currentTransaction, dataOf } from "@kled/runtime/mikro-orm";
import type { EchoServiceHandler } from "../../gen/kled/test/v1/echo_kled.js";
import type { ChatRequest, CountRequest, EchoRequest, SumRequest } from "../../gen/kled/test/v1/echo_pb.js";
import { NoteSchema } from "./notes.js";

/** Rows each Echo call writes. */
export const NOTES_PER_ECHO = 3;

/** The request header naming the owner of a Count call's notes. */
export const OWNER_HEADER = "x-owner";

/** One handler start, as the handler saw it. */
export interface Start {
  readonly owner: string;
  readonly context: HandlerContext;
  /** The call was already aborted, or past its deadline, when the handler started. */
  readonly startedDead: boolean;
}

/**
 * The echo service of a handler that ignores cancellation, as real handlers
 * often do: it writes through the call's transaction, then keeps working
 * for `delayMs` without looking at its signal, and answers OK.
 * - Echo writes {@link NOTES_PER_ECHO} notes owned by `text`, then sleeps.
 * - Count writes a note and yields a number, `n` times, then writes a last
 *   note and sleeps before ending (so it ends, without another message,
 *   after the client stopped waiting); notes are owned by {@link OWNER_HEADER}.
 */
export class LingeringNotesHandler implements EchoServiceHandler {
  readonly starts: Start[] = [];

  async echo(request: EchoRequest, context: HandlerContext) {
    this.#start(request.text, context);
    const { em } = dataOf(context);
    for (let i = 0; i < NOTES_PER_ECHO; i++) em.create(NoteSchema, { owner: request.text, text: `echo ${i}` });
    await em.flush();
    if (request.delayMs > 0) await sleep(request.delayMs);
    return { text: request.text };
  }

  async *count(request: CountRequest, context: HandlerContext) {
    const owner = String(context.metadata.get(OWNER_HEADER) ?? "count");
    this.#start(owner, context);
    const em = () => {
      const scope = currentTransaction();
      if (scope === undefined) throw new Error("no current transaction while streaming");
      return scope.em;
    };
    for (let value = 1; value <= request.n; value++) {
      em().create(NoteSchema, { owner, text: String(value) });
      await em().flush();
      yield { value };
    }
    em().create(NoteSchema, { owner, text: "last" });
    await em().flush();
    if (request.delayMs > 0) await sleep(request.delayMs);
  }

  async sum(requests: AsyncIterable<SumRequest>) {
    let total = 0n;
    for await (const request of requests) total += request.value;
    return { total };
  }

  async *chat(requests: AsyncIterable<ChatRequest>) {
    for await (const request of requests) yield { text: request.text };
  }

  /** The handler's signal for the last call of `owner`. */
  signalOf(owner: string): AbortSignal {
    const start = this.starts.findLast((s) => s.owner === owner);
    if (start === undefined) throw new Error(`no handler started for ${owner}`);
    return start.context.signal;
  }

  #start(owner: string, context: HandlerContext): void {
    const deadline = context.deadline;
    const startedDead = context.signal.aborted || (deadline !== undefined && Date.now() >= deadline.getTime());
    this.starts.push({ owner, context, startedDead });
  }
}
