import { create } from "@bufbuild/protobuf";
import { AgentInterfaceSchema, type AgentCard, type AgentInterface } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { A2A_PROTOCOL_VERSION } from "./a2a-version.js";

/** The binding names of AgentInterface.protocol_binding (A2A 1.0 section 4.4.6). */
export const JSONRPC_BINDING = "JSONRPC";
export const HTTP_JSON_BINDING = "HTTP+JSON";

/** Where the gateway serves one agent's two HTTP bindings, as absolute URLs. */
export interface GatewayInterfaces {
  readonly jsonRpcUrl: string;
  readonly restUrl: string;
}

/**
 * The card with the gateway's JSON-RPC and HTTP+JSON interfaces first (a
 * client takes the first it supports, and these are the ones it can reach
 * from outside the mesh), then the interfaces the agent declared itself (its
 * gRPC address), minus any that repeat the gateway's.
 */
export function withGatewayInterfaces(card: AgentCard, gateway: GatewayInterfaces): AgentCard {
  const own: AgentInterface[] = [
    create(AgentInterfaceSchema, { url: gateway.jsonRpcUrl, protocolBinding: JSONRPC_BINDING, protocolVersion: A2A_PROTOCOL_VERSION }),
    create(AgentInterfaceSchema, { url: gateway.restUrl, protocolBinding: HTTP_JSON_BINDING, protocolVersion: A2A_PROTOCOL_VERSION }),
  ];
  const repeats = (candidate: AgentInterface) =>
    own.some((entry) => entry.url === candidate.url && entry.protocolBinding === candidate.protocolBinding.toUpperCase());
  return { ...card, supportedInterfaces: [...own, ...card.supportedInterfaces.filter((entry) => !repeats(entry))] };
}
