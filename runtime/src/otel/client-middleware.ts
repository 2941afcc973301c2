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
import { CallAttributeCache } from "./attribute-cache.js";
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
  // By the dialled address when the call names one, else by the service: what server.address is made of.
  const byAddress = new CallAttributeCache();
  const byService = new CallAttributeCache();
  return (next) => {
    const safeNext = rejectThrows(next);
    return (request) => {
      if (!telemetry.enabled) return next(request);
      const { address } = request;
      const sets =
        address === undefined || address === ""
          ? byService.get(request.method.path, request.serviceName, serviceAttributes)
          : byAddress.get(request.method.path, address, addressAttributes);
      const attributes = sets.base;
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
        clientDuration.record((performance.now() - started) / 1000, sets.forStatus(outcome.statusName, outcome.error !== undefined));
      };
      return context.with(spanContext, () => observe(safeNext, request, done));
    };
  };
}

/** System, method and the dialled host and port. */
function addressAttributes(path: string, address: string): Attributes {
  const { host, port } = hostPortOf(address);
  const attributes: Attributes = { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: rpcMethodOf(path), [ATTR_SERVER_ADDRESS]: host ?? address };
  if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
  return attributes;
}

/** System, method and, for a call to a registered service, the service name: the group of servers the conventions ask for. */
function serviceAttributes(path: string, serviceName: string): Attributes {
  return { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: rpcMethodOf(path), [ATTR_SERVER_ADDRESS]: serviceName };
}
