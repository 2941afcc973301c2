/**
 * The few Consul agent HTTP endpoints the registry uses, through the `consul`
 * npm client, typed after Consul's API docs (PascalCase JSON).
 *
 * The client's own typings leave out what blocking queries need, although
 * its code supports it: lib/utils.js `options()` forwards `index`, `wait`,
 * `timeout` (milliseconds) and `ctx` to every request, and papi returns
 * `[response, body]` instead of the body when `ctx` is an EventEmitter with
 * `includeResponse` set; emitting `cancel` on it aborts the request. That is
 * how we read `X-Consul-Index` and stop a pending long poll. Internal.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { Consul } from "../../peers/consul.js";
import { isObject } from "../record-guards.js";

/** Body of `PUT /v1/agent/service/register`: the fields we send. */
export interface AgentServiceRegistration {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Check: {
    CheckID: string;
    /** A Go duration, e.g. `"90s"`. */
    TTL: string;
    DeregisterCriticalServiceAfter: string;
    /** Initial status; TTL checks otherwise start `critical`. */
    Status: "passing";
  };
}

/** One element of the `GET /v1/health/service/:service` answer (the fields we read). */
export interface HealthServiceEntry {
  Node: { Node: string; Address: string; Datacenter?: string };
  Service: {
    ID: string;
    Service: string;
    Tags: string[] | null;
    /** Empty when the instance registered none: the node's address applies. */
    Address: string;
    Port: number;
    Meta: Record<string, string> | null;
  };
  Checks: { CheckID: string; Status: string; ServiceID: string }[];
}

/** `GET /v1/catalog/services`: service name → every tag its instances carry. */
export type CatalogServices = Record<string, string[]>;

/** A read and the `X-Consul-Index` it was answered at. */
export interface IndexedResult<T> {
  index: number;
  body: T;
}

/** A read; with `index`, a blocking query that waits up to `waitMs` for a change past it. */
export interface ReadOptions {
  index?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

/** Connection settings of {@link AgentApi}. */
export interface AgentApiOptions {
  host: string;
  port: number;
  token: string | undefined;
  datacenter: string | undefined;
  /** Timeout of a request that does not block, in milliseconds. */
  requestTimeoutMs: number;
}

/** Thrown when the agent answered with an HTTP error status. */
export class AgentResponseError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    /** The agent's own text, e.g. `"ACL not found"`. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What lib/utils.js `options()` reads, beyond the client's typings. */
interface RequestOptions {
  dc?: string;
  index?: string;
  wait?: string;
  timeout?: number;
  ctx?: EventEmitter;
}

/** The part of the `consul` client we call, with the options its code accepts. */
interface ConsulClient {
  agent: {
    service: {
      register(options: AgentServiceRegistration & RequestOptions): Promise<unknown>;
      deregister(options: { id: string } & RequestOptions): Promise<unknown>;
    };
    check: { pass(options: { id: string } & RequestOptions): Promise<unknown> };
  };
  health: { service(options: { service: string; passing: boolean } & RequestOptions): Promise<unknown> };
  catalog: { service: { list(options: RequestOptions): Promise<unknown> } };
  destroy(): void;
}

/**
 * Blocking queries may return up to `wait / 16` late (Consul adds jitter to
 * spread wake-ups), so their HTTP timeout is the wait plus this fraction plus
 * the plain request timeout.
 */
const WAIT_JITTER_FRACTION = 16;

/** The Consul agent endpoints the registry needs, with errors that say what to do. */
export class AgentApi {
  /** `http://host:port`, for error messages. */
  readonly url: string;
  readonly #client: ConsulClient;
  readonly #options: AgentApiOptions;

  constructor(options: AgentApiOptions) {
    this.#options = options;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    this.url = `http://${host}:${options.port}`;
    const consul = new Consul({
      host,
      port: options.port,
      ...(options.token === undefined ? {} : { defaults: { token: options.token } }),
    });
    // The typings omit the options above; see the file comment.
    this.#client = consul as unknown as ConsulClient;
  }

  async register(registration: AgentServiceRegistration): Promise<void> {
    await this.#call("PUT /v1/agent/service/register", (ctx) =>
      this.#client.agent.service.register({ ...registration, ...this.#write(ctx) }),
    );
  }

