import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "../client/client.js";
import { KledClient } from "../client/kled-client.js";
import { silentLogger, type Logger } from "../logging/logger.js";
import type { Registry } from "../registry/registry.js";
import { createMcpHandler, isLegacyRequest, type McpHttpHandler } from "../peers/mcp-server.js";
import { authenticateRequest } from "./auth/authenticate-request.js";
import { identityView } from "./auth/caller-view.js";
import type { McpGatewayAuthOptions } from "./auth/gateway-auth-options.js";
import { bearerChallenge, protectedResourceMetadata, protectedResourcePaths, protectedResourceUrl } from "./auth/protected-resource.js";
import { Catalog, type CatalogChange } from "./catalog.js";
import { createGatewayServer, OPEN_VIEW } from "./gateway-server.js";
import { DEFAULT_PAGE_SIZE } from "./list-cursor.js";
import { carriesModernClaim } from "./modern-claim.js";
import type { DEFAULT_MIN_RELIST_INTERVAL_MS } from "./list-expiry.js";
import { LegacySessions, type Caller, type LegacySessionsOptions } from "./legacy-sessions.js";
import type { Namespacing } from "./namespacing.js";
import { bridge, writeJsonRpcError } from "./http-bridge.js";
import { allowActualRequest, isPreflight, MCP_METHODS, preflight } from "./cors.js";
import { originAllowed } from "./origin.js";
import { refuseParamHeaderMismatch } from "./param-headers.js";
import { GatewayRateLimit, type McpGatewayRateLimit } from "./rate-limit.js";

/** The caller of a gateway without auth: every tool, nothing forwarded. */
const ANONYMOUS: Caller = { key: "", view: OPEN_VIEW };

/** Default interface: loopback only, so that nothing outside this machine reaches the gateway unless told to. */
export const DEFAULT_GATEWAY_HOST = "127.0.0.1";

/** Default HTTP path of the MCP endpoint, the one MCP's documentation and hosts use. */
export const DEFAULT_MCP_PATH = "/mcp";

/**
 * Default bound of a request body in bytes: 1 MiB. MCP requests are tool
 * arguments and small envelopes; a larger body is refused with 413 before
 * it is parsed (the SDK's own default is 4 MiB).
 */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * Milliseconds a client may take to send a request's headers: a slow
 * client (slowloris) holds a socket no longer than this. Ten seconds is far
 * beyond any honest client on a working network.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** Milliseconds a client may take to send a whole request (headers and body); SSE responses are not bounded by it. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface McpGatewayOptions {
  /** Where MCP services are found (watched for changes). */
  registry: Registry;
  /** Calls the backends; default a KledClient on `registry` (closed with the gateway). */
  client?: Client;
  /** Default {@link DEFAULT_GATEWAY_HOST}. */
  host?: string;
  /** Default 0: a free port, see {@link McpGateway.url}. */
  port?: number;
  /** Default {@link DEFAULT_MCP_PATH}. */
  path?: string;
  /**
   * Values of the Origin header that may call the gateway (`"*"` for any);
   * default: pages from localhost, 127.0.0.1 and [::1]. Requests without an
   * Origin (clients that are not browsers) always pass; others get 403,
   * their CORS preflights too. Allowed origins get CORS answers (preflight,
   * Access-Control-Allow-Origin, exposed headers).
   */
  allowedOrigins?: readonly string[];
  /** How names two backends share are qualified. */
  namespacing?: Namespacing;
  /** Default {@link DEFAULT_MAX_REQUEST_BODY_BYTES}. */
  maxRequestBodyBytes?: number;
  /** Makes the gateway an OAuth 2.1 resource server with per-tool authorization; absent, anyone who reaches it may use every tool. */
  auth?: McpGatewayAuthOptions;
  /**
   * Per-caller budget of MCP requests (each POST; 429 with Retry-After over
   * it). The caller is the verified subject with `auth`, the client's IP
   * address without. Needs `rate-limiter-flexible`.
   */
  rateLimit?: McpGatewayRateLimit;
  /**
   * Most items per page of tools/list, resources/list,
   * resources/templates/list and prompts/list; default
   * {@link DEFAULT_PAGE_SIZE}. Longer lists end a page with `nextCursor`.
   */
  pageSize?: number;
  /**
   * Least milliseconds between two listings of a backend that its lists'
   * `ttl_ms` prompts (a backend is listed again when its smallest ttl runs
   * out, and clients are told when a list changed); default
   * {@link DEFAULT_MIN_RELIST_INTERVAL_MS}.
   */
  minRelistIntervalMs?: number;
  /** Limits of revision 2025-11-25's sessions. */
  sessions?: Pick<LegacySessionsOptions, "maxSessions" | "sessionIdleMs">;
  /**
   * More endpoints on the gateway's HTTP server (the CLI mounts the A2A
   * gateway this way): asked in order for each request outside the MCP
   * endpoint and its metadata; a handler that answers returns true, one
   * that does not own the path returns false without touching the response.
   * They run before the 404 and do their own origin checks and auth.
   */
  httpHandlers?: readonly HttpHandler[];
  logger?: Logger;
}

