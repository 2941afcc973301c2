import { usageError } from "../cli-error.js";

/** The METHOD argument of `kled call`: a method name, optionally qualified by its proto service. */
export interface MethodRef {
  /** Full proto service name, e.g. `kled.mcp.v1.McpService`; absent for a bare method name. */
  service: string | undefined;
  /** Proto method name, e.g. `ListTools`. */
  method: string;
}

const IDENT = "[A-Za-z_][A-Za-z0-9_]*";
const METHOD = new RegExp(`^${IDENT}$`);
const SERVICE = new RegExp(`^${IDENT}(?:\\.${IDENT})*$`);

/** Parses `Method`, `pkg.Svc/Method`, `/pkg.Svc/Method` or `pkg.Svc.Method`; fails naming the value. */
export function parseMethodRef(text: string): MethodRef {
  const path = text.startsWith("/") ? text.slice(1) : text;
  const cut = path.includes("/") ? path.lastIndexOf("/") : path.lastIndexOf(".");
  const ref: MethodRef =
    cut < 0 ? { service: undefined, method: path } : { service: path.slice(0, cut), method: path.slice(cut + 1) };
  if (!METHOD.test(ref.method) || (ref.service !== undefined && !SERVICE.test(ref.service))) {
    throw usageError(
      `method "${text}" is not a method name; use Method, pkg.Service/Method or pkg.Service.Method, e.g. kled.mcp.v1.McpService/ListTools`,
    );
  }
  return ref;
}
