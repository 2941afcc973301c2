import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonObject } from "@bufbuild/protobuf";
// The media type of the HTTP+JSON binding (A2A 1.0 section 11.1), the one push notifications use too.
import { A2A_JSON_CONTENT_TYPE } from "../push/webhook-request.js";
import { versionError } from "./a2a-version.js";
import type { AgentRequest } from "./agent-caller.js";
import type { BindingContext } from "./binding-context.js";
import { BindingError, invalidParams, methodNotFound } from "./binding-error.js";
import { queryJson } from "./query-params.js";
import { parseJson, readBody } from "./request-body.js";
import { matchRoute, REST_ROUTES, type RouteMatch } from "./rest-routes.js";
import { answerWithSse, bindingError } from "./sse-response.js";


/**
 * A2A's HTTP+JSON binding (A2A 1.0 section 11) for one agent: `path` is the
 * part below the binding's base (`/message:send`, `/tasks/abc`…). The
 * request message is the body (POST) or the query string (GET, DELETE),
 * with the path's values (task id, config id, tenant) filled in. Errors are
 * google.rpc.Status-shaped JSON (`{"error": {code, status, message,
 * details}}`) with the HTTP status of section 5.4; a stream's late error is
 * an SSE event named `error` with that same body.
 */
export async function serveRest(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams, context: BindingContext): Promise<void> {
  try {
    const result = matchRoute(request.method ?? "GET", path);
    if (result.kind === "not-found") {
      const routes = REST_ROUTES.map((route) => `${route.verbs.join("|")} ${route.template}`).join(", ");
      throw methodNotFound(`no HTTP+JSON route ${request.method ?? "GET"} ${path}; the routes are ${routes}`);
    }
    if (result.kind === "method-not-allowed") {
      answerRestError(response, new BindingError(-32600, 405, "UNIMPLEMENTED", `${path} takes ${result.allowed.join(", ")}, not ${request.method ?? "GET"}`), {
        allow: result.allowed.join(", "),
      });
      return;
    }
    const version = versionError(request.headers, query);
    if (version !== undefined) throw version;
    const { match } = result;
    const json = await requestJson(request, query, match, context.maxRequestBodyBytes);
    const agentRequest: AgentRequest = {
      agent: context.agent,
      method: match.route.method,
      json,
      headers: request.headers,
      signal: context.signal,
      interfaces: context.interfaces,
    };
    if (match.route.method.kind === "server_streaming") {
      await answerWithSse(
        response,
        context.caller.stream(agentRequest),
        context.keepAliveMs,
        { item: (item) => JSON.stringify(item), error: (error) => ({ event: "error", data: JSON.stringify(errorBody(error)) }) },
        (error) => answerRestError(response, error),
        context.logger,
      );
      return;
    }
    const body = await context.caller.unary(agentRequest);
    if (response.headersSent || response.destroyed) return;
    response.writeHead(200, { "content-type": A2A_JSON_CONTENT_TYPE }).end(JSON.stringify(body));
  } catch (error) {
    answerRestError(response, bindingError(error, context.logger));
  }
}

/** The request message's JSON: body or query, then the path's values, which must agree with the body's. */
async function requestJson(request: IncomingMessage, query: URLSearchParams, match: RouteMatch, limitBytes: number): Promise<JsonObject> {
  const { route, pathValues } = match;
  let json: JsonObject;
  if (route.body) {
    const text = await readBody(request, limitBytes);
    const parsed = text.trim() === "" ? {} : parseJson(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw invalidParams(`the body must be a JSON object: ${route.method.input.typeName} in ProtoJSON`);
    }
    json = parsed as JsonObject;
  } else {
    json = queryJson(route.method.input, query);
  }
  for (const [field, value] of Object.entries(pathValues)) {
    const given = json[field];
    if (given !== undefined && given !== value) {
      throw invalidParams(`"${field}" is ${JSON.stringify(given)} in the request but ${JSON.stringify(value)} in the path; leave it out or make them agree`);
    }
    json[field] = value;
  }
  return json;
}

function errorBody(error: BindingError): JsonObject {
  return { error: { code: error.httpStatus, status: error.status, message: error.message, details: [...error.details] } };
}

/** An HTTP+JSON error response: google.rpc.Status-shaped JSON with the error's HTTP status. */
export function answerRestError(response: ServerResponse, error: BindingError, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const closing = error.httpStatus === 413 ? { connection: "close" } : {};
  response.writeHead(error.httpStatus, { ...headers, ...closing, "content-type": A2A_JSON_CONTENT_TYPE }).end(JSON.stringify(errorBody(error)));
}
