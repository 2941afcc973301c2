import type { LogFields } from "./logger.js";

/** Fields that describe where a record is written from, e.g. the trace and span ids of the active span. */
export type LogContextProvider = () => LogFields | undefined;

// Process-wide, as the context they read is: `@kled/runtime/otel` adds the
// active span's ids here without the logger knowing about tracing.
const providers: LogContextProvider[] = [];

/**
 * Adds `provider`, asked for fields each time the console logger writes a
 * record (never for records below the threshold). Returns the function
 * that removes it. Loggers of other libraries can call
 * {@link logContextFields} from their own hook (pino's `mixin`).
 */
export function addLogContext(provider: LogContextProvider): () => void {
  providers.push(provider);
  return () => {
    const index = providers.indexOf(provider);
    if (index >= 0) providers.splice(index, 1);
  };
}

/** The fields of every provider, merged in the order added; undefined when none gave any. */
export function logContextFields(): LogFields | undefined {
  let fields: Record<string, unknown> | undefined;
  for (const provider of providers) {
    const own = provider();
    if (own !== undefined) fields = fields === undefined ? { ...own } : Object.assign(fields, own);
  }
  return fields;
}
