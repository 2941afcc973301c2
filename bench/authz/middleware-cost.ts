/**
 * What the auth middleware costs one call in-process, without the network:
 * the server middleware of each authz mode (server.ts) in front of a handler
 * that answers at once, the token arriving in grpc-js metadata as the
 * server reads it. The authz suite measures the same through gRPC, where a
 * few microseconds disappear in the machine's noise; here they are all there
 * is. Not part of `npm run bench`; it runs the compiled runtime (build it
 * first: npm run build -w runtime), as the suite does.
 *   none    no middleware: the handler alone
 *   jwt     auth() with the JWT authenticator (the verified-token cache hit)
 *   casbin  the same plus the CasbinAuthorizer on policy.csv (decision cached)
 * The modes take turns, round after round, in one process; the figures are
 * medians over rounds, in µs per call.
 * Usage: node --import tsx bench/authz/middleware-cost.ts [rounds [calls per round]]
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import type { ServerMiddleware, ServerNext, ServerRequest } from "@kled/runtime";
import { auth } from "@kled/runtime/auth";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
// Not exported: the view of grpc-js metadata the server's middleware reads (from the sources, which
// tsx compiles: the type-check of a fresh checkout has no dist/ yet).
import { GrpcMetadataView } from "../../runtime/src/context/grpc-metadata-view.js";
import { median } from "../support/stats.js";
import { AUTH_MODES, CALLER_DOMAIN, CALLER_ROLES, CALLER_SERVICE_NAME, TOKEN_AUDIENCE, TOKEN_ISSUER, type AuthMode } from "./workload.js";

const [rounds = "7", callsPerRound = "200000"] = process.argv.slice(2);

const secret = randomBytes(32).toString("base64url");
const token = await issueToken(
  { subject: CALLER_SERVICE_NAME, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, domain: CALLER_DOMAIN, roles: CALLER_ROLES },
  { key: new TextEncoder().encode(secret), alg: "HS256" },
);
const authenticators = [jwtAuthenticator({ secret, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE })];
const policy = fileURLToPath(new URL("./policy.csv", import.meta.url));
const middleware: Record<AuthMode, ServerMiddleware | undefined> = {
  none: undefined,
  jwt: auth({ authenticators }),
  casbin: auth({ authenticators, authorizer: await CasbinAuthorizer.fromFiles({ policy }) }),
};

const answer = { stream: false as const, message: {} };
const handler: ServerNext = async () => answer as never;
const service = { typeName: "kled.test.v1.EchoService" };
const method = { name: "Echo", path: "/kled.test.v1.EchoService/Echo" };

/** A call as the server sees it: the token in fresh grpc-js metadata, a context of its own. */
function request(): ServerRequest {
  const metadata = new GrpcMetadata();
  metadata.set("authorization", `Bearer ${token}`);
  return { stream: false, service, method, context: { metadata: new GrpcMetadataView(metadata), identity: undefined } } as unknown as ServerRequest;
}

async function microsecondsPerCall(next: ServerNext, calls: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await next(request());
  return ((performance.now() - started) * 1000) / calls;
}

const chains = AUTH_MODES.map((mode) => ({ mode, next: middleware[mode]?.(handler) ?? handler }));
const figures = new Map<AuthMode, number[]>(AUTH_MODES.map((mode) => [mode, []]));
for (const { next } of chains) await microsecondsPerCall(next, 20_000); // warm-up
for (let round = 0; round < Number(rounds); round++) {
  const order = round % 2 === 0 ? chains : [...chains].reverse();
  for (const { mode, next } of order) figures.get(mode)?.push(await microsecondsPerCall(next, Number(callsPerRound)));
}
const none = median(figures.get("none") ?? []);
console.log(`auth middleware in process, Node ${process.version}, median of ${rounds} rounds of ${callsPerRound} calls:`);
for (const mode of AUTH_MODES) {
  const perCall = median(figures.get(mode) ?? []);
  console.log(`  ${mode.padEnd(7)} ${perCall.toFixed(2)} µs per call${mode === "none" ? "" : `, +${(perCall - none).toFixed(2)} µs over none`}`);
}
