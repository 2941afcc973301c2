/**
 * What grpc-js knows about a server call but its call objects do not say.
 * Internal.
 *
 * grpc-js (1.14) may start a handler for a call that is already over: the
 * request's half-close is handled even after its own deadline timer ended
 * the stream. The call object it then hands us is new, with `cancelled`
 * false, no `cancelled` event to come, and `getPeer()` "unknown" (the
 * stream has left its session). Its intercepting call, kept in the private
 * field `call`, still knows both: it was cancelled, and the addresses of the
 * connection, recorded when the call arrived. Read defensively: another
 * grpc-js version may keep them elsewhere, and then these fall back to the
 * public API.
 */
import type * as grpc from "@grpc/grpc-js";

/** Any server call object grpc-js hands a handler. */
type ServerCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/** The parts of grpc-js's intercepting call read here; all optional, as it is private. */
interface InterceptingCall {
  readonly cancelled?: unknown;
  getConnectionInfo?(): { remoteAddress?: string | undefined; remotePort?: number | undefined };
}

function interceptingCall(call: ServerCall): InterceptingCall | undefined {
  const inner: unknown = (call as unknown as { call?: unknown }).call;
  return typeof inner === "object" && inner !== null ? (inner as InterceptingCall) : undefined;
}

/** True when grpc-js has cancelled the call (client cancel, deadline, closed stream), even before its call object knew. */
export function isCallCancelled(call: ServerCall): boolean {
  return call.cancelled || interceptingCall(call)?.cancelled === true;
}

/** The client's address, `host:port`; also for a call whose stream already closed. */
export function peerOf(call: ServerCall): string {
  const peer = call.getPeer();
  if (peer !== "unknown") return peer;
  const info = interceptingCall(call)?.getConnectionInfo?.();
  if (info?.remoteAddress === undefined) return peer;
  // The form getPeer() gives while the stream is open.
  return info.remotePort === undefined ? info.remoteAddress : `${info.remoteAddress}:${info.remotePort}`;
}
