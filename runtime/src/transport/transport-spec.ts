/**
 * Which transport carries Kled-to-Kled calls: gRPC (always served, the
 * default for calls) or NATS request-reply next to it. Read by the server,
 * the client and the service; the NATS transport itself lives in the
 * `@kled/runtime/nats` subpath and is imported on first use.
 */
import { natsUrlFromEnv, natsUrlProblem, NATS_URL_ENV, redactNatsUrl } from "../broker/nats/options.js";

/** The environment variable naming the transport when no `transport` option is given. */
export const TRANSPORT_ENV = "KLED_TRANSPORT";

/**
 * The node metadata key under which a server that serves over NATS
 * advertises the subject its node answers on; clients on the NATS transport
 * send calls for that node there, other clients ignore it and use gRPC.
 */
export const NATS_SUBJECT_METADATA_KEY = "nats.subject";

/**
 * `"grpc"`; `"nats"` (the NATS at `KLED_NATS_URL`, else
 * nats://127.0.0.1:4222); or a URL `nats://host:port` (several
 * comma-separated, `user:password@` when needed).
 */
export type TransportOption = "grpc" | "nats" | `nats://${string}`;

/** A transport option, checked. */
export type TransportSpec = { readonly kind: "grpc" } | { readonly kind: "nats"; readonly url: string };

/** Resolves `option`, or `KLED_TRANSPORT` when it is undefined (default gRPC); throws naming a bad value. */
export function resolveTransport(option: string | undefined, env: NodeJS.ProcessEnv = process.env): TransportSpec {
  if (option !== undefined) return resolve(option, `transport ${JSON.stringify(redactNatsUrl(option))}`, env);
  const value = env[TRANSPORT_ENV]?.trim();
  if (value === undefined || value === "") return { kind: "grpc" };
  return resolve(value, `${TRANSPORT_ENV}=${JSON.stringify(redactNatsUrl(value))}`, env);
}

function resolve(spec: string, label: string, env: NodeJS.ProcessEnv): TransportSpec {
  if (spec === "grpc") return { kind: "grpc" };
  if (spec !== "nats" && !spec.startsWith("nats://")) {
    throw new Error(`${label}: unknown transport; use "grpc", "nats" (the NATS at $${NATS_URL_ENV}) or a URL nats://host:port`);
  }
  const url = spec === "nats" ? natsUrlFromEnv(env) : spec;
  const problem = natsUrlProblem(url);
  if (problem !== undefined) throw new Error(`${label}: ${redactNatsUrl(url)} ${problem}`);
  return { kind: "nats", url };
}
