import { KledClient, KledServer, silentLogger, type ClientMiddleware } from "@kled/runtime";
import { auth, bearerToken, forwardAuthorization } from "@kled/runtime/auth";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { bearer, Code, identityMetadata, rejection } from "./support/auth-harness.js";
import { AUDIENCE, ISSUER, testKeys, token, type TestKeys } from "./support/tokens.js";

let keys: TestKeys;
let downstream: KledServer;
let downstreamAddress: string;

beforeAll(async () => {
  keys = await testKeys();
  downstream = new KledServer({
    logger: silentLogger,
    middleware: [auth({ authenticators: [jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE })] })],
  });
  const handler = new EchoHandler();
  handler.onEcho = async (_request, context) => identityMetadata(context);
  registerEchoServiceHandler(downstream, handler);
  downstreamAddress = await downstream.listen();
});
afterAll(() => downstream?.shutdown(0));

/** A front service whose Echo calls the downstream one with a client using `middleware`; answers with what downstream saw. */
async function front(middleware: ClientMiddleware[]): Promise<{ call(jwt?: string): Promise<Record<string, string>>; close(): Promise<void> }> {
  const outgoing = new KledClient({ middleware });
  const server = new KledServer({
    logger: silentLogger,
    middleware: [auth({ authenticators: [jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE })] })],
  });
  const handler = new EchoHandler();
  handler.onEcho = async () => (await createEchoServiceClient(outgoing, { address: downstreamAddress }).echo({ text: "down" })).metadata;
  registerEchoServiceHandler(server, handler);
  const address = await server.listen();
  const caller = new KledClient();
  const echo = createEchoServiceClient(caller, { address });
  return {
    async call(jwt) {
      return (await echo.echo({ text: "front" }, jwt === undefined ? {} : bearer(jwt))).metadata;
    },
    async close() {
      await Promise.all([caller.close(), outgoing.close()]);
      await server.shutdown(0);
    },
  };
}

describe("credentials on outgoing calls", () => {
  it("does not forward the caller's token by default", async () => {
    const service = await front([]);
    try {
      const error = await rejection(service.call(await token(keys, "alice")));
      expect(error.code).toBe(Code.Unauthenticated);
    } finally {
      await service.close();
    }
  });

  it("forwardAuthorization() sends the caller's token on: downstream sees the original caller", async () => {
    const service = await front([forwardAuthorization()]);
    try {
      expect((await service.call(await token(keys, "alice")))["identity-subject"]).toBe("alice");
    } finally {
      await service.close();
    }
  });

  it("bearerToken() sends the service's own token; with both, the caller's wins inside a handler", async () => {
    const serviceToken = await token(keys, "svc-front", { roles: ["service"] });
    const own = await front([bearerToken(serviceToken)]);
    const both = await front([forwardAuthorization(), bearerToken(() => serviceToken)]);
    try {
      expect((await own.call(await token(keys, "alice")))["identity-subject"]).toBe("svc-front");
      expect((await both.call(await token(keys, "alice")))["identity-subject"]).toBe("alice");
    } finally {
      await Promise.all([own.close(), both.close()]);
    }
  });
});
