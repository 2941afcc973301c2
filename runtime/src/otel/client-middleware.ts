import { observe } from "../call-logging/middleware.js";
import type { ClientMiddleware } from "../client/middleware.js";
import { context, propagation, SpanKind, trace, type Attributes } from "../peers/opentelemetry.js";
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  hostPortOf,
  RPC_SYSTEM_GRPC,
  rpcMethodOf,
} from "./attributes.js";
import { AttributeCache } from "./attribute-cache.js";
import { metadataSetter } from "./carriers.js";
import { rejectThrows } from "./reject-throws.js";
import { endCallSpan, outcomeOf, withStatus } from "./status.js";
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
  // Span attributes by method and target, metric attributes by method, target and status.
  const spanAttributes = new AttributeCache();
  const metricAttributes = new AttributeCache();
  return (next) => {
    const safeNext = rejectThrows(next);
    return (request) => {
      if (!telemetry.enabled) return next(request);
      const path = request.method.path;
      // The address when the call names one, else the service: what server.address is built from.
      const targetKey = `${path}\n${request.address ?? ""}\n${request.serviceName}`;
      const attributes = spanAttributes.get(targetKey) ?? spanAttributes.set(targetKey, targetAttributes(path, request.address, request.serviceName));
      const method = attributes[ATTR_RPC_METHOD] as string;
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
        const key = `${targetKey}\n${outcome.statusName}`;
        const recorded =
          metricAttributes.get(key) ?? metricAttributes.set(key, withStatus({ ...attributes }, outcome.statusName, outcome.error !== undefined));
        clientDuration.record((performance.now() - started) / 1000, recorded);
      };
      return context.with(spanContext, () => observe(safeNext, request, done));
    };
  };
}

/** System, method and the called server: the dialled host and port, else the service name. */
function targetAttributes(path: string, address: string | undefined, serviceName: string): Attributes {
  const target = hostPortOf(address);
  const attributes: Attributes = {
    [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC,
    [ATTR_RPC_METHOD]: rpcMethodOf(path),
    [ATTR_SERVER_ADDRESS]: target.host ?? serviceName,
  };
  if (target.port !== undefined) attributes[ATTR_SERVER_PORT] = target.port;
  return attributes;
}
