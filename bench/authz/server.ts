/**
 * The authz suite's server, one process per mode: the echo service as in
 * bench/rpc/kled-server.ts (a `Service` with its defaults), and in front of
 * the handler, as the auth docs prescribe (first in `middleware`):
 *   none    nothing: the baseline; the token the client sends is ignored
 *   jwt     auth() with a JWT authenticator, with its defaults: a token's
 *           signature, expiry, issuer and audience are checked when it is
 *           first seen, then the token is recognised from the authenticator's
 *           verified-token cache until it expires (at most a minute)
 *   casbin  the same, plus a CasbinAuthorizer loading policy.csv through
 *           Casbin's file adapter, as a user's service would. It caches
 *           decisions, as it does in production: after the first call the
 *           policy is not walked again, and the rows measure that steady state.
 * Usage (by suite.ts): server.ts <mode>, with the HS256 secret in
 * KLED_BENCH_AUTH_SECRET.
 */
import { fileURLToPath } from "node:url";
import { Service, type ServerMiddleware } from "@kled/runtime";
import { auth } from "@kled/runtime/auth";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { echoHandler } from "../rpc/echo-handler.js";
import { serveCommands } from "../support/child-process.js";
import {
  AUTH_MODES,
  authServiceName,
  isAuthMode,
  requiredEnv,
  SECRET_ENV,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AuthMode,
} from "./workload.js";

const POLICY = fileURLToPath(new URL("./policy.csv", import.meta.url));

const [mode] = process.argv.slice(2);
if (!isAuthMode(mode)) throw new Error(`usage: server.ts <${AUTH_MODES.join(" | ")}>`);

const service = new Service({ name: authServiceName(mode), middleware: await authMiddleware(mode) });
registerEchoServiceHandler(service.server, echoHandler);
await service.start();
serveCommands({ address: service.address ?? "" }, {}, () => service.stop());

async function authMiddleware(mode: AuthMode): Promise<ServerMiddleware[]> {
  if (mode === "none") return [];
  const authenticators = [jwtAuthenticator({ secret: requiredEnv(SECRET_ENV), issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE })];
  if (mode === "jwt") return [auth({ authenticators })];
  return [auth({ authenticators, authorizer: await CasbinAuthorizer.fromFiles({ policy: POLICY }) })];
}
