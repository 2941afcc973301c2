import { observe } from "../call-logging/middleware.js";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes } from "../peers/opentelemetry.js";
import type { ServerMiddleware } from "../server/middleware.js";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_RPC_METHOD,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  hostPortOf,
  RPC_SYSTEM_GRPC,
  rpcMethodOf,
} from "./attributes.js";
import { CallAttributeCache, CallAttributeSets } from "./attribute-cache.js";
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
  // Metric sets by method (the registered ones: a bounded set); span sets by method and caller.
  const methodSets = new Map<string, CallAttributeSets>();
  const spanSets = new CallAttributeCache();
  const spanAttributes = (path: string, peer: string): Attributes => ({ ...baseAttributes(path, listening ?? NO_ADDRESS), ...peerAttributes(peer) });
  return (next) => {
    const safeNext = rejectThrows(next);
    return (request) => {
      if (!telemetry.enabled) return next(request);
      const { context: call } = request;
      const path = request.method.path;
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
      // The address is known from the service's start on and does not change;
      // the sets built before it lack it, and are built again once.
      if (listening === undefined) {
        const known = address();
        if (known !== undefined) {
          listening = hostPortOf(known);
          methodSets.clear();
          spanSets.clear();
        }
      }
      let sets = methodSets.get(path);
      if (sets === undefined) {
        sets = new CallAttributeSets(baseAttributes(path, listening ?? NO_ADDRESS));
        methodSets.set(path, sets);
      }
      const method = sets.base[ATTR_RPC_METHOD] as string;
      // Calls of one connection share the caller: its span set is built once, not per call.
      const attributes = spanSets.get(path, call.peer, spanAttributes).base;
      const span = telemetry.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
      const { serverDuration } = telemetry.instruments;
      const { serverActive } = telemetry;
      serverActive.enter(method);
      const started = performance.now();
      const callSets = sets;
      const done = (error: unknown): void => {
        const outcome = outcomeOf(error);
        endCallSpan(span, outcome, "server");
        serverActive.leave(method);
        serverDuration.record((performance.now() - started) / 1000, callSets.forStatus(outcome.statusName, outcome.error !== undefined));
      };
      return context.with(trace.setSpan(parent, span), () => observe(safeNext, request, done));
    };
  };
}

/** The attributes of both the span and the metrics: system, method, the server's address. */
function baseAttributes(path: string, server: { host: string | undefined; port: number | undefined }): Attributes {
  const attributes: Attributes = { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: rpcMethodOf(path) };
  if (server.host !== undefined) attributes[ATTR_SERVER_ADDRESS] = server.host;
  if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
  return attributes;
}

/** `client.address` and `client.port` of a span: the caller (metrics leave them out, one series per connection would be too many). */
function peerAttributes(peer: string): Attributes {
  const { host, port } = hostPortOf(peer);
  const attributes: Attributes = {};
  if (host !== undefined) attributes[ATTR_CLIENT_ADDRESS] = host;
  if (port !== undefined) attributes[ATTR_CLIENT_PORT] = port;
  return attributes;
}

const NO_ADDRESS = { host: undefined, port: undefined };
