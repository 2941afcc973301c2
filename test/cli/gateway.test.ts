import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MdnsRegistry, type Service } from "@kled/runtime";
import { issueToken, type TokenSigner } from "@kled/runtime/jwt";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startProtoToolBackend, type ProtoToolBackend } from "../mcp-gateway/proto-support.js";
import { CLIENT_LINES, connect, startMcpBackend } from "../mcp-gateway/support.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";
import { waitUntil } from "../registry/wait.js";
import { sdkClient, textMessage } from "../a2a/support/gateway.js";
import { startTestAgent } from "../a2a/support/test-agent.js";
import { createKled, type RunningKled } from "./support/run-kled.js";

/** mDNS of this test only, shared by the backends started here and the `kled gateway` process. */
const serviceType = uniqueServiceType();
const { kled, startKled } = createKled({ KLED_MDNS_SERVICE_TYPE: serviceType });

/** Milliseconds the gateway may take to start and see both backends over mDNS: generous, for a loaded 2-core machine. */
const DISCOVERY_TIMEOUT_MS = 30_000;

let dir: string;
let registry: MdnsRegistry;
let mcpBackend: Service;
let echo: ProtoToolBackend;
let agent: Service;
let gateway: RunningKled;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kled-gateway-"));
  registry = new MdnsRegistry({ serviceType });
  mcpBackend = await startMcpBackend(registry, "gateway.mcp");
  echo = await startProtoToolBackend(registry, "gateway.echo");
  ({ service: agent } = await startTestAgent(registry, "gateway.agent"));
  gateway = startKled(dir, "gateway", "--listen", "127.0.0.1:0");
  await waitUntil("kled gateway to print its URL", () => /MCP gateway on (\S+)/.test(gateway.output().stdout), DISCOVERY_TIMEOUT_MS);
  url = /MCP gateway on (\S+)/.exec(gateway.output().stdout)?.[1] ?? "";
}, DISCOVERY_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (gateway !== undefined && gateway.child.exitCode === null) gateway.child.kill("SIGTERM");
  await echo?.stop();
  await agent?.stop();
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

  test("serves the registry's A2A agents on the same port and says where", async () => {
    const origin = new URL(url).origin;
    expect(gateway.output().stdout).toContain(`A2A gateway on ${origin}/a2a/{agent}/`);
    const agentUrl = `${origin}/a2a/gateway.agent/`;
    await waitUntil("the gateway to serve the agent's card", async () => (await fetch(`${agentUrl}.well-known/agent-card.json`)).status === 200, DISCOVERY_TIMEOUT_MS, 250);
    const client = await sdkClient(agentUrl, "HTTP+JSON");
    expect(await client.sendMessage(textMessage("reply: via kled gateway"))).toMatchObject({ parts: [{ content: { $case: "text", value: "via kled gateway" } }] });
  }, DISCOVERY_TIMEOUT_MS + 10_000);

  test("--page-size pages the lists: a 1.x client, which reads one page, gets one tool and a cursor", async () => {
    const paged = startKled(dir, "gateway", "--listen", "127.0.0.1:0", "--page-size", "1");
    try {
      await waitUntil("the paged gateway to print its URL", () => /MCP gateway on (\S+)/.test(paged.output().stdout), DISCOVERY_TIMEOUT_MS);
      const pagedUrl = /MCP gateway on (\S+)/.exec(paged.output().stdout)?.[1] ?? "";
      let page: { tools: unknown[]; nextCursor?: string } = { tools: [] };
      await waitUntil(
        "the paged gateway to list a tool",
        async () => {
          const client = await connect("sdk-1.x", pagedUrl);
          page = (await client.listTools()) as typeof page;
          await client.close();
          return page.tools.length > 0;
        },
        DISCOVERY_TIMEOUT_MS,
        250,
      );
      expect(page.tools).toHaveLength(1);
      expect(page.nextCursor).toEqual(expect.any(String));
    } finally {
      paged.child.kill("SIGTERM");
      await paged.done;
    }
  }, DISCOVERY_TIMEOUT_MS + 20_000);

  test("refuses a page size that is not a whole number ≥ 1, naming it", async () => {
    const { code, stderr } = await startKled(dir, "gateway", "--page-size", "0").done;
    expect(code).not.toBe(0);
    expect(stderr).toContain('"0" is not a whole number ≥ 1');
  }, 20_000);

  test("stops on SIGTERM with exit code 0", async () => {
    gateway.child.kill("SIGTERM");
    const { code, stderr } = await gateway.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 20_000);
});

describe("kled gateway with OAuth and a Casbin policy", () => {
  const ISSUER = "https://id.example.test";
  const RESOURCE = "https://gateway.example.test/mcp";
  let jwks: Server;
  let secured: RunningKled;
  let securedUrl = "";
  let signer: TokenSigner;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    signer = { key: privateKey, alg: "ES256", kid: "test-key" };
    const keys = { keys: [{ ...(await exportJWK(publicKey)), kid: "test-key", alg: "ES256", use: "sig" }] };
    jwks = createServer((_request, response) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keys)));
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    // viewer may use the proto tool only.
    const policy = join(dir, "policy.csv");
    await writeFile(policy, "p, viewer, *, kled.test.v1.EchoService, Echo\n");
    secured = startKled(dir, "gateway", "--listen", "127.0.0.1:0", "--jwks-url", jwksUrl, "--issuer", ISSUER, "--resource", RESOURCE, "--policy", policy);
    await waitUntil("the secured kled gateway to print its URL", () => /MCP gateway on (\S+)/.test(secured.output().stdout), DISCOVERY_TIMEOUT_MS);
    securedUrl = /MCP gateway on (\S+)/.exec(secured.output().stdout)?.[1] ?? "";
  }, DISCOVERY_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (secured !== undefined && secured.child.exitCode === null) secured.child.kill("SIGTERM");
    await secured?.done;
    await new Promise((resolve) => jwks?.close(resolve));
  });

  test("answers a request without a token 401 naming its protected resource metadata", async () => {
    expect(secured.output().stdout).toContain(`OAuth resource ${RESOURCE}`);
    const response = await fetch(securedUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer resource_metadata="https://gateway.example.test/.well-known/oauth-protected-resource/mcp"');
  });

  test("lists to a caller with a token from the JWKS's key only the tools its role grants", async () => {
    const token = await issueToken({ subject: "vera", issuer: ISSUER, audience: RESOURCE, roles: ["viewer"] }, signer);
    let names: string[] = [];
    await waitUntil(
      "the secured gateway to list the proto tool",
      async () => {
        const client = await connect("sdk-1.x", securedUrl, { headers: { authorization: `Bearer ${token}` } });
        names = (await client.listTools()).tools.map((tool) => tool.name);
        await client.close();
        return names.includes("echo");
      },
      DISCOVERY_TIMEOUT_MS,
      250,
    );
    expect(names).toEqual(["echo"]);
  }, DISCOVERY_TIMEOUT_MS + 10_000);
});

test("kled gateway refuses half of the token flags with exit code 2, naming the ones that go together", async () => {
  const result = await kled(dir, "gateway", "--listen", "127.0.0.1:0", "--issuer", "https://id.example.test");
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("--jwks-url, --issuer and --resource go together");
}, 20_000);
