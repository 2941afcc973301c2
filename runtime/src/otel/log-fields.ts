import { addLogContext } from "../logging/log-context.js";
import type { LogFields } from "../logging/logger.js";
import { trace } from "../peers/opentelemetry.js";

/**
 * `trace_id` and `span_id` of the active span, for a log record written
 * inside it; undefined outside any (valid) span. The field names are those
 * of the OpenTelemetry log data model's JSON mapping, which log backends
 * (Loki, Elastic, Datadog) link to traces by. For pino: `mixin: () => traceLogFields() ?? {}`.
 */
export function traceLogFields(): LogFields | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  // A non-recording span of a trace that is not sampled still has valid ids; an invalid one is all zeros.
  if (traceId === INVALID_TRACE_ID) return undefined;
  return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, "0") };
}

const INVALID_TRACE_ID = "00000000000000000000000000000000";

let removeProvider: (() => void) | undefined;

/** Makes the console logger add {@link traceLogFields} to every record. Idempotent; returns the function that undoes it. */
export function logTraceIds(): () => void {
  removeProvider ??= addLogContext(traceLogFields);
  return () => {
    removeProvider?.();
    removeProvider = undefined;
  };
}
