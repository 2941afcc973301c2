import type { AuthorizationRequest, Authorizer } from "../../auth/authorizer.js";
import type { Identity } from "../../context/identity.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import type { Catalog } from "../catalog.js";
import type { ToolEntry } from "../catalog-snapshot.js";
import type { CallerView } from "../gateway-server.js";

/**
 * What an authenticated caller sees: the tools `authorizer` lets it call
 * (all of them without one, and then its tool list is the same as anyone's),
 * and its bearer token forwarded to the backends as `authorization`
 * metadata when `forwardToken`. A decision the
 * authorizer cannot make (its store down) fails the request rather than
 * hiding or allowing the tool.
 */
export function identityView(
  catalog: Catalog,
  identity: Identity,
  token: string,
  authorizer: Authorizer | undefined,
  forwardToken: boolean,
): CallerView {
  return {
    async mayUseTool(name: string): Promise<boolean> {
      const entry = catalog.snapshot.tools.get(name);
      if (entry === undefined) return false;
      if (authorizer === undefined) return true;
      try {
        await authorizer.authorize(identity, toolAuthorizationRequest(entry));
        return true;
      } catch (error) {
        if (error instanceof KledError && error.code === Code.PermissionDenied) return false;
        throw error;
      }
    },
    metadata: forwardToken ? { authorization: `Bearer ${token}` } : {},
    personal: authorizer !== undefined,
  };
}

/** The (service, method) an authorizer decides a tool by; see McpGatewayAuthOptions.authorizer. */
export function toolAuthorizationRequest(entry: ToolEntry): AuthorizationRequest {
  if (entry.kind === "mcp") return { service: entry.backend.service, method: entry.name };
  const [, service = "", method = ""] = /^\/([^/]+)\/([^/]+)$/.exec(entry.proto.path) ?? [];
  return { service, method };
}
