/**
 * Names that two backends both offer (a tool `add` in two MCP services) are
 * exposed as `<prefix><separator><name>`; a name only one backend offers
 * keeps its own, so the common case reads as the backend wrote it.
 */

/** Default text between a backend's prefix and a colliding name: "__" is a legal tool-name sequence that service names rarely contain. */
export const DEFAULT_NAMESPACE_SEPARATOR = "__";

/** MCP's tool-name rule (2025-11-25 and 2026-07-28): 1 to 128 of A-Z a-z 0-9 _ - . */
export const TOOL_NAME_MAX_LENGTH = 128;
const TOOL_NAME_CHARACTER = /[A-Za-z0-9_.-]/;

/** How colliding names are qualified. */
export interface Namespacing {
  /** The prefix of a backend's colliding names; default: the service name with characters MCP disallows replaced by "_". */
  prefix?: (service: string) => string;
  /** Default {@link DEFAULT_NAMESPACE_SEPARATOR}. */
  separator?: string;
}

/** One name a backend offers. */
export interface Offered<T> {
  service: string;
  name: string;
  item: T;
}

/** An offered name with the name it is exposed under. */
export interface Exposed<T> extends Offered<T> {
  exposed: string;
}

/**
 * Exposed names for `offers`, in their order: colliding names qualified, and
 * every name made to follow the tool-name rule. Where two names are still
 * equal after that (one service listing a name twice, a prefix function
 * mapping two services to one prefix) the first wins.
 */
export function exposeNames<T>(offers: readonly Offered<T>[], namespacing: Namespacing = {}): Exposed<T>[] {
  const prefix = namespacing.prefix ?? toolNameOf;
  const separator = namespacing.separator ?? DEFAULT_NAMESPACE_SEPARATOR;
  const services = new Map<string, Set<string>>();
  for (const offer of offers) {
    const owners = services.get(offer.name) ?? new Set<string>();
    owners.add(offer.service);
    services.set(offer.name, owners);
  }
  const seen = new Set<string>();
  const exposed: Exposed<T>[] = [];
  for (const offer of offers) {
    const collides = (services.get(offer.name)?.size ?? 0) > 1;
    const name = toolNameOf(collides ? `${prefix(offer.service)}${separator}${offer.name}` : offer.name);
    if (seen.has(name)) continue;
    seen.add(name);
    exposed.push({ ...offer, exposed: name });
  }
  return exposed;
}

/** `text` with every character MCP disallows in a tool name replaced by "_", cut to the maximum length. */
export function toolNameOf(text: string): string {
  let name = "";
  for (const character of text) name += TOOL_NAME_CHARACTER.test(character) ? character : "_";
  return (name === "" ? "_" : name).slice(0, TOOL_NAME_MAX_LENGTH);
}

/**
 * What a resource URI that two services offer gets in front, per service:
 * the service name as an extra URI scheme, so "kv://keys" of kled.mcp.tools
 * is exposed as "kled.mcp.tools+kv://keys" and stays a URI (a scheme allows
 * letters, digits, "+", "-" and "."; other characters become "-").
 */
export function uriQualifier(service: string): string {
  const scheme = service.replace(/[^A-Za-z0-9+.-]/g, "-");
  return `${/^[A-Za-z]/.test(scheme) ? scheme : `s${scheme}`}+`;
}
