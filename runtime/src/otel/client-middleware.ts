import { observe } from "../call-logging/middleware.js";
import type { ClientMiddleware } from "../client/middleware.js";
import { context, propagation, SpanKind, trace, type Attributes } from "../peers/opentelemetry.js";
import {
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
import { metadataSetter } from "./carriers.js";
import { rejectThrows } from "./reject-throws.js";
import { endCallSpan, outcomeOf } from "./status.js";
import type { Telemetry } from "./telemetry.js";

/**
 * A CLIENT span per call made (one however many attempts the resilience
 * policies take: retries and breaker changes become its events), its
 * context sent in the call's metadata in place of the inherited
 * `traceparent`; and `rpc.client.call.duration` and the in-flight count.
 * `server.address` is the dialled host when the call names an address,
 * else the registered service name: the group of servers the conventions
 * ask for.
 */
export function clientTelemetry(telemetry: Telemetry): ClientMiddleware {
  return (next) => {
    const safeNext = rejectThrows(next);
    return (request) => {
      if (!telemetry.enabled) return next(request);
      const method = rpcMethodOf(request.method.path);
      const target = hostPortOf(request.address);
      const attributes: Attributes = {
        [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC,
        [ATTR_RPC_METHOD]: method,
        [ATTR_SERVER_ADDRESS]: target.host ?? request.serviceName,
      };
      if (target.port !== undefined) attributes[ATTR_SERVER_PORT] = target.port;
      const parent = context.active();
      const span = telemetry.tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, parent);
      const spanContext = trace.setSpan(parent, span);
      propagation.inject(spanContext, request.metadata, metadataSetter);
      const { clientDuration } = telemetry.instruments;
      const { clientActive } = telemetry;
      clientActive.enter(method);
      const started = performance.now();
      const done = (error: unknown): void => {
        const outcome = outcomeOf(error);
        endCallSpan(span, outcome, "client");
        clientActive.leave(method);
        attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = outcome.statusName;
        if (outcome.error !== undefined) attributes[ATTR_ERROR_TYPE] = outcome.statusName;
        clientDuration.record((performance.now() - started) / 1000, attributes);
      };
      return context.with(spanContext, () => observe(safeNext, request, done));
    };
  };
}

