import { readFileSync } from "node:fs";
import { auth, mtlsAuthenticator } from "@kled/runtime/auth";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { describe, expect, it } from "vitest";
import { bearer, Code, rejection, startAuthEcho } from "./support/auth-harness.js";
import { AUDIENCE, ISSUER, testKeys, token } from "./support/tokens.js";

const pem = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const serverTls = { cert: pem("server.crt"), key: pem("server.key"), ca: pem("ca.crt") };
const client = (name: string) => ({ ca: pem("ca.crt"), cert: pem(`${name}.crt`), key: pem(`${name}.key`) });

describe("mTLS authentication", () => {
  it("takes the SPIFFE ID as subject and its trust domain as domain", async () => {
    const harness = await startAuthEcho(
      { credentials: serverTls, middleware: [auth({ authenticators: [mtlsAuthenticator()] })] },
      { credentials: client("spiffe-client"), host: "localhost" },
    );
    try {
      const response = await harness.echo.echo({ text: "x" }, { metadata: { user: "admin", domain: "root" } });
      expect(response.metadata).toMatchObject({
        "identity-subject": "spiffe://kled.test/ns/demo/sa/agent",
        "identity-domain": "kled.test",
        "identity-source": "mtls",
      });
    } finally {
      await harness.close();
    }
  });

  it("falls back to the subject CN, and takes a configured domain", async () => {
    const harness = await startAuthEcho(
      { credentials: serverTls, middleware: [auth({ authenticators: [mtlsAuthenticator({ domain: "batch" })] })] },
      { credentials: client("cn-client"), host: "localhost" },
    );
    try {
      const response = await harness.echo.echo({ text: "x" });
      expect(response.metadata).toMatchObject({ "identity-subject": "reporting-job", "identity-domain": "batch" });
    } finally {
      await harness.close();
    }
  });

  it("finds no credential on one-way TLS; a JWT authenticator after it still can", async () => {
    const keys = await testKeys();
    const harness = await startAuthEcho(
      {
        credentials: { ...serverTls, requireClientCert: false },
        middleware: [
          auth({
            authenticators: [mtlsAuthenticator(), jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE })],
          }),
        ],
      },
      { credentials: { ca: pem("ca.crt") }, host: "localhost" },
    );
    try {
      const error = await rejection(harness.echo.echo({ text: "x" }));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toMatch(/send a client certificate \(mTLS\) or "authorization: Bearer <JWT>" metadata$/);
      const response = await harness.echo.echo({ text: "x" }, bearer(await token(keys, "carol")));
      expect(response.metadata["identity-subject"]).toBe("carol");
    } finally {
      await harness.close();
    }
  });

  it("refuses a certificate without a SPIFFE ID when SPIFFE is required", async () => {
    const harness = await startAuthEcho(
      { credentials: serverTls, middleware: [auth({ authenticators: [mtlsAuthenticator({ subject: "spiffe" })] })] },
      { credentials: client("cn-client"), host: "localhost" },
    );
    try {
      const error = await rejection(harness.echo.echo({ text: "x" }));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toMatch(/no single spiffe:\/\/ URI SAN/);
    } finally {
      await harness.close();
    }
  });
});
