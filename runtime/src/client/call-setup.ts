/**
 * The parts of a request every call kind shares, from the call options, the
 * service client's defaults, the client's defaults and, inside a handler,
 * the call being served: its deadline bounds ours, its cancellation cancels
 * ours, and its trace metadata travels on.
 */
import type { Codecs } from "../codec/codecs.js";
import { currentContext } from "../context/current-context.js";
import { Metadata } from "../context/metadata.js";
import { earliest, PROPAGATED_METADATA_KEYS, REQUEST_ID_KEY } from "../context/propagation.js";
import type { CallOptions, MethodCall } from "./client.js";
import type { ClientRequest, StreamClientRequest, UnaryClientRequest } from "./middleware.js";
import { NEVER_ABORTED } from "../transport/abort.js";

/** What a request carries: one message, or a stream of them. */
export type RequestBody =
  | Pick<UnaryClientRequest, "stream" | "message">
  | Pick<StreamClientRequest, "stream" | "messages">;

/** Client-level defaults a call falls back on. */
export interface CallDefaults {
  /** Timeout of unary and client-streaming calls in milliseconds. */
  readonly timeoutMs: number;
  readonly codec: string;
  readonly codecs: Codecs;
  /** The configured timeout of a method of a service, ms, if any (resilience configuration). */
  readonly configuredTimeoutMs?: (serviceName: string, method: MethodCall["method"]) => number | undefined;
}

/** The `exclude` of a new request, shared: nothing adds to it (ReadonlySet); retries make sets of their own. */
const NOTHING_EXCLUDED: ReadonlySet<string> = new Set();

/** Builds the request of `call` carrying `body`. */
export function newRequest(call: MethodCall, options: CallOptions, defaults: CallDefaults, body: RequestBody): ClientRequest {
  const parent = currentContext();
  const { service, method } = call;
  const metadata = new Metadata(call.defaults.metadata);
  if (options.metadata !== undefined) metadata.assign(options.metadata);
  for (const key of PROPAGATED_METADATA_KEYS) {
    if (metadata.has(key) || parent === undefined) continue;
    for (const value of parent.metadata.getAll(key)) metadata.append(key, value);
  }
  // Inside a handler, the call carries the request's id on (the server made
  // one if its caller sent none). Outside, the caller may choose one, the
  // client logging middleware adds one when it logs calls at info, and
  // otherwise none is sent and the server makes it: a header whose value
  // differs on every call cannot be indexed by HPACK and cost about 12 µs of
  // client CPU and 6 % of a small unary call's throughput here.
  if (parent !== undefined && !metadata.has(REQUEST_ID_KEY)) metadata.set(REQUEST_ID_KEY, parent.requestId);
  const serviceName = call.defaults.service ?? service.typeName;
  const head: Omit<UnaryClientRequest, "stream" | "message" | "retry"> & { retry?: boolean } = {
    method,
    service,
    serviceName,
    address: call.defaults.address,
    exclude: NOTHING_EXCLUDED,
    metadata,
    deadline: earliest(ownDeadline(call, serviceName, options, defaults), parent?.deadline),
    signal: combine(options.signal, parent?.signal),
    codec: defaults.codecs.require(call.defaults.codec ?? defaults.codec),
    onHeader: options.onHeader,
    onTrailer: options.onTrailer,
  };
  if (options.retry !== undefined) head.retry = options.retry;
  // Assigned rather than spread into a new object: a call builds its request once.
  return Object.assign(head, body);
}

/**
 * The call's own deadline. Precedence: the call's `deadline`, its
 * `timeoutMs`, the service client's `timeoutMs`, the resilience
 * configuration, the client's default.
 */
function ownDeadline(call: MethodCall, serviceName: string, options: CallOptions, defaults: CallDefaults): Date | undefined {
  if (options.deadline !== undefined) return options.deadline;
  // Streams may rightly last long (watches, task events): the client-wide
  // default timeout bounds only calls with a single response.
  const single = call.method.kind === "unary" || call.method.kind === "client_streaming";
  const timeoutMs =
    options.timeoutMs ??
    call.defaults.timeoutMs ??
    defaults.configuredTimeoutMs?.(serviceName, call.method) ??
    (single ? defaults.timeoutMs : undefined);
  if (timeoutMs === undefined) return undefined;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`${call.method.path}: timeoutMs ${timeoutMs} is invalid; use a positive number of milliseconds`);
  }
  return new Date(Date.now() + timeoutMs);
}

function combine(own: AbortSignal | undefined, inherited: AbortSignal | undefined): AbortSignal {
  if (own === undefined) return inherited ?? NEVER_ABORTED;
  if (inherited === undefined) return own;
  return AbortSignal.any([own, inherited]);
}
