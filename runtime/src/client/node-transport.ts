import type { ClientRequest, ClientResponse } from "../transport/call.js";
import type { NodeTarget } from "../resilience/resilience.js";

/**
 * A transport other than gRPC that the client sends calls over, for the
 * nodes that advertise it (e.g. a NATS subject in their metadata). Internal:
 * the client makes one from its `transport` option.
 */
export interface NodeTransport {
  /**
   * Runs one attempt of `request` on `node`, or answers undefined when the
   * node does not advertise this transport: the client then calls it over gRPC.
   */
  call(node: NodeTarget, request: ClientRequest): Promise<ClientResponse> | undefined;
  /** Closes the transport's connection; calls in flight fail UNAVAILABLE. */
  close(): Promise<void>;
}
