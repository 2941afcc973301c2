/**
 * The gateway's bridge from node:http to the SDK's web-standard handlers,
 * in place of `toNodeHandler` of `@modelcontextprotocol/node`: a POST's body
 * is read once as bytes and parsed once, and the parsed value goes to the
 * handler beside a `Request` that carries no body (the SDK reads the parsed
 * value, never the body, when it is given one). The adapter would build a
 * body stream that the gateway then had to clone and read again to route
 * the request: about a tenth of the gateway's own CPU per tools/call in the
 * bench's profile. A body that is not JSON goes on as text, unparsed, so
 * that the SDK answers it exactly as it answers any such body.
 *
 * Responses: a JSON answer is written in one piece with its length; an SSE
 * stream is relayed chunk by chunk, waiting for the socket to drain, and
 * ends when the client goes away (which also aborts the request's signal,
 * and so the backend call behind it).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { requestIdOf } from "./param-headers.js";

/** Serves one request whose POST body, when it is JSON, arrives parsed. */
export type WebHandler = (request: Request, parsedBody: unknown) => Promise<Response>;

export interface HttpBridgeOptions {
  /** Bodies longer than this many bytes get 413 before they are read further. */
  maxRequestBodySize: number;
  /** Told about a handler that threw (answered 500). */
  onerror(error: Error): void;
}

/** Answers `request` on `response` with what `handler` makes of it. */
export async function bridge(request: IncomingMessage, response: ServerResponse, handler: WebHandler, options: HttpBridgeOptions): Promise<void> {
  const abort = new AbortController();
  let finished = false;
  response.once("close", () => {
    if (!finished) abort.abort();
  });
  const method = (request.method ?? "GET").toUpperCase();
  let answer: Response;
  let parsedBody: unknown;
  try {
    const text = method === "GET" || method === "HEAD" ? undefined : await bodyText(request, options.maxRequestBodySize);
    if (text === TOO_LARGE) {
      finished = true;
      writeJsonRpcError(response, 413, -32000, `Payload Too Large: the request body must not exceed ${options.maxRequestBodySize} bytes`, {
        connection: "close",
      });
      return;
    }
    parsedBody = method === "POST" && text !== undefined ? parseJson(text) : undefined;
    const body = text === undefined || text === "" || parsedBody !== undefined ? undefined : text;
    answer = await handler(webRequest(request, method, abort.signal, body), parsedBody);
  } catch (error) {
    options.onerror(error instanceof Error ? error : new Error(String(error)));
    finished = true;
    if (!response.headersSent) writeJsonRpcError(response, 500, -32603, "Internal server error", {}, requestIdOf(parsedBody));
    else response.end();
    return;
  }
  await writeResponse(answer, response, abort.signal);
  finished = true;
}

/** Marks a body over the bound. */
const TOO_LARGE = Symbol("too large");

async function bodyText(request: IncomingMessage, maxBytes: number): Promise<string | typeof TOO_LARGE> {
  if (Number(request.headers["content-length"]) > maxBytes) return TOO_LARGE;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) return TOO_LARGE;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
}

/** The body's JSON value; undefined for an empty body or one that is not JSON, which go on to the SDK as text. */
function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function webRequest(request: IncomingMessage, method: string, signal: AbortSignal, body: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const host = request.headers.host ?? "localhost";
  return new Request(`http://${host}${request.url ?? "/"}`, { method, headers, signal, ...(body === undefined ? {} : { body }) });
}

async function writeResponse(answer: Response, response: ServerResponse, signal: AbortSignal): Promise<void> {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of answer.headers) headers[name] = value;
  const { body } = answer;
  if (body === null) {
    response.writeHead(answer.status, headers).end();
    return;
  }
  if (!(answer.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    // A whole answer: one write with its length, no chunked encoding.
    const bytes = new Uint8Array(await answer.arrayBuffer());
    response.writeHead(answer.status, { ...headers, "content-length": bytes.byteLength }).end(bytes);
    return;
  }
  response.writeHead(answer.status, headers);
  response.flushHeaders();
  const reader = body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted) break;
      if (!response.write(value)) await drained(response, signal);
    }
  } catch {
    // The stream failed or was cancelled because the client left: nothing more to send.
  } finally {
    signal.removeEventListener("abort", stop);
    response.end();
  }
}

/** Resolves when the socket takes more, or the client has gone. */
function drained(response: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    response.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A JSON-RPC error as the whole HTTP answer; `id` is the request's, when known. */
export function writeJsonRpcError(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
  id: string | number | null = null,
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id }));
}
