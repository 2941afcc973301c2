import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MemoryRegistry, type Service } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInventory } from "./inventory.js";
import { startGateway } from "./support.js";

// The MCP Inspector's CLI (@modelcontextprotocol/inspector 2.x), the client
// the README tells users to try the gateway with, run as a user runs it.
const run = promisify(execFile);
const launcher = createRequire(import.meta.url).resolve("@modelcontextprotocol/inspector/package.json").replace(/package\.json$/, "clients/launcher/build/index.js");

let registry: MemoryRegistry;
let inventory: Service;
let gateway: McpGateway;
let home: string;

beforeAll(async () => {
  registry = new MemoryRegistry();
  inventory = await startInventory(registry);
  gateway = await startGateway(registry);
  home = await mkdtemp(join(tmpdir(), "kled-inspector-"));
});
afterAll(async () => {
  await gateway?.stop();
  await inventory?.stop();
  await registry.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

/** Runs `mcp-inspector --cli <gateway> …` and parses the result out of its JSON output. */
async function inspector(era: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [launcher, "--cli", gateway.url, "--protocol-era", era, "--format", "json", "--quiet", ...args], {
    env: { ...process.env, HOME: home, MCP_CATALOG_PATH: join(home, "mcp.json") },
    timeout: 60_000,
  });
  return (JSON.parse(stdout) as { result: Record<string, unknown> }).result;
}

// legacy negotiates 2025-11-25 (initialize and a session), modern 2026-07-28 (stateless).
describe.each(["legacy", "modern"])("the MCP Inspector CLI against the gateway (protocol era %s)", (era) => {
  it("lists the proto tools", async () => {
    const listed = await inspector(era, "--method", "tools/list");
    const tools = listed["tools"] as Array<{ name: string }>;
    expect(tools.map((tool) => tool.name).sort()).toEqual(["adjust_stock", "get_item"]);
  });

  it("calls one and gets the response's proto3 JSON back", async () => {
    const result = await inspector(era, "--method", "tools/call", "--tool-name", "get_item", "--tool-args-json", '{"sku":"HAM-001"}');
    expect(result["isError"]).toBeFalsy();
    expect(result["structuredContent"]).toMatchObject({ item: { sku: "HAM-001", name: "Claw hammer", priceCents: "1299" } });
  });
});
