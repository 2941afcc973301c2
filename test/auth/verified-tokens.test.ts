import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code, KledError, type Identity, type ServerContext } from "@kled/runtime";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import { VerifiedTokens } from "../../runtime/src/auth/jwt/verified-tokens.js";

const identity = (subject: string): Identity => ({ subject, claims: { sub: subject }, source: "jwt" });

describe("VerifiedTokens", () => {
  it("serves a token until its expiry or its maximum age, whichever comes first", () => {
    let now = 1_000_000;
    const cache = new VerifiedTokens({ maxAgeMs: 60_000 }, () => now);
    cache.add("expires-soon", identity("a"), now + 5_000);
    cache.add("expires-late", identity("b"), now + 3_600_000);
    cache.add("no-exp", identity("c"), undefined);
    now += 5_000;
    expect(cache.get("expires-soon")?.subject).toBe("a");
    now += 1;
    expect(cache.get("expires-soon")).toBeUndefined();
    expect(cache.get("expires-late")?.subject).toBe("b");
    now += 55_000;
    expect(cache.get("expires-late")).toBeUndefined();
    expect(cache.get("no-exp")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used token when full", () => {
    const cache = new VerifiedTokens({ maxEntries: 2 });
    cache.add("t1", identity("a"), undefined);
    cache.add("t2", identity("b"), undefined);
    expect(cache.get("t1")?.subject).toBe("a"); // t2 is now the least recently used
    cache.add("t3", identity("c"), undefined);
    expect([cache.get("t1")?.subject, cache.get("t2"), cache.get("t3")?.subject]).toEqual(["a", undefined, "c"]);
  });

  it("names a bound that is not a positive number", () => {
    expect(() => new VerifiedTokens({ maxEntries: 0 })).toThrow("verifiedTokenCache.maxEntries is 0; use a positive number");
    expect(() => new VerifiedTokens({ maxAgeMs: Number.NaN })).toThrow("verifiedTokenCache.maxAgeMs is NaN");
  });
});

describe("jwtAuthenticator with its verified-token cache", () => {
  const secret = randomBytes(32);
  const signer = { key: secret, alg: "HS256" };
  const claims = { issuer: "kled.test", audience: "echo" };
  const contextWith = (token: string) => ({ metadata: { getAll: () => [`Bearer ${token}`] } }) as unknown as ServerContext;
  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => KledError.from(error));

  it("recognises only the exact token it verified: a tampered copy is still refused", async () => {
    const authenticator = jwtAuthenticator({ secret, ...claims });
    const token = await issueToken({ ...claims, subject: "alice", ttlSec: 600 }, signer);
    const [first, second] = [await authenticator.authenticate(contextWith(token)), await authenticator.authenticate(contextWith(token))];
    expect(first?.subject).toBe("alice");
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first?.roles) && Object.isFrozen(first?.claims)).toBe(true);
    const [header, , signature] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sub: "admin", iss: claims.issuer, aud: claims.audience })).toString("base64url");
    const error = await refusal(authenticator.authenticate(contextWith(`${header}.${forgedPayload}.${signature}`)));
    expect(error?.code).toBe(Code.Unauthenticated);
  });

  it("stops accepting a cached token once it expires", async () => {
    const authenticator = jwtAuthenticator({ secret, ...claims, clockToleranceSec: 0 });
    const token = await issueToken({ ...claims, subject: "bob", ttlSec: 1 }, signer);
    expect((await authenticator.authenticate(contextWith(token)))?.subject).toBe("bob");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const error = await refusal(authenticator.authenticate(contextWith(token)));
    expect(error?.code).toBe(Code.Unauthenticated);
    expect(error?.rawMessage).toMatch(/expired/);
  });
});
