export type { RegisterHandlerOptions, Server } from "./server.js";
export {
  chainServerMiddleware,
  type ServerMiddleware,
  type ServerNext,
  type ServerRequest,
  type ServerResponse,
  type StreamServerRequest,
  type StreamServerResponse,
  type UnaryServerRequest,
  type UnaryServerResponse,
} from "./middleware.js";
export { DEFAULT_LISTEN_ADDRESS, KledServer, type KledServerOptions } from "./kled-server.js";
export * from "./limits.js";
export type { Pem, ServerCredentialsOptions } from "./credentials.js";
export { HEALTH_SERVICE_NAME } from "./health.js";
