import { Code, KledClient, KledError, KledServer, silentLogger, type ClientCredentialsOptions, type HandlerContext, type KledServerOptions } from "@kled/runtime";
import { createEchoServiceClient, registerEchoServiceHandler, type EchoServiceClient } from "../../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../../runtime/support/echo-handler.js";

/** What the echo handler reports about the identity it was called with. */
export function identityMetadata(context: HandlerContext): Record<string, string> {
  const identity = context.identity;
  if (identity === undefined) return { "identity-subject": "(none)" };
  return {
    "identity-subject": identity.subject,
    "identity-domain": identity.domain ?? "",
    "identity-roles": (identity.roles ?? []).join(" "),
    "identity-source": identity.source,
  };
}

/** An echo server whose responses carry the caller's identity, and a client for it. */
export interface AuthHarness {
  readonly address: string;
  readonly server: KledServer;
  readonly client: KledClient;
  readonly echo: EchoServiceClient;
  close(): Promise<void>;
}

export async function startAuthEcho(
  server: KledServerOptions,
  client: { credentials?: ClientCredentialsOptions; host?: string } = {},
): Promise<AuthHarness> {
  const kled = new KledServer({ logger: silentLogger, ...server });
  const handler = new EchoHandler();
  handler.onEcho = async (_request, context) => identityMetadata(context);
  registerEchoServiceHandler(kled, handler);
  const address = await kled.listen();
  const kledClient = new KledClient({ ...(client.credentials === undefined ? {} : { credentials: client.credentials }) });
  const port = address.split(":").at(-1) ?? "";
  const echo = createEchoServiceClient(kledClient, { address: `${client.host ?? "127.0.0.1"}:${port}` });
  return {
    address,
    server: kled,
    client: kledClient,
    echo,
    async close() {
      await kledClient.close();
      await kled.shutdown(0);
    },
  };
}

/** The KledError a call rejects with; fails when it succeeds. */
export async function rejection(call: Promise<unknown>): Promise<KledError> {
  const outcome: unknown = await call.then(
    () => new Error("the call succeeded"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof KledError)) throw outcome;
  return outcome;
}

/** Request metadata carrying `Bearer <token>`. */
export function bearer(token: string, extra: Record<string, string> = {}): { metadata: Record<string, string> } {
  return { metadata: { authorization: `Bearer ${token}`, ...extra } };
}

export { Code };
