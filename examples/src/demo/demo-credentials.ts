import { generateKeyPairSync } from "node:crypto";
import { issueToken } from "@kled/runtime/jwt";
import { AUTH_ENV, DEMO_ISSUER, MCP_AUDIENCE } from "../shared/auth-env.js";

/** The demo's identity provider for one run: a key pair, and the tokens it signed. */
export interface DemoCredentials {
  /** Environment for the MCP services: the public key to verify tokens with. */
  readonly mcpEnv: Readonly<Record<string, string>>;
  /** Environment for the agent: its service token. */
  readonly agentEnv: Readonly<Record<string, string>>;
  /** The demo's own token, with the tool-user role (to read kled://stats from each instance). */
  readonly operatorToken: string;
  /** A valid token without any role, to show that authorization refuses it. */
  readonly roleless: string;
  /** The MCP gateway's token (subject kled.gateway, the tool-user role), which it sends with every backend call. */
  readonly gatewayToken: string;
}

/**
 * Generates an Ed25519 key pair, gives the MCP services the public key (as a
 * JWK) and signs the tokens: the agent's (subject kled.agent, which the
 * mcp-tools policy grants tool-user), the demo's own and the MCP gateway's (the
 * tool-user role in the token), and one without a role. The private key never leaves this process.
 */
export async function demoCredentials(): Promise<DemoCredentials> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signer = { key: privateKey, alg: "EdDSA" };
  const claims = { issuer: DEMO_ISSUER, audience: MCP_AUDIENCE, domain: "demo" };
  return {
    mcpEnv: {
      [AUTH_ENV.publicKey]: JSON.stringify(publicKey.export({ format: "jwk" })),
      [AUTH_ENV.issuer]: DEMO_ISSUER,
      [AUTH_ENV.audience]: MCP_AUDIENCE,
    },
    agentEnv: { [AUTH_ENV.serviceToken]: await issueToken({ ...claims, subject: "kled.agent" }, signer) },
    operatorToken: await issueToken({ ...claims, subject: "kled.demo", roles: ["tool-user"] }, signer),
    roleless: await issueToken({ ...claims, subject: "kled.stranger" }, signer),
    gatewayToken: await issueToken({ ...claims, subject: "kled.gateway", roles: ["tool-user"] }, signer),
  };
}
