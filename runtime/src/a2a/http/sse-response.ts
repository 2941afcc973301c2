import type { ServerResponse } from "node:http";
import type { JsonValue } from "@bufbuild/protobuf";
import type { Logger } from "../../logging/logger.js";
import { A2A_ERRORS } from "./a2a-errors.js";
import { a2aError, BindingError, internalError } from "./binding-error.js";
import { SseStream } from "./sse-stream.js";

/** How a binding writes stream items and a failure as SSE events. */
export interface SseFormat {
  item(json: JsonValue): string;
  error(error: BindingError): { data: string; event?: string };
}

/**
 * Answers with an agent's stream as Server-Sent Events. The response is
 * committed to `text/event-stream` only once the first item has arrived: a
 * stream that fails at once (unknown task, bad parameters) gets the
 * binding's ordinary error response (`answerError`), which clients turn into
 * a typed error (TaskNotFoundError…) rather than an error inside a stream.
 * A later failure becomes the binding's error event and ends the stream.
 * Stopping early (the client went away) ends the gRPC call.
 */
export async function answerWithSse(
  response: ServerResponse,
  items: AsyncGenerator<JsonValue>,
  keepAliveMs: number,
  format: SseFormat,
  answerError: (error: BindingError) => void,
  logger: Logger,
): Promise<void> {
  let first: IteratorResult<JsonValue>;
  try {
    first = await items.next();
  } catch (error) {
    answerError(bindingError(error, logger));
    return;
  }
  if (first.done === true) {
    answerError(a2aError(A2A_ERRORS.InvalidAgentResponseError, "the agent's stream ended before its first event"));
    return;
  }
  const sse = new SseStream(response, keepAliveMs);
  try {
    await sse.send(format.item(first.value));
    for (let next = await items.next(); next.done !== true; next = await items.next()) {
      if (response.destroyed) break;
      await sse.send(format.item(next.value));
    }
  } catch (error) {
    if (!response.destroyed) {
      const event = format.error(bindingError(error, logger));
      await sse.send(event.data, event.event);
    }
  } finally {
    sse.end();
    await items.return(undefined);
  }
}

/** A BindingError as is; anything else is a gateway bug, logged, and answered without its message (which may hold anything). */
export function bindingError(error: unknown, logger: Logger): BindingError {
  if (error instanceof BindingError) return error;
  logger.error("a2a gateway: unexpected failure", { error });
  return internalError("internal error in the A2A gateway; its log has the details");
}
