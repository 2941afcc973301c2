import type { IncomingHttpHeaders } from "node:http";
import type { Authenticator } from "../../auth/authenticator.js";
import type { ServerContext } from "../../context/handler-context.js";
import type { Identity } from "../../context/identity.js";
import { Metadata } from "../../context/metadata.js";
import { Code } from "../../errors/code.js";
import { KledError } from "../../errors/kled-error.js";
import { messageOf } from "../../errors/message-of.js";

/** What authenticating one HTTP request came to. */
export type Authentication =
  | { readonly kind: "ok"; readonly identity: Identity; readonly token: string }
  /** No credential: 401 with the bare challenge. */
  | { readonly kind: "missing" }
  /** A credential that does not verify (expired, another audience, altered…): 401 invalid_token. */
  | { readonly kind: "invalid"; readonly reason: string }
  /** The credential cannot be checked now (the key set cannot be fetched): 503. */
  | { readonly kind: "unavailable"; readonly reason: string };

/**
 * Runs the gateway's authenticator on an HTTP request. Authenticators read
 * gRPC metadata from a server context; HTTP's Authorization header is the
 * same `authorization` entry, so the request is presented as a context
 * carrying only that metadata (an authenticator needing more, such as mTLS's
 * peer certificate, does not fit the gateway).
 */
export async function authenticateRequest(authenticator: Authenticator, headers: IncomingHttpHeaders): Promise<Authentication> {
  const header = headers.authorization;
  if (header === undefined || header.trim() === "") return { kind: "missing" };
  const context = { metadata: new Metadata({ authorization: header }), identity: undefined } as unknown as ServerContext;
  try {
    const identity = await authenticator.authenticate(context);
    if (identity === undefined) return { kind: "missing" };
    const token = /^Bearer[ ]+(\S+)$/i.exec(header.trim())?.[1] ?? "";
    return { kind: "ok", identity, token };
  } catch (error) {
    if (error instanceof KledError && error.code === Code.Unauthenticated) return { kind: "invalid", reason: error.rawMessage };
    return { kind: "unavailable", reason: messageOf(error) };
  }
}
