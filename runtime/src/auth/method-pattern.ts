/**
 * Matches gRPC method paths against patterns such as
 * `kled.agent.v1.AgentService/GetAgentCard` or `kled.mcp.v1.McpService/*`.
 * A `*` matches any run of characters; the leading `/` of a
 * path is optional in a pattern.
 */
export type MethodMatcher = (path: string) => boolean;

/** A matcher that is true for paths matching any of `patterns` (none: never). */
export function methodMatcher(patterns: readonly string[] = []): MethodMatcher {
  if (patterns.length === 0) return () => false;
  const expressions = patterns.map(toRegExp);
  return (path) => expressions.some((expression) => expression.test(path));
}

function toRegExp(pattern: string): RegExp {
  const trimmed = pattern.trim();
  if (!/^\/?[^/\s]+\/[^/\s]+$/.test(trimmed)) {
    throw new Error(
      `method pattern ${JSON.stringify(pattern)}: expected "package.Service/Method", where either part may use "*", e.g. "kled.mcp.v1.McpService/*"`,
    );
  }
  const body = (trimmed.startsWith("/") ? trimmed : `/${trimmed}`)
    .split("*")
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}
