import type { IncomingHttpHeaders } from "node:http";
import { A2A_ERRORS } from "./a2a-errors.js";
import { a2aError, type BindingError } from "./binding-error.js";

/** The A2A version the bindings speak (Major.Minor, as A2A-Version carries it). */
export const A2A_PROTOCOL_VERSION = "1.0";

/**
 * What a request without A2A-Version speaks: A2A 1.0 section 3.6.2 tells
 * agents to read an empty value as 0.3 (clients of 0.3 sent none). The
 * gateway does not serve 0.3, so such a request gets
 * VersionNotSupportedError telling the caller which header to send, instead
 * of being half understood (0.3's method names and shapes differ).
 */
export const A2A_VERSION_WHEN_ABSENT = "0.3";

const HEADER = "a2a-version";

/**
 * VersionNotSupportedError unless the request speaks A2A 1.0, by its
 * A2A-Version header or, as section 3.6.1 allows, its `A2A-Version` query
 * parameter. A patch number ("1.0.1") is ignored, as the specification says.
 */
export function versionError(headers: IncomingHttpHeaders, query: URLSearchParams): BindingError | undefined {
  const raw = headers[HEADER] ?? queryValue(query);
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
  const requested = value === "" ? A2A_VERSION_WHEN_ABSENT : value;
  const match = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(requested);
  if (match !== null && `${match[1]}.${match[2]}` === A2A_PROTOCOL_VERSION) return undefined;
  const said = value === "" ? `no A2A-Version header, which means A2A ${A2A_VERSION_WHEN_ABSENT}` : `A2A-Version ${JSON.stringify(value)}`;
  return a2aError(
    A2A_ERRORS.VersionNotSupportedError,
    `${said} is not supported: this endpoint speaks A2A ${A2A_PROTOCOL_VERSION}; send the header "A2A-Version: ${A2A_PROTOCOL_VERSION}"`,
    { requestedVersion: requested, supportedVersions: A2A_PROTOCOL_VERSION },
  );
}

function queryValue(query: URLSearchParams): string | undefined {
  for (const [key, value] of query) if (key.toLowerCase() === HEADER) return value;
  return undefined;
}
