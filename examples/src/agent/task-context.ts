import type { HandlerContext } from "@kled/runtime";

/**
 * The context a task runs in after the call that started it: the call's
 * identity, trace and request id, but the task's own cancellation and no
 * deadline. The runner runs in it (runWithContext) so that
 *
 * - the tool calls it makes carry the trace on, yet are not cancelled when
 *   the client of a blocking SendMessage goes away (the task lives on);
 * - its database writes (withTransaction inside a call context) commit
 *   unless `signal` aborts: once a cancel aborts the runner, nothing it was
 *   writing commits.
 */
export function taskContext(call: HandlerContext, signal: AbortSignal): HandlerContext {
  return {
    method: call.method,
    service: call.service,
    metadata: call.metadata,
    deadline: undefined,
    signal,
    peer: call.peer,
    identity: call.identity,
    requestId: call.requestId,
    logger: call.logger,
    // The call has answered long ago: there are no headers or trailers to set.
    setHeader() {},
    setTrailer() {},
  };
}
