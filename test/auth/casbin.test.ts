import { fileURLToPath } from "node:url";
import { silentLogger } from "@kled/runtime";
import { auth } from "@kled/runtime/auth";
import { CasbinAuthorizer, policySubject } from "@kled/runtime/casbin";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, Code, rejection, startAuthEcho, type AuthHarness } from "./support/auth-harness.js";
import { AUDIENCE, ISSUER, testKeys, token, type TestKeys } from "./support/tokens.js";

const policy = fileURLToPath(new URL("./fixtures/policy.csv", import.meta.url));

describe("CasbinAuthorizer on a policy file", () => {
  let authorizer: CasbinAuthorizer;
  beforeAll(async () => {
    authorizer = await CasbinAuthorizer.fromFiles({ policy, logger: silentLogger });
  });

  it("grants through roles in a domain, and roles granted in every domain", async () => {
    expect(await authorizer.enforce("alice", "acme", "kled.test.v1.EchoService", "Echo")).toBe(true);
    expect(await authorizer.enforce("alice", "globex", "kled.test.v1.EchoService", "Echo")).toBe(false);
    expect(await authorizer.enforce("bob", "globex", "kled.mcp.v1.McpService", "CallTool")).toBe(true);
  });

  it("matches services and methods with wildcards", async () => {
    expect(await authorizer.enforce("bob", "any", "kled.mcp.v1.McpService", "ListTools")).toBe(true);
    expect(await authorizer.enforce("counter", "any", "kled.test.v1.EchoService", "Count")).toBe(true);
    expect(await authorizer.enforce("counter", "any", "kled.test.v1.EchoService", "Echo")).toBe(false);
    expect(await authorizer.enforce("counter", "any", "kled.other.v1.X", "Count")).toBe(false);
  });

  it("denies by default, naming subject, domain, service and method", async () => {
    expect(await authorizer.enforce("carol", "acme", "kled.test.v1.EchoService", "Echo")).toBe(false);
    const error = await rejection(authorizer.check("carol", "acme", "kled.test.v1.EchoService", "Echo"));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe(
      'subject "carol" in domain "acme" may not call kled.test.v1.EchoService/Echo; no policy rule grants it (ask an operator to grant a role that allows it)',
    );
  });

  it("authorizes an identity by its subject or the roles its credential carries", async () => {
    const request = { service: "kled.mcp.v1.McpService", method: "CallTool" };
    await authorizer.authorize({ subject: "dave", domain: "acme", roles: ["tool-user"], claims: {}, source: "jwt" }, request);
    const denied = await rejection(authorizer.authorize({ subject: "dave", domain: "acme", roles: ["other"], claims: {}, source: "jwt" }, request));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toMatch(/^subject "dave" in domain "acme" may not call kled.mcp.v1.McpService\/CallTool/);
  });

  it("changes made through it take effect at once (the decision cache is cleared)", async () => {
    expect(await authorizer.enforce("erin", "acme", "kled.test.v1.EchoService", "Echo")).toBe(false);
    await authorizer.addRoleForUser("erin", "echo-reader", "acme");
    expect(await authorizer.enforce("erin", "acme", "kled.test.v1.EchoService", "Echo")).toBe(true);
    await authorizer.removeRoleForUser("erin", "echo-reader", "acme");
    expect(await authorizer.enforce("erin", "acme", "kled.test.v1.EchoService", "Echo")).toBe(false);
    // A file adapter keeps changes in memory only; a reload goes back to the file.
    await authorizer.addPolicy(policySubject("erin"), "*", "*", "*");
    expect(await authorizer.enforce("erin", "x", "y", "z")).toBe(true);
    await authorizer.reload();
    expect(await authorizer.enforce("erin", "x", "y", "z")).toBe(false);
  });

  it("remembers what an identity was allowed only until the policy changes or reloads", async () => {
    // One identity object, as the JWT authenticator hands out for every call with the same token.
    const frank = { subject: "frank", domain: "acme", claims: {}, source: "jwt" } as const;
    const echo = { service: "kled.test.v1.EchoService", method: "Echo" };
    await authorizer.addRoleForUser("frank", "echo-reader", "acme");
    await authorizer.authorize(frank, echo);
    await authorizer.authorize(frank, echo); // from the identity's cache
    await authorizer.removeRoleForUser("frank", "echo-reader", "acme");
    expect((await rejection(authorizer.authorize(frank, echo))).code).toBe(Code.PermissionDenied);
    await authorizer.addRoleForUser("frank", "echo-reader", "acme");
    await authorizer.authorize(frank, echo);
    await authorizer.reload(); // back to the file, which does not know frank
    expect((await rejection(authorizer.authorize(frank, echo))).code).toBe(Code.PermissionDenied);
  });
});

describe("auth middleware with a Casbin authorizer", () => {
  let keys: TestKeys;
  let harness: AuthHarness;
  beforeAll(async () => {
    keys = await testKeys();
    const authorizer = await CasbinAuthorizer.fromFiles({ policy, logger: silentLogger });
    harness = await startAuthEcho({
      middleware: [
        auth({
          authenticators: [jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE })],
          authorizer,
          publicMethods: ["kled.test.v1.EchoService/Sum"],
        }),
      ],
    });
  });
  afterAll(() => harness?.close());

  it("lets a caller with the role in its domain through", async () => {
    const jwt = await token(keys, "alice", { domain: "acme" });
    expect((await harness.echo.echo({ text: "x" }, bearer(jwt))).metadata["identity-subject"]).toBe("alice");
  });

  it("answers PERMISSION_DENIED to a valid token without the role", async () => {
    const error = await rejection(harness.echo.echo({ text: "x" }, bearer(await token(keys, "mallory", { domain: "acme" }))));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toMatch(/^subject "mallory" in domain "acme" may not call kled.test.v1.EchoService\/Echo;/);
    const otherDomain = await rejection(harness.echo.echo({ text: "x" }, bearer(await token(keys, "alice", { domain: "globex" }))));
    expect(otherDomain.code).toBe(Code.PermissionDenied);
  });

  it("is not fooled by user, domain or role metadata", async () => {
    const jwt = await token(keys, "mallory", { domain: "globex" });
    const error = await rejection(
      harness.echo.echo({ text: "x" }, bearer(jwt, { user: "alice", domain: "acme", roles: "echo-reader", "x-forwarded-user": "alice" })),
    );
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toMatch(/^subject "mallory" in domain "globex"/);
  });

  it("gives a token whose subject is a role's name none of that role's rights", async () => {
    const error = await rejection(harness.echo.echo({ text: "x" }, bearer(await token(keys, "echo-reader", { domain: "acme" }))));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toMatch(/^subject "echo-reader" in domain "acme" may not call kled.test.v1.EchoService\/Echo;/);
    const withRole = await harness.echo.echo({ text: "x" }, bearer(await token(keys, "someone", { domain: "acme", roles: ["echo-reader"] })));
    expect(withRole.metadata["identity-subject"]).toBe("someone");
  });

  it("still answers UNAUTHENTICATED, not PERMISSION_DENIED, without a token", async () => {
    expect((await rejection(harness.echo.echo({ text: "x" }))).code).toBe(Code.Unauthenticated);
  });

  it("leaves public methods open", async () => {
    async function* values() {
      yield { value: 2n };
      yield { value: 3n };
    }
    expect((await harness.echo.sum(values())).total).toBe(5n);
  });
});
