import { observe } from "../call-logging/middleware.js";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes } from "../peers/opentelemetry.js";
import type { ServerMiddleware } from "../server/middleware.js";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  hostPortOf,
  RPC_SYSTEM_GRPC,
  rpcMethodOf,
} from "./attributes.js";
import { metadataGetter } from "./carriers.js";
import { rejectThrows } from "./reject-throws.js";
import { endCallSpan, outcomeOf } from "./status.js";
import type { Telemetry } from "./telemetry.js";

/** Where the server listens, once known: `server.address` and `server.port` of its spans. */
export type ServerAddress = () => string | undefined;

/**
 * A SERVER span per served call, named by its `rpc.method`, a child of the
 * trace context the caller sent in its metadata (`traceparent`), active
 * while the handler runs so that its calls, publishes and log lines join
 * it; and `rpc.server.call.duration` and the in-flight count.
 */
export function serverTelemetry(telemetry: Telemetry, address: ServerAddress = () => undefined): ServerMiddleware {
  let listening: { host: string | undefined; port: number | undefined } | undefined;
  let lastPeer: string | undefined;
  let peer: { host: string | undefined; port: number | undefined } = NO_ADDRESS;
  return (next) => {
    const safeNext = rejectThrows(next);
    return (request) => {
      if (!telemetry.enabled) return next(request);
      const { context: call } = request;
      const method = rpcMethodOf(request.method.path);
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
      // The address is known from the service's start on and does not change.
      const server = (listening ??= address() === undefined ? undefined : hostPortOf(address())) ?? NO_ADDRESS;
      // Calls of one connection share the peer: parse it once per change, not per call.
      if (call.peer !== lastPeer) {
        lastPeer = call.peer;
        peer = hostPortOf(call.peer);
      }
      const attributes: Attributes = { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: method };
      if (server.host !== undefined) attributes[ATTR_SERVER_ADDRESS] = server.host;
      if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
      const spanAttributes: Attributes = { ...attributes };
      if (peer.host !== undefined) spanAttributes[ATTR_CLIENT_ADDRESS] = peer.host;
      if (peer.port !== undefined) spanAttributes[ATTR_CLIENT_PORT] = peer.port;
      const span = telemetry.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: spanAttributes }, parent);
      const { serverDuration } = telemetry.instruments;
      const { serverActive } = telemetry;
      serverActive.enter(method);
      const started = performance.now();
      const done = (error: unknown): void => {
        const outcome = outcomeOf(error);
        endCallSpan(span, outcome, "server");
        serverActive.leave(method);
        attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = outcome.statusName;
        if (outcome.error !== undefined) attributes[ATTR_ERROR_TYPE] = outcome.statusName;
        serverDuration.record((performance.now() - started) / 1000, attributes);
      };
      return context.with(trace.setSpan(parent, span), () => observe(safeNext, request, done));
    };
  };
}

const NO_ADDRESS = { host: undefined, port: undefined };
