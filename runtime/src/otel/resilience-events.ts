import type { ResilienceEvents } from "../resilience/events.js";
import { trace, type Attributes } from "../peers/opentelemetry.js";
import { ATTR_ERROR_TYPE, ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME, RPC_SYSTEM_GRPC, rpcMethodOf } from "./attributes.js";
import { codeName } from "../errors/code.js";
import type { Telemetry } from "./telemetry.js";

/** `kled.circuit_breaker.state` values: the gauge reads 0 while a node is healthy. */
const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * Turns the client's resilience events into span events of the call's
 * CLIENT span (the events fire synchronously inside the call, so the
 * call's span is the active one), counters, and a gauge of each node's
 * circuit state. Returns the function that stops listening.
 */
export function recordResilienceEvents(events: ResilienceEvents, telemetry: Telemetry): () => void {
  const breakers = new Map<string, { service: string; node: string; state: number }>();
  const setBreaker = (service: string, node: string, state: number): void => {
    breakers.set(`${service}\u0000${node}`, { service, node, state });
  };
  const unsubscribe = [
    events.on("retry", (event) => {
      const method = rpcMethodOf(event.method);
      trace.getActiveSpan()?.addEvent("kled.retry", {
        "kled.retry.attempt": event.attempt,
        "kled.retry.delay_ms": event.delayMs,
        ...(event.node === undefined ? {} : { "kled.node.id": event.node }),
        [ATTR_ERROR_TYPE]: codeName(event.error.code),
      });
      telemetry.instruments.retries.add(1, { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_GRPC, [ATTR_RPC_METHOD]: method, "kled.service": event.service });
    }),
    events.on("break", (event) => {
      const attributes: Attributes = { "kled.service": event.service, "kled.node.id": event.node };
      if (event.error !== undefined) attributes[ATTR_ERROR_TYPE] = codeName(event.error.code);
      trace.getActiveSpan()?.addEvent("kled.circuit_breaker.open", attributes);
      setBreaker(event.service, event.node, BREAKER_STATE.open);
    }),
    events.on("halfOpen", (event) => {
      trace.getActiveSpan()?.addEvent("kled.circuit_breaker.half_open", { "kled.service": event.service, "kled.node.id": event.node });
      setBreaker(event.service, event.node, BREAKER_STATE.halfOpen);
    }),
    events.on("reset", (event) => {
      trace.getActiveSpan()?.addEvent("kled.circuit_breaker.closed", { "kled.service": event.service, "kled.node.id": event.node });
      setBreaker(event.service, event.node, BREAKER_STATE.closed);
    }),
    events.on("bulkheadReject", (event) => {
      trace.getActiveSpan()?.addEvent("kled.bulkhead.rejected", { "kled.service": event.service, "kled.bulkhead.limit": event.limit });
      telemetry.instruments.bulkheadRejections.add(1, { "kled.service": event.service, [ATTR_RPC_METHOD]: rpcMethodOf(event.method) });
    }),
    events.on("rateLimited", (event) => {
      trace.getActiveSpan()?.addEvent("kled.rate_limited", { "kled.side": event.side, "kled.retry_after_ms": event.retryAfterMs });
      telemetry.instruments.rateLimited.add(1, { "kled.side": event.side, [ATTR_RPC_METHOD]: rpcMethodOf(event.method) });
    }),
  ];
  const stopGauge = telemetry.observeBreakers(() => breakers.values());
  return () => {
    for (const off of unsubscribe) off();
    stopGauge();
  };
}
