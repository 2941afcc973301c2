import { randomBytes } from "node:crypto";
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { issueToken, type TokenClaims } from "@kled/runtime/jwt";

/** The issuer and audience test tokens are made for. */
export const ISSUER = "https://id.kled.test";
export const AUDIENCE = "kled.test.v1.EchoService";

/** An Ed25519 key pair and an HMAC secret, fresh per test file. */
export interface TestKeys {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly secret: Uint8Array;
}

export async function testKeys(): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
  return { privateKey, publicKey, secret: randomBytes(32) };
}

/** A valid EdDSA token for `subject`, with the test issuer and audience unless overridden. */
export function token(keys: TestKeys, subject: string, claims: Partial<TokenClaims> = {}): Promise<string> {
  return issueToken({ subject, issuer: ISSUER, audience: AUDIENCE, ...claims }, { key: keys.privateKey, alg: "EdDSA" });
}

/** A token that expired `agoSec` seconds ago (beyond the default 30 s tolerance). */
export function expiredToken(keys: TestKeys, subject: string, agoSec = 120): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now - agoSec - 3_600)
    .setExpirationTime(now - agoSec)
    .sign(keys.privateKey);
}

/** `token` with its payload replaced by one claiming `subject`, the signature kept. */
export function forgedSubject(token: string, subject: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: subject })).toString("base64url");
  return `${header}.${forged}.${signature}`;
}
