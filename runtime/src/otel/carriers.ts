import type { Metadata, ReadonlyMetadata } from "../context/metadata.js";
import type { TextMapGetter, TextMapSetter } from "../peers/opentelemetry.js";

/** Reads W3C trace context (and any other propagator's keys) from gRPC request metadata. */
export const metadataGetter: TextMapGetter<ReadonlyMetadata> = {
  keys: (carrier) => [...carrier.entries()].map(([key]) => key),
  get: (carrier, key) => carrier.get(key),
};

/** Writes trace context into outgoing gRPC metadata, replacing what the call inherited. */
export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => void carrier.set(key, value),
};

/** Reads trace context from broker message headers. */
export const headersGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (Object.hasOwn(carrier, key) ? carrier[key] : undefined),
};

/** Writes trace context into broker message headers. */
export const headersSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
