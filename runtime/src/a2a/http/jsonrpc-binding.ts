import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonObject } from "@bufbuild/protobuf";
import { A2A_METHODS } from "./a2a-service.js";
import { versionError } from "./a2a-version.js";
import type { BindingContext } from "./binding-context.js";
import { invalidParams, invalidRequest, methodNotFound, type BindingError } from "./binding-error.js";
import { parseJson, readBody } from "./request-body.js";
import { answerWithSse, bindingError } from "./sse-response.js";

export type JsonRpcId = string | number | null;

/** HTTP statuses a JSON-RPC error keeps; every other error is a JSON-RPC answer like any other (200). */
const HTTP_LEVEL_STATUSES: ReadonlySet<number> = new Set([401, 403, 413, 429]);

/**
 * A2A's JSON-RPC 2.0 binding (A2A 1.0 section 9) for one agent: a POST of
 * one request object whose method is an A2AService method name and whose
 * params are its request message in ProtoJSON. Unary methods answer one
 * response object; SendStreamingMessage and SubscribeToTask answer
 * `text/event-stream`, one response object per event. Batches and
 * notifications are refused: every A2A method has an answer to wait for.
 */
export async function serveJsonRpc(request: IncomingMessage, response: ServerResponse, context: BindingContext): Promise<void> {
  let id: JsonRpcId = null;
  try {
    const envelope = parseEnvelope(parseJson(await readBody(request, context.maxRequestBodyBytes)));
    id = envelope.id;
    const params = paramsOf(envelope);
    const version = versionError(request.headers, new URLSearchParams());
    if (version !== undefined) throw version;
    const method = A2A_METHODS.get(envelope.method);
    if (method === undefined) {
      throw methodNotFound(`method ${JSON.stringify(envelope.method)} not found; A2A 1.0 names its methods ${[...A2A_METHODS.keys()].join(", ")}`);
    }
    const agentRequest = { agent: context.agent, method, json: params, headers: request.headers, signal: context.signal, interfaces: context.interfaces };
    if (method.kind === "server_streaming") {
      const requestId = id;
      await answerWithSse(
        response,
        context.caller.stream(agentRequest),
        context.keepAliveMs,
        {
          item: (result) => JSON.stringify({ jsonrpc: "2.0", id: requestId, result }),
          error: (error) => ({ data: JSON.stringify(errorResponse(requestId, error)) }),
        },
        (error) => answerJsonRpcError(response, requestId, error),
        context.logger,
      );
      return;
    }
    const result = await context.caller.unary(agentRequest);
    answer(response, 200, { jsonrpc: "2.0", id, result });
  } catch (error) {
    answerJsonRpcError(response, id, bindingError(error, context.logger));
  }
}

interface Envelope {
  id: JsonRpcId;
  method: string;
  params: unknown;
}

function parseEnvelope(body: unknown): Envelope {
  if (Array.isArray(body)) throw invalidRequest("batch requests are not supported: send one JSON-RPC request object per HTTP request");
  if (typeof body !== "object" || body === null) throw invalidRequest("the body must be a JSON-RPC 2.0 request object");
  const object = body as Record<string, unknown>;
  if (object["jsonrpc"] !== "2.0") throw invalidRequest(`"jsonrpc" must be "2.0", not ${JSON.stringify(object["jsonrpc"])}`);
  const id = object["id"];
  if (id === undefined) throw invalidRequest('the request has no "id": notifications are not served, every A2A method answers');
  if (typeof id !== "string" && typeof id !== "number" && id !== null) throw invalidRequest('"id" must be a string, a number or null');
  const method = object["method"];
  if (typeof method !== "string") throw invalidRequest('"method" must be a string');
  return { id, method, params: object["params"] };
}

/** The params object; absent params are an empty request (GetExtendedAgentCard has none to send). */
function paramsOf(envelope: Envelope): JsonObject {
  const params = envelope.params ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalidParams(`the params of ${envelope.method} must be an object (its request message in ProtoJSON)`);
  }
  return params as JsonObject;
}

function errorResponse(id: JsonRpcId, error: BindingError): JsonObject {
  return {
    jsonrpc: "2.0",
    id,
    error: { code: error.jsonRpcCode, message: error.message, ...(error.details.length === 0 ? {} : { data: [...error.details] }) },
  };
}

/**
 * A JSON-RPC error response. Its HTTP status is 200 (the error is in the
 * body) unless `status` says otherwise or the failure is HTTP's own
 * (authentication, body size, rate), which HTTP tooling acts on.
 */
export function answerJsonRpcError(response: ServerResponse, id: JsonRpcId, error: BindingError, httpStatus?: number): void {
  const status = httpStatus ?? (HTTP_LEVEL_STATUSES.has(error.httpStatus) ? error.httpStatus : 200);
  answer(response, status, errorResponse(id, error), error.httpStatus === 413 ? { connection: "close" } : {});
}

function answer(response: ServerResponse, status: number, body: JsonObject, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(body));
}
