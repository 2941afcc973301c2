import { MemoryRegistry, silentLogger } from "@kled/runtime";
import { CasbinAuthorizer } from "@kled/runtime/casbin";
import { issueToken, jwtAuthenticator } from "@kled/runtime/jwt";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textAdapter } from "../auth/support/casbin-oracle.js";
import { ListingBackend, startListingBackend } from "./listing-backend.js";
import { CLIENT_LINES, connect, startGateway, type ClientLine, type McpTestClient } from "./support.js";

/** 30 of each kind in pages of 7: four full pages and one of two. */
const COUNT = 30;
const PAGE_SIZE = 7;

/** The four paginated lists, each with the client method that lists it and the field holding its items. */
const LISTS = [
  { method: "listTools", wire: "tools/list", field: "tools", key: "name" },
  { method: "listResources", wire: "resources/list", field: "resources", key: "uri" },
  { method: "listResourceTemplates", wire: "resources/templates/list", field: "resourceTemplates", key: "uriTemplate" },
  { method: "listPrompts", wire: "prompts/list", field: "prompts", key: "name" },
] as const;
type List = (typeof LISTS)[number];

type ListPage = Record<string, unknown> & { nextCursor?: string };

/**
 * One page as the server sent it. The 1.x SDK's list methods return one page;
 * the 2.x client's follow every page when called without a cursor, so it
 * sends the bare request instead.
 */
function listPage(client: McpTestClient, list: List, cursor?: string): Promise<ListPage> {
  if (clientLines.get(client) === "client-2.x") {
    const params = cursor === undefined ? {} : { cursor };
    return (client as unknown as { request(request: object): Promise<ListPage> }).request({ method: list.wire, params });
  }
  return helperList(client, list, cursor === undefined ? undefined : { cursor });
}

/** What the client's own list method returns. */
function helperList(client: McpTestClient, list: List, params?: { cursor: string }): Promise<ListPage> {
  const method = (client as unknown as Record<string, (params?: { cursor: string }) => Promise<ListPage>>)[list.method];
  return method!.call(client, params);
}

const clientLines = new WeakMap<McpTestClient, ClientLine>();

async function connectLine(line: ClientLine, url: string, headers: Record<string, string> = {}): Promise<McpTestClient> {
  const client = await connect(line, url, { headers });
  clientLines.set(client, line);
  return client;
}

function keysOf(page: ListPage, list: List): string[] {
  return (page[list.field] as Array<Record<string, string>>).map((item) => item[list.key] as string);
}

/** Follows nextCursor from the first page to the last, as the spec tells a client to. */
async function everyPage(client: McpTestClient, list: List): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listPage(client, list, cursor);
    pages.push(keysOf(page, list));
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error(`${list.method}: more than 100 pages; the cursors loop`);
  } while (cursor !== undefined);
  return pages;
}

const started: Array<{ stop(): Promise<void> }> = [];
let registry: MemoryRegistry;
let backend: ListingBackend;
let gateway: McpGateway;
let replica: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  started.push({ stop: () => registry.close() });
  backend = new ListingBackend(COUNT);
  started.push(await startListingBackend(registry, "paged.tools", backend));
  gateway = await startGateway(registry, { pageSize: PAGE_SIZE });
  replica = await startGateway(registry, { pageSize: PAGE_SIZE });
  started.push(gateway, replica);
});
afterAll(async () => {
  for (const thing of started.reverse()) await thing.stop();
});

async function expectInvalidCursor(call: Promise<unknown>, cursor: string, reason: RegExp): Promise<void> {
  const error = (await call.then(
    () => expect.unreachable(`the cursor ${JSON.stringify(cursor)} was accepted`),
    (thrown: unknown) => thrown,
  )) as { code?: number; message?: string };
  expect(error.code).toBe(-32602);
  expect(error.message).toContain(`Invalid cursor ${JSON.stringify(cursor)}`);
  expect(error.message).toMatch(reason);
}

