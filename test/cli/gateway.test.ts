import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MdnsRegistry, type Service } from "@kled/runtime";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startProtoToolBackend, type ProtoToolBackend } from "../mcp-gateway/proto-support.js";
import { CLIENT_LINES, connect, startMcpBackend } from "../mcp-gateway/support.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";
import { waitUntil } from "../registry/wait.js";
import { createKled, type RunningKled } from "./support/run-kled.js";

/** mDNS of this test only, shared by the backends started here and the `kled gateway` process. */
const serviceType = uniqueServiceType();
const { startKled } = createKled({ KLED_MDNS_SERVICE_TYPE: serviceType });

/** Milliseconds the gateway may take to start and see both backends over mDNS: generous, for a loaded 2-core machine. */
const DISCOVERY_TIMEOUT_MS = 30_000;

let dir: string;
let registry: MdnsRegistry;
let mcpBackend: Service;
let echo: ProtoToolBackend;
let gateway: RunningKled;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kled-gateway-"));
  registry = new MdnsRegistry({ serviceType });
  mcpBackend = await startMcpBackend(registry, "gateway.mcp");
  echo = await startProtoToolBackend(registry, "gateway.echo");
  gateway = startKled(dir, "gateway", "--listen", "127.0.0.1:0");
  await waitUntil("kled gateway to print its URL", () => /MCP gateway on (\S+)/.test(gateway.output().stdout), DISCOVERY_TIMEOUT_MS);
  url = /MCP gateway on (\S+)/.exec(gateway.output().stdout)?.[1] ?? "";
}, DISCOVERY_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (gateway !== undefined && gateway.child.exitCode === null) gateway.child.kill("SIGTERM");
  await echo?.stop();
  await mcpBackend?.stop();
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("kled gateway", () => {
  test("listens on loopback and says where", () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  test.each(CLIENT_LINES)(
    "serves the MCP service's tools and the proto tool of the registry to the SDK client (%s)",
    async (line) => {
      let names: string[] = [];
      await waitUntil(
        "the gateway to list both backends' tools",
        async () => {
          const client = await connect(line, url);
          names = (await client.listTools()).tools.map((tool) => tool.name);
          await client.close();
          return names.includes("add") && names.includes("echo");
        },
        DISCOVERY_TIMEOUT_MS,
        250,
      );
      expect(names).toEqual(expect.arrayContaining(["add", "multiply", "echo"]));
      const client = await connect(line, url);
      const result = await client.callTool({ name: "echo", arguments: { text: `via kled gateway ${line}` } });
      expect(result["structuredContent"]).toMatchObject({ text: `via kled gateway ${line}` });
      await client.close();
    },
    DISCOVERY_TIMEOUT_MS + 10_000,
  );

  test("stops on SIGTERM with exit code 0", async () => {
    gateway.child.kill("SIGTERM");
    const { code, stderr } = await gateway.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 20_000);
});
