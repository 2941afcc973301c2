/**
 * Prints a throwaway HS256 secret and tokens for trying the example
 * services by hand:
 *
 *   eval "$(node --conditions=kled:source --import tsx examples/src/auth/dev-credentials.ts)"
 *   node --conditions=kled:source --import tsx examples/src/mcp/main.ts --address 127.0.0.1:50051
 *   npx buf curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer $KLED_DEV_TOKEN" \
 *     http://127.0.0.1:50051/kled.mcp.v1.McpService/ListTools
 *
 * KLED_SERVICE_TOKEN is the agent's token (subject kled.agent, which the
 * mcp-tools policy grants the tool-user role); KLED_DEV_TOKEN carries the
 * tool-user role itself. Both expire in a day.
 */
import { randomBytes } from "node:crypto";
import { issueToken } from "@kled/runtime/jwt";
import { AUTH_ENV, DEMO_ISSUER, MCP_AUDIENCE } from "../shared/auth-env.js";

/** A day: long enough for an afternoon of experiments. */
const DEV_TOKEN_TTL_SEC = 86_400;

const secret = randomBytes(32).toString("base64url");
const signer = { key: new TextEncoder().encode(secret), alg: "HS256" };
const claims = { issuer: DEMO_ISSUER, audience: MCP_AUDIENCE, ttlSec: DEV_TOKEN_TTL_SEC };
const agent = await issueToken({ ...claims, subject: "kled.agent" }, signer);
const developer = await issueToken({ ...claims, subject: "developer", roles: ["tool-user"] }, signer);
process.stdout.write(
  [
    `export ${AUTH_ENV.secret}=${secret}`,
    `export ${AUTH_ENV.serviceToken}=${agent}`,
    `export KLED_DEV_TOKEN=${developer}`,
    "",
  ].join("\n"),
);
