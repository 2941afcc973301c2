/**
 * `@kled/runtime`: the core. It imports no integration library; those are
 * the subpaths (`/auth`, `/jwt`, `/casbin`, `/redis`, `/consul`, `/etcd`,
 * `/nats`, `/mikro-orm`, `/ratelimit`, `/otel`, `/mcp`: runtime/src/subpaths/),
 * each with its library as an optional peer.
 */
export * from "./definition/index.js";
export * from "./errors/index.js";
export * from "./broker/index.js";
export type { Codec } from "./codec/codec.js";
export * from "./registry/index.js";
export * from "./selector/index.js";
export * from "./service/index.js";
export * from "./codec/index.js";
export * from "./context/index.js";
export * from "./logging/index.js";
export * from "./call-logging/index.js";
export * from "./server/index.js";
export * from "./client/index.js";
export * from "./resilience/index.js";
export * from "./reflection-client/index.js";
