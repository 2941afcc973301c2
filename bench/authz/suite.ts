/**
 * Suite 6: what authorization costs a Kled service. The same echo service
 * three times, in one server process (server.ts): with the auth middleware
 * (JWT authentication and the Casbin authorizer), with JWT authentication
 * only, and with no auth middleware, the baseline of both comparisons. One
 * load process sends the same token to all three. The JWT-only rows tell
 * token verification's share from Casbin's. The target is the performance
 * issue's: with JWT and Casbin on, at least 0.95× the calls/s without auth;
 * the other rows are for information.
 */
import { randomBytes } from "node:crypto";
import { compareTargets, runMeasures, whenReady } from "../support/compare.js";
import type { RunArgs } from "../support/load-program.js";
import { benchProgram } from "../support/paths.js";
import { costRow, latencyRow, rateRow } from "../support/rows.js";
import { startChild, type Child } from "../support/spawn.js";
import type { Suite, SuiteContext } from "../support/suite.js";
import { HIGH_IN_FLIGHT } from "../rpc/workload.js";
import {
  AUTH_MODES,
  CALLER_DOMAIN,
  CALLER_ROLES,
  CALLER_SERVICE_NAME,
  SECRET_ENV,
  TOKEN_AUDIENCE,
  TOKEN_ENV,
  TOKEN_ISSUER,
  type AuthMode,
} from "./workload.js";

/** The load process, with the server process of the three services it calls started and discovered. */
async function authzProcesses(context: SuiteContext): Promise<{ load: Child; server: Child }> {
  const { children, env } = context;
  const profileDir = context.settings.profileDir;
  // A secret per bench run, never written anywhere: the token is worthless once the run ends.
  const secret = randomBytes(32).toString("base64url");
  const label = "authz-server";
  const server = await children.get(label, () =>
    startChild(benchProgram("authz", "server.ts"), { label, env: { ...env, [SECRET_ENV]: secret }, profileDir }),
  );
  const load = await children.get("authz-load", async () => {
    const load = await startChild(benchProgram("authz", "load.ts"), {
      label: "authz-load",
      env: { ...env, [TOKEN_ENV]: await callerToken(secret) },
      profileDir,
    });
    // `ready` retries until a call succeeds, so it also proves that the
    // token is accepted and the policy grants it: a measured run fails on
    // any error, so the rounds count authorized calls only.
    await whenReady(load, AUTH_MODES);
    // compareTargets warms up only the two services it compares, so the
    // JWT-only one, compared last, would be measured less warm than the
    // Casbin one it is meant to be subtracted from. Every service gets the
    // same load once before any measurement.
    for (const mode of AUTH_MODES) {
      await load.call("run", { target: mode, inFlight: HIGH_IN_FLIGHT, durationMs: context.settings.warmupMs } satisfies RunArgs);
    }
    return load;
  });
  return { load, server };
}

/**
 * The load process's token, issued here so that the load process never
 * holds the key. The runtime is imported only when this suite runs: the
 * orchestrator needs nothing else from it.
 */
async function callerToken(secret: string): Promise<string> {
  const { issueToken } = await import("@kled/runtime/jwt");
  return issueToken(
    { subject: CALLER_SERVICE_NAME, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, domain: CALLER_DOMAIN, roles: CALLER_ROLES },
    { key: new TextEncoder().encode(secret), alg: "HS256" },
  );
}

/** JWT + Casbin on keeps at least this ratio of the calls/s with no auth middleware. */
const AUTHZ_RATE_TARGET = 0.95;

const { rate, p50Ms: p50, serverCpu } = runMeasures;

export const authzSuite: Suite = {
  name: "authz",
  title: "Authorization overhead (Echo, JWT + Casbin RBAC) vs the same Kled service without auth, in one server process",
  async run(context) {
    const { load, server } = await authzProcesses(context);
    // Both comparisons have the service without auth as their baseline.
    const against = (mode: AuthMode, inFlight: number, what: string) =>
      compareTargets(
        context,
        load,
        { kled: mode, baseline: "none" },
        { kled: server, baseline: server },
        inFlight,
        `authz ${what}, ${inFlight} in flight`,
      );
    const casbinOne = await against("casbin", 1, "JWT + Casbin");
    const casbinMany = await against("casbin", HIGH_IN_FLIGHT, "JWT + Casbin");
    const jwtMany = await against("jwt", HIGH_IN_FLIGHT, "JWT only");
    return {
      rows: [
        rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight, JWT + Casbin`, "/s", casbinMany, rate, AUTHZ_RATE_TARGET),
        latencyRow("p50 latency, 1 in flight, JWT + Casbin", casbinOne, p50),
        // Server CPU per call is the middleware's cost itself, apart from
        // the client's, and depends less than throughput on what else runs.
        costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight, JWT + Casbin`, "µs", casbinMany, serverCpu),
        rateRow(`calls/s, ${HIGH_IN_FLIGHT} in flight, JWT only`, "/s", jwtMany, rate),
        costRow(`server CPU per call, ${HIGH_IN_FLIGHT} in flight, JWT only`, "µs", jwtMany, serverCpu),
      ],
    };
  },
};