  async deregister(serviceId: string): Promise<void> {
    await this.#call(`PUT /v1/agent/service/deregister/${serviceId}`, (ctx) =>
      this.#client.agent.service.deregister({ id: serviceId, ...this.#write(ctx) }),
    );
  }

  /** Resets a TTL check's clock and marks it passing. */
  async passCheck(checkId: string): Promise<void> {
    await this.#call(`PUT /v1/agent/check/pass/${checkId}`, (ctx) =>
      this.#client.agent.check.pass({ id: checkId, ...this.#write(ctx) }),
    );
  }

  /** Instances of `service` whose checks all pass. */
  async healthyInstances(service: string, read: ReadOptions = {}): Promise<IndexedResult<HealthServiceEntry[]>> {
    const { index, body } = await this.#call(
      `GET /v1/health/service/${service}?passing=true`,
      (ctx) => this.#client.health.service({ service, passing: true, ...this.#read(ctx, read) }),
      read.signal,
    );
    return { index, body: Array.isArray(body) ? (body as HealthServiceEntry[]) : [] };
  }

  async services(read: ReadOptions = {}): Promise<IndexedResult<CatalogServices>> {
    const { index, body } = await this.#call(
      "GET /v1/catalog/services",
      (ctx) => this.#client.catalog.service.list(this.#read(ctx, read)),
      read.signal,
    );
    return { index, body: isObject(body) ? (body as CatalogServices) : {} };
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#client.destroy();
  }

  #write(ctx: EventEmitter): RequestOptions {
    return { ctx, timeout: this.#options.requestTimeoutMs };
  }

  #read(ctx: EventEmitter, read: ReadOptions): RequestOptions {
    const options: RequestOptions = { ctx, timeout: this.#options.requestTimeoutMs };
    if (this.#options.datacenter !== undefined) options.dc = this.#options.datacenter;
    if (read.index !== undefined && read.index > 0) {
      const waitMs = Math.max(1, Math.round(read.waitMs ?? 0));
      options.index = String(read.index);
      options.wait = `${waitMs}ms`;
      options.timeout = waitMs + Math.ceil(waitMs / WAIT_JITTER_FRACTION) + this.#options.requestTimeoutMs;
    }
    return options;
  }

  /** Runs one request with the response included, cancelled when `signal` aborts; failures say what to do. */
  async #call(
    what: string,
    request: (ctx: EventEmitter) => Promise<unknown>,
    signal?: AbortSignal,
  ): Promise<IndexedResult<unknown>> {
    signal?.throwIfAborted();
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const cancel = (): boolean => ctx.emit("cancel");
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      const result = await request(ctx);
      const [response, body] = Array.isArray(result) ? (result as [IncomingMessage, unknown]) : [undefined, undefined];
      return { index: Number(response?.headers["x-consul-index"] ?? 0) || 0, body };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.#explain(what, error);
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
  }

  #explain(what: string, error: unknown): Error {
    const failure = error as { code?: unknown; isTimeout?: unknown; statusCode?: unknown; response?: { body?: unknown } };
    if (typeof failure.statusCode === "number") {
      const body = failure.response?.body;
      const reason = (typeof body === "string" ? body : "").trim() || `HTTP ${failure.statusCode}`;
      return new AgentResponseError(
        `registry "consul": the agent at ${this.url} refused ${what}: ${failure.statusCode} ${reason}${hint(reason)}`,
        failure.statusCode,
        reason,
        { cause: error },
      );
    }
    if (failure.isTimeout === true) {
      return new Error(
        `registry "consul": ${this.url} did not answer ${what} within ${this.#options.requestTimeoutMs} ms (option requestTimeoutMs); is the Consul agent overloaded, or is something else listening there?`,
        { cause: error },
      );
    }
    const code = typeof failure.code === "string" ? failure.code : error instanceof Error ? error.message : String(error);
    return new Error(`registry "consul": cannot reach ${this.url} (${code}); is the Consul agent running?`, {
      cause: error,
    });
  }
}

/** What to do about the agent's usual refusals. */
function hint(reason: string): string {
  if (reason.includes("ACL not found")) {
    return "; the ACL token is unknown to Consul: set a valid one with KLED_CONSUL_TOKEN or ?token= in the registry spec";
  }
  if (reason.includes("Permission denied")) {
    return "; give the registry an ACL token with service:write and service:read (KLED_CONSUL_TOKEN or ?token= in the registry spec)";
  }
  return "";
}

