/**
 * `@kled/runtime/a2a`: A2A 1.0 for Kled agents (lf.a2a.v1.A2AService): the
 * JSON-RPC and HTTP+JSON bindings and agent-card discovery over the gRPC
 * service, and webhook delivery of push notifications.
 */
export {};
