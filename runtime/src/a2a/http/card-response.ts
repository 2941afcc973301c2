import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * An agent card as the HTTP answer, with the caching headers A2A 1.0
 * section 8.6 asks for: Cache-Control max-age (the gateway's own cache
 * time), an ETag of the content, and 304 for a request that already has
 * it. `varyHost`: the card's URLs came from the Host header, so a shared
 * cache must keep one copy per host.
 */
export function answerCard(request: IncomingMessage, response: ServerResponse, json: string, ttlMs: number, varyHost: boolean): void {
  const etag = `"${createHash("sha256").update(json).digest("base64url").slice(0, 32)}"`;
  const headers = {
    "content-type": "application/json",
    // Public by design (A2A 1.0 section 8.2): any page may read a card.
    "access-control-allow-origin": "*",
    "cache-control": `public, max-age=${Math.floor(ttlMs / 1000)}`,
    etag,
    ...(varyHost ? { vary: "Host" } : {}),
  };
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, headers).end(request.method === "HEAD" ? undefined : json);
}
