/**
 * The gateway suite's load process: one official client
 * (`@modelcontextprotocol/client` 2.x, revision negotiated "auto") per
 * target, each calling the `add` tool; a call that answers a tool error
 * fails the run. Usage (by suite.ts): load.ts, with the servers' URLs in
 * URL_ENV.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { Target } from "../support/closed-loop.js";
import { serveLoad } from "../support/load-program.js";
import { GATEWAY_TARGETS, REQUIRED_TARGETS, TOOL_ARGUMENTS, TOOL_NAME, URL_ENV } from "./workload.js";

// The targets whose servers the suite started (it passes their URLs); gateway and sdk always.
const present = GATEWAY_TARGETS.filter((target) => process.env[URL_ENV[target]] !== undefined);
for (const target of REQUIRED_TARGETS) {
  if (!present.includes(target)) throw new Error(`${URL_ENV[target]} is not set; the suite passes the ${target} server's URL in it`);
}
const clients = await Promise.all(
  present.map(async (target) => {
    const client = new Client({ name: `bench-load-${target}`, version: "0.1.0" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new StreamableHTTPClientTransport(new URL(process.env[URL_ENV[target]] ?? "")));
    return client;
  }),
);
const targets: Record<string, Target> = {};
present.forEach((target, i) => {
  const client = clients[i]!;
  targets[target] = async () => {
    const result = await client.callTool({ name: TOOL_NAME, arguments: { ...TOOL_ARGUMENTS } });
    if (result.isError === true) throw new Error(`${target}: ${TOOL_NAME} answered a tool error: ${JSON.stringify(result.content)}`);
  };
});
// Every side must speak the same revision (2026-07-28: one POST per call, no session), or the comparison is not like for like.
const revisions = clients.map((client) => client.getNegotiatedProtocolVersion());
if (new Set(revisions).size !== 1) {
  throw new Error(`the client negotiated ${present.map((target, i) => `${revisions[i] ?? "nothing"} with ${target}`).join(" and ")}; the suite compares one revision`);
}
serveLoad(targets, async () => {
  await Promise.all(clients.map((client) => client.close()));
});
