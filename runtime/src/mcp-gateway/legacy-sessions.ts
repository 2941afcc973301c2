import { randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.js";
import { WebStandardStreamableHTTPServerTransport, type Server } from "../peers/mcp-server.js";
import type { CallerView } from "./gateway-server.js";

/**
 * Most 2025-11-25 sessions held at once; a new session beyond it is refused
 * with 503 so that clients which never end theirs cannot grow the gateway's
 * memory without bound. Each session costs one server instance and one
 * transport (a few kilobytes).
 */
export const DEFAULT_MAX_SESSIONS = 1_024;

/**
 * Milliseconds a 2025-11-25 session may stay unused before the gateway ends
 * it (a later request with its id gets 404, and the spec tells the client to
 * initialize again): half an hour keeps a host that idles between prompts.
 */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

/** Who sent a request: `key` names the caller (its verified subject, or "" without auth). */
export interface Caller {
  readonly key: string;
  readonly view: CallerView;
}

interface Session {
  transport: InstanceType<typeof WebStandardStreamableHTTPServerTransport>;
  server: InstanceType<typeof Server>;
  lastUsed: number;
  /** The caller that opened the session; later requests must come from the same one. */
  owner: string;
  /** Its latest request's view: a refreshed token is what the next backend call forwards. */
  caller: Caller;
}

export interface LegacySessionsOptions {
  /** A new server for a new session, seeing what `view` lets it see. */
  createServer(view: CallerView): InstanceType<typeof Server>;
  logger: Logger;
  maxSessions?: number;
  sessionIdleMs?: number;
  maxRequestBodySize: number;
}

/**
 * Streamable HTTP as revision 2025-11-25 has it: `initialize` opens a
 * session (`Mcp-Session-Id`), later requests carry it, GET opens the stream
 * on which list-changed notifications arrive, DELETE ends it. Revision
 * 2026-07-28 has no sessions; its requests never reach this class.
 */
export class LegacySessions {
  readonly #options: LegacySessionsOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: LegacySessionsOptions) {
    this.#options = options;
    const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.#sweeper = setInterval(() => this.#sweep(idleMs), Math.max(1_000, idleMs / 4));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Serves one request; `parsedBody`, when the gateway has already parsed the body, spares the transport reading it again. */
  async fetch(request: Request, caller: Caller, parsedBody?: unknown): Promise<Response> {
    const options = parsedBody === undefined ? undefined : { parsedBody };
    const id = request.headers.get("mcp-session-id");
    if (id !== null) {
      const session = this.#sessions.get(id);
      // Another caller's session is answered as unknown: a session id must not let one caller act as another.
      if (session === undefined || session.owner !== caller.key) {
        return jsonRpcError(404, -32001, `Session not found: ${JSON.stringify(id)} is unknown or ended; initialize a new session`);
      }
      session.lastUsed = Date.now();
      session.caller = caller;
      return session.transport.handleRequest(request, options);
    }
    if (request.method !== "POST") {
      return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required; send initialize first");
    }
    if (this.#sessions.size >= (this.#options.maxSessions ?? DEFAULT_MAX_SESSIONS)) {
      return jsonRpcError(503, -32000, `Too many sessions: ${this.#sessions.size} are open; end one (DELETE) or retry later`);
    }
    return this.#open(request, caller, options);
  }

  /** Tells every session's client that lists changed (on its GET stream, when it has one open). */
  notify(change: { tools: boolean; prompts: boolean; resources: boolean }): void {
    for (const session of this.#sessions.values()) {
      const { server } = session;
      if (change.tools) void server.sendToolListChanged().catch(() => undefined);
      if (change.prompts) void server.sendPromptListChanged().catch(() => undefined);
      if (change.resources) void server.sendResourceListChanged().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.server.close().catch(() => undefined)));
  }

  async #open(request: Request, caller: Caller, options: { parsedBody: unknown } | undefined): Promise<Response> {
    let opened: string | undefined;
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: this.#options.maxRequestBodySize,
      onsessioninitialized: (id) => {
        opened = id;
        session = { transport, server, lastUsed: Date.now(), owner: caller.key, caller };
        this.#sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
      },
    });
    const view: CallerView = {
      mayUseTool: (name) => (session?.caller ?? caller).view.mayUseTool(name),
      get metadata() {
        return (session?.caller ?? caller).view.metadata ?? {};
      },
      get personal() {
        return (session?.caller ?? caller).view.personal === true;
      },
    };
    const server = this.#options.createServer(view);
    await server.connect(transport);
    const response = await transport.handleRequest(request, options);
    // Anything but an initialize (refused by the transport) leaves no session to keep.
    if (opened === undefined) await server.close().catch(() => undefined);
    return response;
  }

  #sweep(idleMs: number): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions) {
      if (now - session.lastUsed < idleMs) continue;
      this.#sessions.delete(id);
      void session.server.close().catch((error: unknown) => this.#options.logger.debug("mcp gateway: closing an idle session failed", { error }));
    }
  }
}

/** A JSON-RPC error response without an id, as the transport itself answers protocol-level failures. */
export function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