describe.each(CLIENT_LINES)("list pagination (%s)", (line: ClientLine) => {
  let client: McpTestClient;
  beforeAll(async () => {
    client = await connectLine(line, gateway.url);
  });
  afterAll(async () => {
    await client.close();
  });

  it.each(LISTS)("$method: following nextCursor yields every item exactly once, in pages of the configured size", async (list) => {
    const pages = await everyPage(client, list);
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 2]);
    const keys = pages.flat();
    expect(new Set(keys).size).toBe(COUNT);
    expect(keys).toEqual(keysOf(await fullList(list), list));
  });

  it("refuses a cursor it never issued with -32602 naming it", async () => {
    await expectInvalidCursor(listPage(client, LISTS[0], "not a cursor!"), "not a cursor!", /not a cursor this gateway issued/);
    // Well-formed base64url that decodes to something else.
    const forged = Buffer.from("k1:tools:AAAAAAAAAAAAAAAA:999").toString("base64url");
    await expectInvalidCursor(listPage(client, LISTS[0], forged), forged, /the list changed since it was issued/);
    await expectInvalidCursor(listPage(client, LISTS[0], ""), "", /not a cursor this gateway issued/);
  });

  it("refuses another list's cursor", async () => {
    const promptsCursor = (await listPage(client, LISTS[3])).nextCursor ?? "";
    await expectInvalidCursor(listPage(client, LISTS[0], promptsCursor), promptsCursor, /continues prompts\/list, not tools\/list/);
  });
});

describe("cursors and catalog versions", () => {
  it("a replica serving the same catalog continues another's cursor", async () => {
    const client = await connectLine("client-2.x", gateway.url);
    const other = await connectLine("sdk-1.x", replica.url);
    const first = await listPage(client, LISTS[0]);
    const second = await listPage(other, LISTS[0], first.nextCursor);
    expect(keysOf(second, LISTS[0])).toEqual(["t07", "t08", "t09", "t10", "t11", "t12", "t13"]);
    await client.close();
    await other.close();
  });

  it("a cursor from before the list changed gets -32602, and listing again starts over", async () => {
    const client = await connectLine("sdk-1.x", gateway.url);
    const stale = (await listPage(client, LISTS[0])).nextCursor ?? "";
    backend.generation++;
    await gateway.refresh();
    await expectInvalidCursor(listPage(client, LISTS[0], stale), stale, /the list changed since it was issued; call tools\/list without a cursor/);
    expect((await everyPage(client, LISTS[0])).flat()).toHaveLength(COUNT);
    await client.close();
  });
});

describe("the SDKs' listing helpers", () => {
  it("2.x: listTools() without a cursor follows every page", async () => {
    const client = await connectLine("client-2.x", gateway.url);
    for (const list of LISTS) {
      const all = await helperList(client, list);
      expect(keysOf(all, list)).toHaveLength(COUNT);
      expect(all.nextCursor).toBeUndefined();
    }
    await client.close();
  });

  it("1.x: listTools() returns the first page and its nextCursor; the caller follows the rest", async () => {
    const client = await connectLine("sdk-1.x", gateway.url);
    const first = await helperList(client, LISTS[0]);
    expect(keysOf(first, LISTS[0])).toHaveLength(PAGE_SIZE);
    expect(first.nextCursor).toEqual(expect.any(String));
    await client.close();
  });
});

const SECRET = new TextEncoder().encode("an HMAC secret of at least 32 bytes, for tests only");
const ISSUER = "https://id.example.test";
const RESOURCE = "https://mcp.example.test/mcp";

describe.each(CLIENT_LINES)("pages of a caller's own tools (%s)", (line) => {
  let secured: McpGateway;
  beforeAll(async () => {
    // Role "odd" may use t01, t03, … t29: 15 of the 30 tools.
    const policy = Array.from({ length: COUNT / 2 }, (_, index) => `p, odd, *, paged.tools, t${String(index * 2 + 1).padStart(2, "0")}`).join("\n");
    secured = await startGateway(registry, {
      pageSize: 4,
      auth: {
        authenticator: jwtAuthenticator({ secret: SECRET, issuer: ISSUER, audience: RESOURCE }),
        authorizationServers: [ISSUER],
        resource: RESOURCE,
        authorizer: await CasbinAuthorizer.create({ adapter: textAdapter(policy), logger: silentLogger }),
      },
    });
    started.push(secured);
  });

  it("are cut after filtering: full pages of allowed tools only, each once", async () => {
    const token = await issueToken({ subject: "olive", issuer: ISSUER, audience: RESOURCE, roles: ["odd"] }, { key: SECRET, alg: "HS256" });
    const client = await connectLine(line, secured.url, { authorization: `Bearer ${token}` });
    const pages = await everyPage(client, LISTS[0]);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 3]);
    const names = pages.flat();
    expect(new Set(names).size).toBe(15);
    expect(names.every((name) => Number(name.slice(1)) % 2 === 1)).toBe(true);
    await client.close();
  });
});

async function fullList(list: List): Promise<ListPage> {
  const client = await connectLine("client-2.x", gateway.url);
  try {
    return await helperList(client, list);
  } finally {
    await client.close();
  }
}
