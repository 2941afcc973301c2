import type { IncomingMessage, ServerResponse } from "node:http";
import { toJson } from "@bufbuild/protobuf";
import type { Client } from "../../client/client.js";
import { KledClient } from "../../client/kled-client.js";
import { messageOf } from "../../errors/message-of.js";
import { AgentCardSchema } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { silentLogger, type Logger } from "../../logging/logger.js";
import { originAllowed } from "../../mcp-gateway/origin.js";
import type { Registry } from "../../registry/registry.js";
import { AgentCaller } from "./agent-caller.js";
import { AgentCards, DEFAULT_CARD_TIMEOUT_MS, DEFAULT_CARD_TTL_MS } from "./agent-cards.js";
import { AgentDirectory, type AgentEntry } from "./agent-directory.js";
import { answerCard } from "./card-response.js";
import type { BindingContext } from "./binding-context.js";
import { BindingError, JSON_RPC_CODE } from "./binding-error.js";
import { withGatewayInterfaces, type GatewayInterfaces } from "./card-interfaces.js";
import { answerJsonRpcError, serveJsonRpc } from "./jsonrpc-binding.js";
import { publicBaseOf } from "./public-base.js";
import { answerRestError, serveRest } from "./rest-binding.js";
import { DEFAULT_SSE_KEEP_ALIVE_MS } from "./sse-stream.js";

/** Default path under which every agent gets its base, `/a2a/{agent}`. */
export const DEFAULT_A2A_PATH = "/a2a";

/** The well-known path of an agent card (A2A 1.0 section 8.2), below an agent's base and at the root. */
export const AGENT_CARD_PATH = "/.well-known/agent-card.json";

/** Below an agent's base: the HTTP+JSON binding. The JSON-RPC binding is the base itself. */
export const REST_SUBPATH = "/rest";

/**
 * Default bound of a request body in bytes: 4 MiB, gRPC's default message
 * bound, since the body becomes one gRPC request; messages may carry files
 * inline (Part.raw), so A2A bodies run larger than MCP's.
 */
export const DEFAULT_A2A_MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Default milliseconds a unary A2A call may take: five minutes. A blocking
 * SendMessage waits until the task ends or is interrupted; beyond this the
 * agent is stuck, or the client should have used streaming or
 * return_immediately. Streams have no bound: they end with the task or
 * when the client leaves.
 */
export const DEFAULT_A2A_CALL_TIMEOUT_MS = 300_000;

export interface A2aGatewayOptions {
  /** Where agents are found (watched for changes). */
  registry: Registry;
  /** Calls the agents; default a KledClient on `registry` (closed with the gateway). */
  client?: Client;
  /** Default {@link DEFAULT_A2A_PATH}. */
  path?: string;
  /**
   * The gateway's public URL as clients reach it (`https://agents.example.com`,
   * or with a path prefix a proxy strips), used for the absolute URLs in
   * cards. Default: `http://` and the request's Host header; set it behind a
   * proxy or TLS terminator. Forwarded headers are not trusted for this.
   */
  publicUrl?: string;
  /**
   * Values of the Origin header that may call the bindings (`"*"` for any);
   * default: pages from localhost, 127.0.0.1 and [::1]. Requests without an
   * Origin pass; cards are public and served to any origin.
   */
  allowedOrigins?: readonly string[];
  /** Default {@link DEFAULT_A2A_MAX_REQUEST_BODY_BYTES}. */
  maxRequestBodyBytes?: number;
  /** Default {@link DEFAULT_A2A_CALL_TIMEOUT_MS}. */
  callTimeoutMs?: number;
  /** Default {@link DEFAULT_CARD_TTL_MS}. */
  cardTtlMs?: number;
  /** Default {@link DEFAULT_SSE_KEEP_ALIVE_MS}. */
  keepAliveMs?: number;
  logger?: Logger;
}

/**
 * The A2A gateway: every agent of the registry (a service serving
 * lf.a2a.v1.A2AService) reachable by stock A2A clients over HTTP, live as
 * agents come and go. Per agent, under `{path}/{agent}`:
 *
 * - `GET /.well-known/agent-card.json`: the agent's card (from
 *   kled.agent.v1.AgentService/GetAgentCard) listing the gateway's bindings
 *   first, then the agent's own gRPC interface;
 * - `POST` on the base itself: the JSON-RPC binding;
 * - `/rest/...`: the HTTP+JSON binding.
 *
 * Calls go through the Kled client with the caller's Authorization header
 * as `authorization` metadata, so the agent's own authentication applies.
 * Not a server: {@link handle} serves the requests it owns in any
 * `node:http` server (the MCP gateway's, or an agent's own).
 */
