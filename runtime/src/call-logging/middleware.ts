/**
 * Call logging for server and client: one line per call with the method,
 * the status code and the duration. Streams are logged when they end.
 * OK and client-side failures log at `info`/`warn`; failures that point at
 * a server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED) at `error`.
 *
 * A middleware of both sides, so it sits above the server and the client,
 * while the logger itself (logging/) sits below everything.
 */
import type { Message } from "@bufbuild/protobuf";
import type { ClientMiddleware, ClientRequest, ClientResponse } from "../client/middleware.js";
import { newRequestId, REQUEST_ID_KEY } from "../context/propagation.js";
import { Code, codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { CallContext, stopReasonOf } from "../server/call-context.js";
import type { ServerMiddleware, ServerResponse } from "../server/middleware.js";
import { ResponseStream } from "../server/response-stream.js";
import { isLevelEnabled, type LogLevel, type Logger } from "../logging/logger.js";

/** Logs every served call with the call's own logger (method and request id included). */
export function serverLogging(): ServerMiddleware {
  return (next) => (request) => {
    const started = performance.now();
    const { context } = request;
    // A call that ended early reports why (deadline, cancel, shutdown), also
    // when its handler went on to answer OK: the client never saw that answer.
    const log = (error: unknown) => {
      const failure = failureOf(stopReasonOf(context) ?? error);
      // Asked before touching context.logger: the call's child logger (and
      // its request id) is made only for a call that writes a line.
      const level = levelOf(failure);
      if (context instanceof CallContext ? !context.logs(level) : !isLevelEnabled(context.logger, level)) return;
      write(context.logger, level, "call served", started, failure, { peer: context.peer });
    };
    return observe(next, request, log);
  };
}

/**
 * Logs every call made, with `logger`. When calls are logged at `info`, a
 * call made outside any handler gets a request id here, so that its line and
 * the server's share it; otherwise it goes without, and the server makes one
 * (see client/call-setup.ts for why ids are not sent by default).
 */
export function clientLogging(logger: Logger): ClientMiddleware {
  return (next) => (request: ClientRequest) => {
    const started = performance.now();
    if (!request.metadata.has(REQUEST_ID_KEY) && isLevelEnabled(logger, "info")) {
      request.metadata.set(REQUEST_ID_KEY, newRequestId());
    }
    const log = (error: unknown) => {
      const failure = failureOf(error);
      const level = levelOf(failure);
      if (!isLevelEnabled(logger, level)) return;
      write(logger, level, "call made", started, failure, {
        method: request.method.path,
        service: request.serviceName,
        requestId: request.metadata.get(REQUEST_ID_KEY),
      });
    };
    return observe(next, request, log);
  };
}

/**
 * `next(request)`, calling `done` once when the call is over: at once for
 * unary responses, at the end of iteration for streams. A `next` that
 * throws rejects, unlogged, as an async middleware would.
 */
export function observe<Q, R extends ServerResponse | ClientResponse>(
  next: (request: Q) => Promise<R>,
  request: Q,
  done: (error: unknown) => void,
): Promise<R> {
  let response: Promise<R>;
  try {
    response = next(request);
  } catch (error) {
    return Promise.reject(error);
  }
  return response.then(
    (result) => {
      if (!result.stream) {
        done(undefined);
        return result;
      }
      // A handler's stream takes the callback itself: no layer per message.
      const messages = result.messages instanceof ResponseStream ? result.messages.withEnd(done) : watchEnd(result.messages, done);
      return { ...result, messages };
    },
    (error: unknown) => {
      done(error);
      throw error;
    },
  );
}

/**
 * `messages`, calling `done` once when their iteration ends: with undefined
 * when they ran out, with the error when they failed, with CANCELED when the
 * consumer stopped early. An iterator object rather than an async generator:
 * it costs a streamed message one callback instead of a generator step.
 */
function watchEnd(messages: AsyncIterable<Message>, done: (error: unknown) => void): AsyncIterable<Message> {
  let inner: AsyncIterator<Message> | undefined;
  let finished = false;
  const finish = (outcome: unknown) => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  const ended: IteratorResult<Message> = { done: true, value: undefined };
  const iterator: AsyncIterableIterator<Message> = {
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (finished) return Promise.resolve(ended);
      inner ??= messages[Symbol.asyncIterator]();
      return inner.next().then(
        (result) => {
          if (result.done === true) {
            finish(undefined);
            return ended;
          }
          return result;
        },
        (error: unknown) => {
          finish(error);
          throw error;
        },
      );
    },
    async return() {
      // Like a generator not started yet: nothing to end, nothing to report.
      if (finished || inner === undefined) {
        finished = true;
        return ended;
      }
      try {
        await inner.return?.();
      } finally {
        finish(new KledError(Code.Canceled, "the consumer stopped reading the stream early"));
      }
      return ended;
    },
  };
  return iterator;
}

const SERVER_FAULTS: ReadonlySet<number> = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unimplemented]);

/** How a call ended: undefined when OK, else its error as a KledError (made once per line). */
function failureOf(error: unknown): KledError | undefined {
  return error === undefined ? undefined : KledError.from(error);
}

/** The level of a call's line: info when OK, error for a server fault, else warn. */
function levelOf(failure: KledError | undefined): LogLevel {
  if (failure === undefined) return "info";
  return SERVER_FAULTS.has(failure.code) ? "error" : "warn";
}

function write(logger: Logger, level: LogLevel, message: string, started: number, failure: KledError | undefined, fields: Record<string, unknown>): void {
  const code = failure === undefined ? Code.Ok : failure.code;
  const record: Record<string, unknown> = {
    ...fields,
    code: codeName(code),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
  if (failure !== undefined) record["error"] = failure.rawMessage;
  logger[level](message, record);
}
