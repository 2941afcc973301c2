import type { MethodDefinition } from "../../definition/service-definition.js";
import { a2aMethod } from "./a2a-service.js";

/**
 * One route of the HTTP+JSON binding (A2A 1.0 sections 5.3 and 11.3): the
 * HTTP methods, the path template whose `{field}` segments fill fields of
 * the request message, and whether a body carries the rest of it
 * (otherwise the query string does).
 */
export interface RestRoute {
  readonly verbs: readonly string[];
  /** E.g. `/tasks/{id}:cancel`. */
  readonly template: string;
  readonly method: MethodDefinition;
  readonly body: boolean;
  readonly pattern: RegExp;
  readonly pathFields: readonly string[];
}

function route(verbs: readonly string[], template: string, method: string, body: boolean): RestRoute {
  const pathFields = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  // A field is one path segment; lazy, so that a task id ends before ":cancel" and ":subscribe".
  const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+?)")}$`);
  return { verbs, template, method: a2aMethod(method), body, pattern, pathFields };
}

export const REST_ROUTES: readonly RestRoute[] = [
  route(["POST"], "/message:send", "SendMessage", true),
  route(["POST"], "/message:stream", "SendStreamingMessage", true),
  route(["POST"], "/tasks/{id}:cancel", "CancelTask", true),
  // POST as the specification says; GET as well, for EventSource, which can only GET.
  route(["POST", "GET"], "/tasks/{id}:subscribe", "SubscribeToTask", false),
  route(["GET"], "/tasks", "ListTasks", false),
  route(["POST"], "/tasks/{taskId}/pushNotificationConfigs", "CreateTaskPushNotificationConfig", true),
  route(["GET"], "/tasks/{taskId}/pushNotificationConfigs", "ListTaskPushNotificationConfigs", false),
  route(["GET"], "/tasks/{taskId}/pushNotificationConfigs/{id}", "GetTaskPushNotificationConfig", false),
  route(["DELETE"], "/tasks/{taskId}/pushNotificationConfigs/{id}", "DeleteTaskPushNotificationConfig", false),
  route(["GET"], "/tasks/{id}", "GetTask", false),
  route(["GET"], "/extendedAgentCard", "GetExtendedAgentCard", false),
];

/** A matched route with its path values and tenant. */
export interface RouteMatch {
  readonly route: RestRoute;
  /** Request fields from the path (decoded), `tenant` included when the path starts with one. */
  readonly pathValues: Readonly<Record<string, string>>;
}

/** What a path and HTTP method come to: a route, a path served with other methods (405), or nothing (404). */
export type RouteResult = { kind: "match"; match: RouteMatch } | { kind: "method-not-allowed"; allowed: string[] } | { kind: "not-found" };

/**
 * Matches `path` (below the binding's base) against the routes, first
 * without and then with a leading tenant segment, as clients that declare
 * a tenant send it (`/{tenant}/message:send`).
 */
export function matchRoute(verb: string, path: string): RouteResult {
  const direct = matchPath(verb, path, undefined);
  if (direct.kind !== "not-found") return direct;
  const tenant = /^\/([^/]+)(\/.+)$/.exec(path);
  if (tenant === null) return direct;
  return matchPath(verb, tenant[2] as string, decode(tenant[1] as string));
}

function matchPath(verb: string, path: string, tenant: string | undefined): RouteResult {
  const allowed: string[] = [];
  for (const candidate of REST_ROUTES) {
    const groups = candidate.pattern.exec(path);
    if (groups === null) continue;
    if (!candidate.verbs.includes(verb)) {
      allowed.push(...candidate.verbs);
      continue;
    }
    const pathValues: Record<string, string> = tenant === undefined ? {} : { tenant };
    candidate.pathFields.forEach((field, index) => {
      pathValues[field] = decode(groups[index + 1] as string);
    });
    return { kind: "match", match: { route: candidate, pathValues } };
  }
  return allowed.length === 0 ? { kind: "not-found" } : { kind: "method-not-allowed", allowed: [...new Set(allowed)] };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape is taken literally: the agent then answers for an id that does not exist.
    return segment;
  }
}
