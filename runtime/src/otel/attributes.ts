/**
 * Attribute, span and metric names of the OpenTelemetry RPC and messaging
 * semantic conventions (semconv 1.38+: `rpc.system.name`,
 * `rpc.response.status_code`), spelled here rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, which would be one more
 * peer for a dozen strings. Names under `kled.` are Kled's own.
 */
export const ATTR_RPC_SYSTEM_NAME = "rpc.system.name";
export const ATTR_RPC_METHOD = "rpc.method";
export const ATTR_RPC_RESPONSE_STATUS_CODE = "rpc.response.status_code";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_CLIENT_ADDRESS = "client.address";
export const ATTR_CLIENT_PORT = "client.port";
export const ATTR_ERROR_TYPE = "error.type";

export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
export const ATTR_MESSAGING_BODY_SIZE = "messaging.message.body.size";
/** Not in the conventions: which delivery of the message this is (1 on the first). */
export const ATTR_KLED_DELIVERY_COUNT = "kled.messaging.delivery_count";

/** The `rpc.system.name` of every Kled call: the transport is gRPC. */
export const RPC_SYSTEM_GRPC = "grpc";

/** The instrumentation scope name tracers and meters are obtained under. */
export const INSTRUMENTATION_SCOPE = "@kled/runtime/otel";

/**
 * Bucket boundaries of the duration histograms, in seconds: the advice of
 * the RPC and messaging conventions (5 ms to 10 s), so dashboards built
 * for other instrumentations read ours.
 */
export const DURATION_BUCKETS_S: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** `pkg.Service/Method` from a gRPC path `/pkg.Service/Method`: the conventions' `rpc.method`. */
export function rpcMethodOf(path: string): string {
  return path.startsWith("/") ? path.slice(1) : path;
}

/** Host and port of `host:port`, `[v6]:port` or grpc-js's `ipv4:host:port`; undefined parts when absent. */
export function hostPortOf(address: string | undefined): { host: string | undefined; port: number | undefined } {
  if (address === undefined || address === "") return { host: undefined, port: undefined };
  const bare = address.replace(/^(ipv4|ipv6|dns):/, "");
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(bare);
  if (match === null) return { host: bare, port: undefined };
  return { host: match[1], port: Number(match[2]) };
}
