import type { IncomingHttpHeaders } from "node:http";
import { fromJson, toJson, type JsonValue, type Message } from "@bufbuild/protobuf";
import type { Client, MethodCall } from "../../client/client.js";
import type { MethodDefinition } from "../../definition/service-definition.js";
import { messageOf } from "../../errors/message-of.js";
import type { AgentCard, SendMessageResponse, StreamResponse } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { A2A_ERRORS } from "./a2a-errors.js";
import { A2A_SERVICE } from "./a2a-service.js";
import { A2A_PROTOCOL_VERSION } from "./a2a-version.js";
import { fromAgentError } from "./agent-error.js";
import { a2aError, invalidParams } from "./binding-error.js";
import { withGatewayInterfaces, type GatewayInterfaces } from "./card-interfaces.js";

/**
 * HTTP request headers passed on to the agent as gRPC metadata: the
 * caller's credentials (the agent's own authentication applies, as the card
 * it declares says) and the A2A service parameters (sections 3.2.6, 10.2).
 */
export const FORWARDED_HEADERS: readonly string[] = ["authorization", "a2a-extensions"];

/** One A2A call as a binding hands it over: the request as ProtoJSON, not yet checked. */
export interface AgentRequest {
  /** The registered name of the agent's service. */
  readonly agent: string;
  readonly method: MethodDefinition;
  readonly json: JsonValue;
  readonly headers: IncomingHttpHeaders;
  /** Aborted when the HTTP client goes away; cancels the gRPC call. */
  readonly signal: AbortSignal;
  /** The gateway's URLs of this agent, for the extended card. */
  readonly interfaces: GatewayInterfaces;
}

/**
 * Calls A2A methods on agents through the Kled client (a node picked per
 * call, retries only where the proto allows) and speaks ProtoJSON on the
 * HTTP side: the request parsed with the lf.a2a.v1 schemas (an unknown or
 * ill-typed field is invalid params, named), the response checked and
 * serialized. Every failure is a BindingError.
 */
export class AgentCaller {
  readonly #client: Client;
  readonly #unaryTimeoutMs: number;

  constructor(client: Client, unaryTimeoutMs: number) {
    this.#client = client;
    this.#unaryTimeoutMs = unaryTimeoutMs;
  }

  async unary(request: AgentRequest): Promise<JsonValue> {
    const message = decodeRequest(request);
    let response: Message;
    try {
      response = await this.#client.unary(callOf(request), message, { ...callOptions(request), timeoutMs: this.#unaryTimeoutMs });
    } catch (error) {
      throw fromAgentError(error, request.method);
    }
    return responseJson(request, response);
  }

  /** The stream's items as ProtoJSON; the call starts at the first `next()`, so a bad request fails there. */
  async *stream(request: AgentRequest): AsyncGenerator<JsonValue> {
    const message = decodeRequest(request);
    try {
      for await (const item of this.#client.serverStream(callOf(request), message, callOptions(request))) {
        yield responseJson(request, item);
      }
    } catch (error) {
      throw fromAgentError(error, request.method);
    }
  }
}

function decodeRequest(request: AgentRequest): Message {
  const { input } = request.method;
  try {
    return fromJson(input, request.json);
  } catch (error) {
    throw invalidParams(`the parameters of ${request.method.name} do not fit ${input.typeName}: ${messageOf(error)}`);
  }
}

function callOf(request: AgentRequest): MethodCall {
  return { service: A2A_SERVICE, method: request.method, defaults: { service: request.agent } };
}

function callOptions(request: AgentRequest) {
  const metadata: Record<string, string> = { "a2a-version": A2A_PROTOCOL_VERSION };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === "string" && value !== "") metadata[name] = value;
  }
  return { signal: request.signal, metadata };
}

/** The response as ProtoJSON, after the checks a client relies on. */
function responseJson(request: AgentRequest, response: Message): JsonValue {
  const { method } = request;
  let message = response;
  switch (method.name) {
    case "SendMessage":
      if ((response as SendMessageResponse).payload.case === undefined) throw invalidResponse(request, "a SendMessageResponse with neither task nor message");
      break;
    case "SendStreamingMessage":
    case "SubscribeToTask":
      if ((response as StreamResponse).payload.case === undefined) throw invalidResponse(request, "a StreamResponse with no payload");
      break;
    case "GetExtendedAgentCard":
      message = withGatewayInterfaces(response as AgentCard, request.interfaces);
      break;
  }
  try {
    return toJson(method.output, message);
  } catch (error) {
    throw invalidResponse(request, `a response that has no ProtoJSON form (${messageOf(error)})`);
  }
}

function invalidResponse(request: AgentRequest, what: string) {
  return a2aError(A2A_ERRORS.InvalidAgentResponseError, `agent "${request.agent}" answered ${request.method.name} with ${what}`);
}
