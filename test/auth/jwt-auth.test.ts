import { createServer, type Server } from "node:http";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { exportJWK, generateKeyPair } from "jose";
import { auth } from "@kled/runtime/auth";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, Code, rejection, startAuthEcho, type AuthHarness } from "./support/auth-harness.js";
import { AUDIENCE, expiredToken, forgedSubject, ISSUER, testKeys, token, type TestKeys } from "./support/tokens.js";

let keys: TestKeys;
let harness: AuthHarness;

beforeAll(async () => {
  keys = await testKeys();
  harness = await startAuthEcho({
    middleware: [
      auth({
        authenticators: [jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE, domainClaim: "tenant" })],
        publicMethods: ["kled.test.v1.EchoService/Count"],
      }),
    ],
  });
});
afterAll(() => harness?.close());

describe("JWT authentication", () => {
  it("takes the identity from a verified token: sub, the configured domain claim, roles", async () => {
    const jwt = await token(keys, "alice", { roles: ["reader", "writer"], extra: { tenant: "acme" } });
    const response = await harness.echo.echo({ text: "hi" }, bearer(jwt));
    expect(response.metadata).toMatchObject({
      "identity-subject": "alice",
      "identity-domain": "acme",
      "identity-roles": "reader writer",
      "identity-source": "jwt",
    });
  });

  it("answers UNAUTHENTICATED without a credential, naming what to send", async () => {
    const error = await rejection(harness.echo.echo({ text: "hi" }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe(
      '/kled.test.v1.EchoService/Echo needs a credential and the call carries none; send "authorization: Bearer <JWT>" metadata',
    );
  });

  it("refuses a tampered token without quoting it", async () => {
    const jwt = await token(keys, "mallory");
    const forged = forgedSubject(jwt, "admin");
    const error = await rejection(harness.echo.echo({ text: "hi" }, bearer(forged)));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/signature does not verify/);
    expect(error.message).not.toContain(forged.split(".")[2] ?? "");
    // A flipped signature byte, too.
    const flipped = `${jwt.slice(0, -2)}${jwt.at(-2) === "A" ? "B" : "A"}${jwt.at(-1)}`;
    expect((await rejection(harness.echo.echo({ text: "hi" }, bearer(flipped)))).code).toBe(Code.Unauthenticated);
  });

  it("refuses an expired token and says when it expired", async () => {
    const error = await rejection(harness.echo.echo({ text: "hi" }, bearer(await expiredToken(keys, "alice"))));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/^bearer token expired at \d{4}-\d\d-\d\dT.*; get a new token$/);
  });

  it("refuses tokens for another audience or from another issuer, or signed by another key", async () => {
    const otherAudience = await rejection(harness.echo.echo({ text: "x" }, bearer(await token(keys, "alice", { audience: "other" }))));
    expect(otherAudience.code).toBe(Code.Unauthenticated);
    expect(otherAudience.rawMessage).toMatch(/"aud"/);
    const otherIssuer = await rejection(harness.echo.echo({ text: "x" }, bearer(await token(keys, "alice", { issuer: "https://evil" }))));
    expect(otherIssuer.rawMessage).toMatch(/"iss"/);
    const stranger = await testKeys();
    expect((await rejection(harness.echo.echo({ text: "x" }, bearer(await token(stranger, "alice"))))).code).toBe(Code.Unauthenticated);
  });

  it("refuses malformed authorization metadata without echoing it", async () => {
    const basic = await rejection(harness.echo.echo({ text: "x" }, { metadata: { authorization: "Basic YWxpY2U6c2VjcmV0" } }));
    expect(basic.code).toBe(Code.Unauthenticated);
    expect(basic.rawMessage).toBe('request metadata "authorization" uses the "Basic" scheme; send "Bearer <JWT>"');
    const garbage = await rejection(harness.echo.echo({ text: "x" }, bearer("not-a-jwt")));
    expect(garbage.code).toBe(Code.Unauthenticated);
    expect(garbage.message).not.toContain("not-a-jwt");
  });

  it("never trusts user or domain metadata the caller sets", async () => {
    const spoofed = { user: "admin", domain: "root", "x-user": "admin", "x-roles": "admin" };
    const error = await rejection(harness.echo.echo({ text: "x" }, { metadata: spoofed }));
    expect(error.code).toBe(Code.Unauthenticated);
    const jwt = await token(keys, "alice", { extra: { tenant: "acme" } });
    const response = await harness.echo.echo({ text: "x" }, bearer(jwt, spoofed));
    expect(response.metadata).toMatchObject({ "identity-subject": "alice", "identity-domain": "acme", "identity-roles": "" });
  });

  it("leaves the health service open: it does not pass through middleware", async () => {
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    const client = new Health(harness.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
    };
    try {
      const status = await new Promise<string>((resolve, reject) =>
        client.check({ service: "kled.test.v1.EchoService" }, (error, response) => (error === null ? resolve(response?.status ?? "") : reject(error))),
      );
      expect(status).toBe("SERVING");
    } finally {
      client.close();
    }
  });

  it("lets public methods through without a credential, but still refuses a bad one", async () => {
    const values: number[] = [];
    for await (const { value } of harness.echo.count({ n: 2 })) values.push(value);
    expect(values).toEqual([1, 2]);
    const bad = harness.echo.count({ n: 2 }, bearer(await expiredToken(keys, "alice")));
    const error = await rejection((async () => {
      for await (const _ of bad) void _;
    })());
    expect(error.code).toBe(Code.Unauthenticated);
  });
});

