/**
 * An emulated Consul agent HTTP API on an ephemeral loopback port, for tests
 * of the Consul registry (no Consul binary can be installed here). It serves
 * the endpoints the registry uses, with Consul's paths, PascalCase JSON,
 * `X-Consul-Index`, blocking queries (`index` + `wait`) and ACL answers:
 *
 *   PUT /v1/agent/service/register             body {ID, Name, Tags, Address, Port, Meta, Check}
 *   PUT /v1/agent/service/deregister/:id
 *   PUT /v1/agent/check/{pass,warn,fail}/:id   ?note=
 *   PUT /v1/agent/check/update/:id             body {Status, Output}
 *   GET /v1/health/service/:name               ?passing ?index ?wait ?dc
 *   GET /v1/catalog/services                   ?index ?wait ?dc
 *
 * Differences from Consul, on purpose: blocking queries get no jitter, and
 * DeregisterCriticalServiceAfter may go below Consul's 1-minute floor when
 * `deregisterCriticalMinMs` says so. `stop()` and `start()` simulate an agent
 * outage, keeping the state; `restart({ keepState: false })` simulates an
 * agent that lost it (indexes start over, as after a snapshot restore).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentError, AgentState, type CheckStatus } from "./agent-state.js";
import { parseGoDuration } from "./go-duration.js";

/** Options of {@link ConsulEmulator.start}. */
export interface ConsulEmulatorOptions {
  /** Enables ACLs with default policy deny and this one token, which may do everything. */
  aclToken?: string;
  /** Default "dc1", as Consul's. */
  datacenter?: string;
  /** Consul's floor is 1 minute (the default here too); tests lower it to see reaping quickly. */
  deregisterCriticalMinMs?: number;
  /** The port to listen on; default 0, any free one. */
  port?: number;
}

/** Consul's default `wait` for blocking queries, and its maximum (api-docs/features/blocking). */
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

const CHECK_PATH = /^\/v1\/agent\/check\/(pass|warn|fail|update)\/(.+)$/;
const STATUS_OF: Record<string, CheckStatus> = { pass: "passing", warn: "warning", fail: "critical" };

export class ConsulEmulator {
  state: AgentState;
  /** Every request answered or refused, as `"METHOD /path?query"`, for tests that count calls. */
  readonly requests: string[] = [];
  readonly #options: ConsulEmulatorOptions;
  #server: Server | undefined;
  #port = 0;

  private constructor(options: ConsulEmulatorOptions) {
    this.#options = options;
    this.#port = options.port ?? 0;
    this.state = this.#freshState();
  }

  static async start(options: ConsulEmulatorOptions = {}): Promise<ConsulEmulator> {
    const emulator = new ConsulEmulator(options);
    await emulator.start();
    return emulator;
  }

  /** `127.0.0.1:port`: the registry's `address` option. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** `consul://127.0.0.1:port`: a registry spec. */
  get spec(): string {
    return `consul://${this.address}`;
  }

  /** Listens again, on the same port after a stop. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((request, response) => void this.#handle(request, response));
    server.listen(this.#port, "127.0.0.1");
    await once(server, "listening");
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops answering: connections, pending blocking queries included, are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = once(server, "close");
    server.close();
    server.closeAllConnections();
    await closed;
  }

  async restart(options: { keepState: boolean }): Promise<void> {
    await this.stop();
    if (!options.keepState) {
      this.state.clear();
      this.state = this.#freshState();
    }
    await this.start();
  }

  /** Stops and forgets everything, timers included. */
  async close(): Promise<void> {
    await this.stop();
    this.state.clear();
  }

