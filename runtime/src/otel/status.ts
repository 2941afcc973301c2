import { Code, codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { SpanStatusCode, type Attributes, type Span } from "../peers/opentelemetry.js";
import { ATTR_ERROR_TYPE, ATTR_RPC_RESPONSE_STATUS_CODE } from "./attributes.js";

/**
 * Codes that mark a served call's span as an error: the gRPC conventions
 * count only server faults on the server side (a NOT_FOUND or a refused
 * caller is the server doing its job); on the client every non-OK code is.
 */
const SERVER_ERRORS: ReadonlySet<number> = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/** How a call ended, as the conventions name it. */
export interface CallOutcome {
  readonly code: number;
  /** `OK`, `NOT_FOUND`…: the value of `rpc.response.status_code`. */
  readonly statusName: string;
  readonly error: KledError | undefined;
}

export function outcomeOf(error: unknown): CallOutcome {
  if (error === undefined) return OK;
  const failure = KledError.from(error);
  return { code: failure.code, statusName: codeName(failure.code), error: failure };
}

const OK: CallOutcome = { code: Code.Ok, statusName: codeName(Code.Ok), error: undefined };

/** Sets the status attributes and, when the side counts the code as one, the error status of `span`, then ends it. */
export function endCallSpan(span: Span, outcome: CallOutcome, side: "server" | "client"): void {
  span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.statusName);
  if (outcome.error !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, outcome.statusName);
    if (side === "client" || SERVER_ERRORS.has(outcome.code)) {
      span.recordException(outcome.error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.rawMessage });
    }
  }
  span.end();
}

/** `attributes` with the call's status, and its `error.type` when it failed. */
export function withStatus(attributes: Attributes, statusName: string, failed: boolean): Attributes {
  attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = statusName;
  if (failed) attributes[ATTR_ERROR_TYPE] = statusName;
  return attributes;
}