describe("JWT keys", () => {
  it("verifies HS256 tokens with a shared secret and refuses short secrets", async () => {
    const secret = new Uint8Array(32).fill(7);
    const server = await startAuthEcho({
      middleware: [auth({ authenticators: [jwtAuthenticator({ secret, issuer: ISSUER, audience: AUDIENCE })] })],
    });
    try {
      const jwt = await issueToken({ subject: "svc", issuer: ISSUER, audience: AUDIENCE }, { key: secret, alg: "HS256" });
      expect((await server.echo.echo({ text: "x" }, bearer(jwt))).metadata["identity-subject"]).toBe("svc");
      const wrong = await issueToken({ subject: "svc", issuer: ISSUER, audience: AUDIENCE }, { key: new Uint8Array(32).fill(8), alg: "HS256" });
      expect((await rejection(server.echo.echo({ text: "x" }, bearer(wrong)))).code).toBe(Code.Unauthenticated);
    } finally {
      await server.close();
    }
    expect(() => jwtAuthenticator({ secret: "short", issuer: ISSUER, audience: AUDIENCE })).toThrow(/at least 32/);
    expect(() => jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE })).toThrow(/exactly one of jwksUrl, key or secret/);
  });

  it("fetches keys from a JWKS URL, picks them by kid, and answers UNAVAILABLE when it cannot fetch them", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES256", use: "sig" };
    const jwks: Server = createServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const port = (jwks.address() as { port: number }).port;
    const server = await startAuthEcho({
      middleware: [
        auth({ authenticators: [jwtAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: ISSUER, audience: AUDIENCE })] }),
      ],
    });
    try {
      const claims = { subject: "bob", issuer: ISSUER, audience: AUDIENCE };
      const good = await issueToken(claims, { key: privateKey, alg: "ES256", kid: "key-1" });
      expect((await server.echo.echo({ text: "x" }, bearer(good))).metadata["identity-subject"]).toBe("bob");
      const unknownKid = await issueToken(claims, { key: privateKey, alg: "ES256", kid: "key-2" });
      const noKey = await rejection(server.echo.echo({ text: "x" }, bearer(unknownKid)));
      expect(noKey.code).toBe(Code.Unauthenticated);
      expect(noKey.rawMessage).toMatch(/no key of the issuer's key set/);
    } finally {
      await server.close();
      await new Promise((resolve) => jwks.close(resolve));
    }
    const down = await startAuthEcho({
      middleware: [auth({ authenticators: [jwtAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: ISSUER, audience: AUDIENCE })] })],
    });
    try {
      const jwt = await issueToken({ subject: "bob", issuer: ISSUER, audience: AUDIENCE }, { key: privateKey, alg: "ES256", kid: "key-1" });
      const error = await rejection(down.echo.echo({ text: "x" }, { ...bearer(jwt), retry: false }));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/^cannot fetch the token signing keys from http:\/\/127\.0\.0\.1:\d+\/jwks\.json/);
    } finally {
      await down.close();
    }
  });
});