  #freshState(): AgentState {
    const node = { Node: "consul-emulator", Address: "127.0.0.1", Datacenter: this.#options.datacenter ?? "dc1" };
    return new AgentState(node, this.#options.deregisterCriticalMinMs ?? 60_000);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://consul");
    this.requests.push(`${request.method} ${request.url}`);
    response.setHeader("X-Consul-Default-Acl-Policy", this.#options.aclToken === undefined ? "allow" : "deny");
    try {
      const body = await readBody(request);
      const token = tokenOf(request, url);
      if (this.#options.aclToken !== undefined && token !== undefined && token !== this.#options.aclToken) {
        throw new AgentError(403, "ACL not found");
      }
      const anonymous = this.#options.aclToken !== undefined && token === undefined;
      const path = decodeURIComponent(url.pathname);
      if (request.method === "GET") {
        await this.#read(path, url.searchParams, anonymous, response);
        return;
      }
      if (request.method !== "PUT") throw new AgentError(405, `method ${request.method} not allowed`);
      this.#write(path, url.searchParams, body, anonymous);
      send(response, 200, "application/json", "");
    } catch (error) {
      const { statusCode, message } = error instanceof AgentError ? error : new AgentError(500, String(error));
      if (!response.headersSent) send(response, statusCode, "text/plain; charset=utf-8", message);
    }
  }

  #write(path: string, query: URLSearchParams, body: unknown, anonymous: boolean): void {
    const state = this.state;
    const denyAnonymous = (service: string): void => {
      if (anonymous) {
        throw new AgentError(
          403,
          `Permission denied: anonymous token lacks permission 'service:write' on "${service}". The anonymous token is used implicitly when a request does not specify a token.`,
        );
      }
    };
    if (path === "/v1/agent/service/register") {
      const registration = isObject(body) ? body : {};
      denyAnonymous(String(registration["Name"] ?? ""));
      state.register(registration);
      return;
    }
    const deregister = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path)?.[1];
    if (deregister !== undefined) {
      denyAnonymous(state.serviceName(deregister) ?? deregister);
      state.deregister(deregister);
      return;
    }
    const [, verb, checkId] = CHECK_PATH.exec(path) ?? [];
    if (verb !== undefined && checkId !== undefined) {
      denyAnonymous(state.instanceOfCheck(checkId)?.Service.Service ?? checkId);
      const update = verb === "update" && isObject(body) ? body : {};
      const status = STATUS_OF[verb] ?? String(update["Status"] ?? "");
      if (status !== "passing" && status !== "warning" && status !== "critical") {
        throw new AgentError(400, `Invalid check status: "${status}"`);
      }
      state.updateCheck(checkId, status, verb === "update" ? String(update["Output"] ?? "") : (query.get("note") ?? ""));
      return;
    }
    throw new AgentError(404, "404 page not found");
  }

  async #read(path: string, query: URLSearchParams, anonymous: boolean, response: ServerResponse): Promise<void> {
    const state = this.state;
    const dc = query.get("dc");
    if (dc !== null && dc !== "" && dc !== state.node.Datacenter) throw new AgentError(500, "No path to datacenter");
    const health = /^\/v1\/health\/service\/(.+)$/.exec(path)?.[1];
    let indexOf: () => number;
    let answer: () => unknown;
    if (health !== undefined) {
      const passing = query.has("passing") && !["false", "0"].includes(query.get("passing") ?? "");
      indexOf = () => state.healthIndex(health);
      // With default policy deny, the anonymous token sees nothing: results are filtered, not refused.
      answer = () => (anonymous ? [] : state.health(health, passing));
    } else if (path === "/v1/catalog/services") {
      indexOf = () => state.catalogIndex();
      answer = () => (anonymous ? {} : state.catalog());
    } else {
      throw new AgentError(404, "404 page not found");
    }
    const index = query.get("index");
    if (index !== null) {
      const wait = query.get("wait");
      const waitMs = wait === null ? DEFAULT_WAIT_MS : parseGoDuration(wait);
      if (waitMs === undefined) throw new AgentError(400, `Invalid wait time: "${wait}"`);
      const aborted = new AbortController();
      response.once("close", () => aborted.abort());
      await state.waitForIndex(indexOf, Number(index) || 0, Math.min(waitMs, MAX_WAIT_MS), aborted.signal);
      if (aborted.signal.aborted) return;
    }
    response.setHeader("X-Consul-Index", String(indexOf()));
    response.setHeader("X-Consul-KnownLeader", "true");
    response.setHeader("X-Consul-LastContact", "0");
    send(response, 200, "application/json", JSON.stringify(answer()));
  }
}

/** The ACL token, from where Consul looks (api-docs/api-structure#authentication). */
function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers["x-consul-token"];
  if (typeof header === "string" && header !== "") return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
  return bearer ?? (url.searchParams.get("token") || undefined);
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AgentError(400, `Request decode failed: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
