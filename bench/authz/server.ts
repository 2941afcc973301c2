/**
 * The authz suite's server process: the echo service as in
 * bench/rpc/kled-server.ts (a `Service` with its defaults), three times,
 * one `Service` per mode on a port of its own, and in front of the handler,
 * as the auth docs prescribe (first in `middleware`):
 *   none    nothing: the baseline; the token the client sends is ignored
 *   jwt     auth() with a JWT authenticator, with its defaults: a token's
 *           signature, expiry, issuer and audience are checked when it is
 *           first seen, then the token is recognised from the authenticator's
 *           verified-token cache until it expires (at most a minute)
 *   casbin  the same, plus a CasbinAuthorizer loading policy.csv through
 *           Casbin's file adapter, as a user's service would. It caches
 *           decisions, as it does in production: after the first call the
 *           policy is not walked again, and the rows measure that steady state.
 * One process for the three, so that they share one JIT and one place on
 * the machine: in a process of its own, each mode's CPU per call moved by
 * more than the middleware costs (about 2 µs a call in process), and the
 * casbin server once measured 0.88× the CPU of the one without auth. The
 * suite runs one mode at a time, so the process's CPU time during a run is
 * that mode's.
 * Usage (by suite.ts): server.ts, with the HS256 secret in KLED_BENCH_AUTH_SECRET.
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
  requiredEnv,
  SECRET_ENV,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AuthMode,
} from "./workload.js";

const POLICY = fileURLToPath(new URL("./policy.csv", import.meta.url));

const services = await Promise.all(
  AUTH_MODES.map(async (mode) => {
    const service = new Service({ name: authServiceName(mode), middleware: await authMiddleware(mode) });
    registerEchoServiceHandler(service.server, echoHandler);
    await service.start();
    return service;
  }),
);
serveCommands({}, {}, async () => {
  await Promise.all(services.map((service) => service.stop()));
});

async function authMiddleware(mode: AuthMode): Promise<ServerMiddleware[]> {
  if (mode === "none") return [];
  const authenticators = [jwtAuthenticator({ secret: requiredEnv(SECRET_ENV), issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE })];
  if (mode === "jwt") return [auth({ authenticators })];
  return [auth({ authenticators, authorizer: await CasbinAuthorizer.fromFiles({ policy: POLICY }) })];
}