export class A2aGateway {
  readonly #options: A2aGatewayOptions;
  readonly #logger: Logger;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #directory: AgentDirectory;
  readonly #cards: AgentCards;
  readonly #caller: AgentCaller;
  readonly #path: string;
  /** The calls in flight, aborted by stop(). */
  readonly #inFlight = new Set<AbortController>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: A2aGatewayOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new KledClient({ registry: options.registry, logger: this.#logger });
    this.#directory = new AgentDirectory(options.registry, this.#logger);
    this.#cards = new AgentCards(this.#client, options.cardTtlMs ?? DEFAULT_CARD_TTL_MS, DEFAULT_CARD_TIMEOUT_MS);
    this.#caller = new AgentCaller(this.#client, options.callTimeoutMs ?? DEFAULT_A2A_CALL_TIMEOUT_MS);
    this.#path = (options.path ?? DEFAULT_A2A_PATH).replace(/\/+$/, "");
  }

  /** Reads the registry, then follows it. */
  async start(): Promise<void> {
    await this.#directory.start();
    this.#unsubscribe = this.#directory.onChange(() => this.#cards.retain(new Set(this.#directory.agents.keys())));
  }

  /** Waits until the gateway has read the registry again (tests and tools that just registered an agent). */
  refresh(): Promise<void> {
    return this.#directory.refresh();
  }

  /** Stops following the registry and cancels the calls in flight. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#directory.stop();
    for (const controller of this.#inFlight) controller.abort(new Error("the A2A gateway is stopping"));
    if (this.#ownsClient) await this.#client.close();
  }

  /** The names of the agents served now, sorted. */
  get agents(): readonly string[] {
    return [...this.#directory.agents.keys()];
  }

  /** The base URL of an agent (what A2A clients resolve the card from), below a public base such as `http://127.0.0.1:8808`. */
  agentUrl(publicBase: string, agent: string): string {
    return `${(this.#options.publicUrl ?? publicBase).replace(/\/+$/, "")}${this.#path}/${encodeURIComponent(agent)}/`;
  }

  /**
   * Serves the request when its path is the gateway's (`{path}/...` or the
   * root card) and returns true; returns false, without touching the
   * response, for every other path.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://gateway");
    } catch {
      // An absolute-form request target that does not parse; not a path this gateway owns.
      return false;
    }
    const path = url.pathname;
    if (path === AGENT_CARD_PATH || path === `${this.#path}${AGENT_CARD_PATH}`) {
      this.#serveRootCard(request, response);
      return true;
    }
    if (path !== this.#path && !path.startsWith(`${this.#path}/`)) return false;
    const match = /^\/([^/]+)(\/.*)?$/.exec(path.slice(this.#path.length));
    if (match === null) {
      this.#serveIndex(request, response);
      return true;
    }
    const name = safeDecode(match[1] as string);
    const below = match[2] ?? "";
    const agent = this.#directory.agents.get(name);
    if (below === AGENT_CARD_PATH) {
      void this.#serveCard(request, response, name, agent);
      return true;
    }
    const rest = below === REST_SUBPATH || below.startsWith(`${REST_SUBPATH}/`);
    if (!rest && below !== "" && below !== "/") {
      answerRestError(response, new BindingError(JSON_RPC_CODE.methodNotFound, 404, "NOT_FOUND", `not found: ${path}; ${this.#layout(name)}`));
      return true;
    }
    const refuse = (error: BindingError) => (rest ? answerRestError(response, error) : answerJsonRpcError(response, null, error, error.httpStatus));
    if (agent === undefined) {
      refuse(new BindingError(JSON_RPC_CODE.serverError, 404, "NOT_FOUND", this.#unknownAgent(name)));
      return true;
    }
    if (!originAllowed(request.headers.origin, this.#options.allowedOrigins)) {
      refuse(new BindingError(JSON_RPC_CODE.serverError, 403, "PERMISSION_DENIED", `Forbidden: origin ${JSON.stringify(request.headers.origin)} is not allowed`));
      return true;
    }
    if (!rest && request.method !== "POST") {
      response
        .writeHead(405, { allow: "POST", "content-type": "text/plain" })
        .end(`POST JSON-RPC 2.0 requests here; the agent's card is at ${this.#path}/${match[1]}${AGENT_CARD_PATH}\n`);
      return true;
    }
    const context = this.#context(request, response, name);
    const served = rest
      ? serveRest(request, response, below.slice(REST_SUBPATH.length) || "/", url.searchParams, context)
      : serveJsonRpc(request, response, context);
    served.catch((error: unknown) => {
      this.#logger.error("a2a gateway: serving a request failed", { error: messageOf(error) });
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" }).end("internal error\n");
    });
    return true;
  }

  /** The binding context of one request, with an abort signal that fires when the client goes away. */
  #context(request: IncomingMessage, response: ServerResponse, agent: string): BindingContext {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    response.once("close", () => {
      this.#inFlight.delete(controller);
      if (!response.writableFinished) controller.abort(new Error("the HTTP client went away"));
    });
    return {
      caller: this.#caller,
      agent,
      interfaces: this.#interfaces(request, agent),
      signal: controller.signal,
      maxRequestBodyBytes: this.#options.maxRequestBodyBytes ?? DEFAULT_A2A_MAX_REQUEST_BODY_BYTES,
      keepAliveMs: this.#options.keepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS,
      logger: this.#logger,
    };
  }

  #interfaces(request: IncomingMessage, agent: string): GatewayInterfaces {
    const base = this.agentUrl(publicBaseOf(request), agent).replace(/\/$/, "");
    return { jsonRpcUrl: base, restUrl: `${base}${REST_SUBPATH}` };
  }

  async #serveCard(request: IncomingMessage, response: ServerResponse, name: string, agent: AgentEntry | undefined): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("an agent card is read with GET\n");
      return;
    }
    if (agent === undefined) {
      answerRestError(response, new BindingError(JSON_RPC_CODE.serverError, 404, "NOT_FOUND", this.#unknownAgent(name)), { "access-control-allow-origin": "*" });
      return;
    }
    let json: string;
    try {
      const card = withGatewayInterfaces(await this.#cards.get(agent), this.#interfaces(request, name));
      json = JSON.stringify(toJson(AgentCardSchema, card));
    } catch (error) {
      this.#logger.warn("a2a gateway: cannot serve an agent card", { agent: name, error: messageOf(error) });
      answerRestError(response, new BindingError(JSON_RPC_CODE.serverError, 502, "UNAVAILABLE", `${messageOf(error)}; does the agent serve kled.agent.v1.AgentService?`));
      return;
    }
    answerCard(request, response, json, this.#options.cardTtlMs ?? DEFAULT_CARD_TTL_MS, this.#options.publicUrl === undefined);
  }

  /**
   * `/.well-known/agent-card.json` at the root (and directly under the
   * path): the one agent's card when exactly one is registered, so that a
   * client given just the gateway's address works in the common
   * single-agent deployment. With several, the gateway cannot choose for
   * the client (a wrong guess would talk to the wrong agent silently): 404,
   * naming every agent's card URL.
   */
  #serveRootCard(request: IncomingMessage, response: ServerResponse): void {
    const agents = [...this.#directory.agents.values()];
    if (agents.length === 1) {
      const [agent] = agents as [AgentEntry];
      void this.#serveCard(request, response, agent.name, agent);
      return;
    }
    const cards = agents.map((agent) => `${this.agentUrl(publicBaseOf(request), agent.name)}${AGENT_CARD_PATH.slice(1)}`);
    const message =
      agents.length === 0
        ? "no A2A agent is registered now, so there is no card to serve"
        : `${agents.length} A2A agents are served here, each with its own card: ${cards.join(", ")}`;
    answerRestError(response, new BindingError(JSON_RPC_CODE.serverError, 404, "NOT_FOUND", message), { "access-control-allow-origin": "*" });
  }

  /** `GET {path}`: the agents and their base URLs, for people looking around. */
  #serveIndex(request: IncomingMessage, response: ServerResponse): void {
    const agents = [...this.#directory.agents.keys()].map((name) => ({ name, url: this.agentUrl(publicBaseOf(request), name) }));
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ agents }));
  }

  #unknownAgent(name: string): string {
    const known = this.agents;
    return `no A2A agent named ${JSON.stringify(name)} is registered${known.length === 0 ? "" : `; the agents are ${known.join(", ")}`}`;
  }

  #layout(name: string): string {
    const base = `${this.#path}/${encodeURIComponent(name)}`;
    return `an agent's card is at ${base}${AGENT_CARD_PATH}, its JSON-RPC binding at ${base} and its HTTP+JSON binding under ${base}${REST_SUBPATH}`;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
