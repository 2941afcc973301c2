/**
 * Call logging for server and client: one line per call with the method,
 * the status code and the duration. Streams are logged when they end.
 * OK and client-side failures log at `info`/`warn`; failures that point at
 * a server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED) at `error`.
 */
import type { Message } from "@bufbuild/protobuf";
import type { ClientMiddleware, ClientRequest, ClientResponse } from "../client/middleware.js";
import { REQUEST_ID_KEY } from "../context/propagation.js";
import { Code, codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import type { ServerMiddleware, ServerResponse } from "../server/middleware.js";
import type { LogLevel, Logger } from "./logger.js";

/** Logs every served call with the call's own logger (method and request id included). */
export function serverLogging(): ServerMiddleware {
  return (next) => async (request) => {
    const started = performance.now();
    const { context } = request;
    // A call the transport aborted reports why (deadline, cancel, shutdown).
    const log = (error: unknown) =>
      write(context.logger, "call served", started, context.signal.aborted ? context.signal.reason : error, {
        peer: context.peer,
      });
    return observe(next(request), log);
  };
}

/** Logs every call made, with `logger`. */
export function clientLogging(logger: Logger): ClientMiddleware {
  return (next) => async (request: ClientRequest) => {
    const started = performance.now();
    const log = (error: unknown) =>
      write(logger, "call made", started, error, {
        method: request.method.path,
        service: request.serviceName,
        requestId: request.metadata.get(REQUEST_ID_KEY),
      });
    return observe(next(request), log);
  };
}

/** Calls `done` once when the call is over: at once for unary responses, at the end of iteration for streams. */
async function observe<R extends ServerResponse | ClientResponse>(response: Promise<R>, done: (error: unknown) => void): Promise<R> {
  let result: R;
  try {
    result = await response;
  } catch (error) {
    done(error);
    throw error;
  }
  if (!result.stream) {
    done(undefined);
    return result;
  }
  return { ...result, messages: watchEnd(result.messages, done) };
}

async function* watchEnd(messages: AsyncIterable<Message>, done: (error: unknown) => void): AsyncGenerator<Message> {
  let outcome: unknown = new KledError(Code.Canceled, "the consumer stopped reading the stream early");
  try {
    yield* messages;
    outcome = undefined;
  } catch (error) {
    outcome = error;
    throw error;
  } finally {
    done(outcome);
  }
}

const SERVER_FAULTS: ReadonlySet<number> = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unimplemented]);

function write(logger: Logger, message: string, started: number, error: unknown, fields: Record<string, unknown>): void {
  const code = error === undefined ? Code.Ok : KledError.from(error).code;
  const level: LogLevel = code === Code.Ok ? "info" : SERVER_FAULTS.has(code) ? "error" : "warn";
  logger[level](message, {
    ...fields,
    code: codeName(code),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(error === undefined ? {} : { error: KledError.from(error).rawMessage }),
  });
}
