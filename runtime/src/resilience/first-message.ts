import type { Message } from "@bufbuild/protobuf";
import type { ClientResponse } from "../transport/call.js";

/**
 * Waits for the first message of a response stream (or its clean end), so
 * that an attempt whose stream fails before any message counts as a failed
 * attempt and may be retried; once a message has arrived the caller has seen
 * data from that node, and a later failure is the caller's to handle. A
 * unary response passes through. The caller awaits the first message anyway,
 * so waiting here delays nothing.
 */
export async function untilFirstMessage(response: ClientResponse): Promise<ClientResponse> {
  if (!response.stream) return response;
  const iterator = response.messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  return { stream: true, messages: resume(iterator, first) };
}

/**
 * The stream again, from `first`. A plain iterator rather than a generator:
 * `return()` must reach the call (and cancel it on the wire) even when
 * nobody started iterating, which a generator's `finally` would not.
 */
function resume(iterator: AsyncIterator<Message>, first: IteratorResult<Message>): AsyncIterable<Message> {
  let held: IteratorResult<Message> | undefined = first;
  const resumed: AsyncIterator<Message> = {
    next: async () => {
      const next = held ?? (await iterator.next());
      held = undefined;
      return next;
    },
    return: async () => {
      held = undefined;
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => resumed };
}
