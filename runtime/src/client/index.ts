export type { AnyMessageInit, CallOptions, Client, MethodCall, ServiceClientOptions } from "./client.js";
export {
  chainClientMiddleware,
  type ClientMiddleware,
  type ClientNext,
  type ClientRequest,
  type ClientResponse,
  type StreamClientRequest,
  type StreamClientResponse,
  type UnaryClientRequest,
  type UnaryClientResponse,
} from "./middleware.js";
export { DEFAULT_REQUEST_TIMEOUT_MS, KledClient, type KledClientOptions } from "./kled-client.js";
export { createServiceClient } from "./service-client.js";
export { registryResolver, type Resolver } from "./resolve.js";
export type { ClientCredentialsOptions } from "./credentials.js";
export { NATS_SUBJECT_METADATA_KEY, TRANSPORT_ENV, type TransportOption } from "../transport/transport-spec.js";