/** An extra endpoint of the gateway's HTTP server: true when it answered the request. */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * The MCP gateway: one Streamable HTTP endpoint serving the tools,
 * resources, resource templates, prompts and completions of every
 * kled.mcp.v1.McpService in the registry, live as services come and go.
 *
 * Revision 2026-07-28 (`@modelcontextprotocol/client` 2.x) is served per
 * request; 2025-11-25 (`@modelcontextprotocol/sdk` 1.x and most hosts) with
 * sessions, so that its clients receive list-changed notifications on their
 * GET stream.
 */
export class McpGateway {
  readonly #options: McpGatewayOptions;
  readonly #logger: Logger;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #catalog: Catalog;
  readonly #modern: McpHttpHandler;
  readonly #legacy: LegacySessions;
  readonly #http: HttpServer;
  /**
   * The caller of the request being served. Authentication runs on the Node
   * request before the SDK turns it into a fetch Request, and the SDK calls
   * the server factory deep inside; the async context carries the caller
   * across without threading it through the SDK.
   */
  readonly #callers = new AsyncLocalStorage<Caller>();
  #rateLimit: GatewayRateLimit | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: McpGatewayOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new KledClient({ registry: options.registry, logger: this.#logger });
    this.#catalog = new Catalog({
      registry: options.registry,
      client: this.#client,
      logger: this.#logger,
      ...(options.namespacing === undefined ? {} : { namespacing: options.namespacing }),
      ...(options.minRelistIntervalMs === undefined ? {} : { minRelistIntervalMs: options.minRelistIntervalMs }),
    });
    const maxRequestBodySize = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new Error(`mcp gateway: pageSize must be a whole number of items of at least 1, got ${JSON.stringify(pageSize)}`);
    }
    const onerror = (error: Error) => this.#logger.debug("mcp gateway: request refused", { error: error.message });
    this.#modern = createMcpHandler((request) => createGatewayServer(this.#catalog, (this.#callers.getStore() ?? ANONYMOUS).view, { era: request.era, pageSize }), {
      legacy: "reject",
      maxRequestBodySize,
      onerror,
    });
    this.#legacy = new LegacySessions({
      createServer: (view) => createGatewayServer(this.#catalog, view, { era: "legacy", pageSize }),
      logger: this.#logger,
      maxRequestBodySize,
      ...options.sessions,
    });
    const bridgeOptions = { maxRequestBodySize, onerror };
    const route = (request: Request, parsedBody: unknown) => this.#route(request, parsedBody);
    this.#http = createServer((request, response) => this.#serve(request, response, () => bridge(request, response, route, bridgeOptions)));
    this.#http.headersTimeout = DEFAULT_HEADERS_TIMEOUT_MS;
    this.#http.requestTimeout = DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** The endpoint's URL once started, e.g. `http://127.0.0.1:39113/mcp`. */
  get url(): string {
    const address = this.#http.address() as AddressInfo | null;
    if (address === null) throw new Error("mcp gateway: not listening; call start() first");
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}${this.#options.path ?? DEFAULT_MCP_PATH}`;
  }

  /** Reads the registry, then listens. */
  async start(): Promise<void> {
    if (this.#options.rateLimit !== undefined) this.#rateLimit = await GatewayRateLimit.create(this.#options.rateLimit, this.#logger);
    await this.#catalog.start();
    this.#unsubscribe = this.#catalog.onChange((change) => this.#listChanged(change));
    const host = this.#options.host ?? DEFAULT_GATEWAY_HOST;
    const port = this.#options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(port, host, () => {
        this.#http.off("error", reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new Error(`mcp gateway: cannot listen on ${host}:${port} (${(error as Error).message}); choose another address`, {
        cause: error,
      });
    });
    this.#logger.info("mcp gateway listening", { url: this.url, tools: this.#catalog.snapshot.tools.size });
  }

  /** Waits until the catalog has read the registry again (tests and tools that just registered a service). */
  refresh(): Promise<void> {
    return this.#catalog.refresh();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#catalog.stop();
    await this.#modern.close();
    await this.#legacy.close();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    if (this.#ownsClient) await this.#client.close();
  }

  /** The resource identifier of the MCP endpoint: the configured one, else the endpoint's URL. */
  get resource(): string {
    return this.#options.auth?.resource ?? this.url;
  }

  /** `handle` serves an admitted request of the MCP endpoint. */
  #serve(request: IncomingMessage, response: ServerResponse, handle: () => Promise<void>): void {
    const path = new URL(request.url ?? "/", "http://gateway").pathname;
    const mcpPath = this.#options.path ?? DEFAULT_MCP_PATH;
    const { auth } = this.#options;
    if (auth !== undefined && protectedResourcePaths(mcpPath).includes(path)) {
      this.#serveMetadata(request, response, auth);
      return;
    }
    if (path !== mcpPath) {
      for (const handler of this.#options.httpHandlers ?? []) if (handler(request, response)) return;
      response.writeHead(404, { "content-type": "text/plain" }).end(`not found: the MCP endpoint is ${mcpPath}\n`);
      return;
    }
    const { origin } = request.headers;
    if (!originAllowed(origin, this.#options.allowedOrigins)) {
      writeJsonRpcError(response, 403, -32000, `Forbidden: origin ${JSON.stringify(origin)} is not allowed; the gateway's allowedOrigins (kled gateway --allow-origin) lists the origins that may call it`, {});
      return;
    }
    // Preflights carry no credentials by design: they are answered before auth and never count against the rate limit.
    if (request.method === "OPTIONS") {
      answerOptions(request, response, MCP_METHODS);
      return;
    }
    if (origin !== undefined) allowActualRequest(response, origin);
    this.#admit(request, response).then(
      (caller) => {
        if (caller === undefined) return;
        void this.#callers.run(caller, handle);
      },
      (error: unknown) => {
        this.#logger.warn("mcp gateway: admitting a request failed", { error: (error as Error).message });
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" }).end("internal error\n");
      },
    );
  }

  /**
   * The Protected Resource Metadata: public by design (RFC 9728), since a
   * client must read it before it has a token, and read by browser-based
   * clients from other origins; it holds nothing secret, so any origin gets
   * it and its preflight ("*", no credentials), whatever `allowedOrigins` says.
   */
  #serveMetadata(request: IncomingMessage, response: ServerResponse, auth: McpGatewayAuthOptions): void {
    if (request.method === "OPTIONS") {
      answerOptions(request, response, METADATA_METHODS, "*");
      return;
    }
    response
      .writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" })
      .end(JSON.stringify(protectedResourceMetadata(this.resource, auth)));
  }

  /** The request's caller, or undefined once it has been answered (401, 429, 503). */
  async #admit(request: IncomingMessage, response: ServerResponse): Promise<Caller | undefined> {
    let caller = ANONYMOUS;
    const { auth } = this.#options;
    if (auth !== undefined) {
      const result = await authenticateRequest(auth.authenticator, request.headers);
      const metadataUrl = protectedResourceUrl(this.resource);
      switch (result.kind) {
        case "missing":
          writeJsonRpcError(response, 401, -32001, "Unauthorized: send Authorization: Bearer <token>; WWW-Authenticate names where to get one", {
            "www-authenticate": bearerChallenge(metadataUrl),
          });
          return undefined;
        case "invalid":
          writeJsonRpcError(response, 401, -32001, `Unauthorized: ${result.reason}`, { "www-authenticate": bearerChallenge(metadataUrl, result.reason) });
          return undefined;
        case "unavailable":
          writeJsonRpcError(response, 503, -32000, `Service unavailable: the token cannot be checked now (${result.reason}); retry later`, {});
          return undefined;
        case "ok":
          caller = {
            key: `${result.identity.domain ?? ""}/${result.identity.subject}`,
            view: identityView(this.#catalog, result.identity, result.token, auth.authorizer, auth.forwardToken ?? true),
          };
      }
    }
    if (this.#rateLimit !== undefined && request.method === "POST") {
      const key = caller.key !== "" ? caller.key : (request.socket.remoteAddress ?? "unknown");
      const waitMs = await this.#rateLimit.take(key);
      if (waitMs !== undefined) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        writeJsonRpcError(response, 429, -32000, `Too many requests: the budget of ${JSON.stringify(key)} is spent; retry in ${seconds} s`, {
          "retry-after": String(seconds),
        });
        return undefined;
      }
    }
    return caller;
  }

  /**
   * Hands the body, parsed once by the bridge (see {@link bridge}), to the
   * era check and to whichever side serves it. A 2026-07-28 tools/call is checked against its tool's
   * x-mcp-header parameters first: the SDK checks Mcp-Method and Mcp-Name
   * itself, but Mcp-Param-* only for its high-level McpServer.
   */
  async #route(request: Request, parsedBody: unknown): Promise<Response> {
    const caller = this.#callers.getStore() ?? ANONYMOUS;
    const legacy =
      !carriesModernClaim(parsedBody) &&
      (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: this.#options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES }));
    if (legacy) return this.#legacy.fetch(request, caller, parsedBody);
    const refused = await refuseParamHeaderMismatch(request, parsedBody, {
      inputSchemaOf: (name) => this.#catalog.snapshot.tools.get(name)?.tool["inputSchema"],
      mayUse: (name) => caller.view.mayUseTool(name),
    });
    return refused ?? this.#modern.fetch(request, parsedBody === undefined ? undefined : { parsedBody });
  }

  #listChanged(change: CatalogChange): void {
    this.#logger.debug("mcp gateway: lists changed", { ...change });
    if (change.tools) this.#modern.notify.toolsChanged();
    if (change.prompts) this.#modern.notify.promptsChanged();
    if (change.resources) this.#modern.notify.resourcesChanged();
    this.#legacy.notify(change);
  }
}

/** What the metadata document answers. */
const METADATA_METHODS: readonly string[] = ["GET", "OPTIONS"];

/**
 * An OPTIONS request on a route serving `methods`, its origin already
 * allowed: a CORS preflight gets 204 with what it may send, or 403 naming
 * the method or header it may not; a plain OPTIONS (no browser asking) gets
 * 204 with Allow.
 */
function answerOptions(request: IncomingMessage, response: ServerResponse, methods: readonly string[], allowOrigin?: string): void {
  const { headers } = request;
  if (!isPreflight(request.method, headers)) {
    response.writeHead(204, { allow: methods.join(", ") }).end();
    return;
  }
  const origin = headers.origin ?? "";
  const answer = preflight(origin, headers, methods, allowOrigin ?? origin);
  if (answer.ok) response.writeHead(204, answer.headers).end();
  else writeJsonRpcError(response, 403, -32000, `Forbidden: CORS preflight from ${JSON.stringify(origin)}: ${answer.reason}`, { vary: "Origin" });
}
