import { create } from "@bufbuild/protobuf";
import { Code, type HandlerContext, KledError } from "@kled/runtime";
import { describe, expect, it } from "vitest";
import {
  CacheScope,
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";
import { PAGE_SIZE } from "../../examples/src/mcp/pagination.js";

// The handler methods tested here read nothing from the context but its signal.
const context = { signal: new AbortController().signal } as HandlerContext;

function service(): McpToolService {
  return new McpToolService({ instanceId: () => "node-1" });
}

async function rejectionOf(action: () => unknown): Promise<KledError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof KledError) return error;
    throw error;
  }
  throw new Error("expected a KledError");
}

describe("McpToolService (in process)", () => {
  it("negotiates the protocol version", () => {
    const mcp = service();
    const ours = mcp.initialize(create(InitializeRequestSchema, { protocolVersion: "2025-11-25" }));
    expect(ours.protocolVersion).toBe("2025-11-25");
    expect(ours.capabilities?.tools).toEqual({ listChanged: false });
    const older = mcp.initialize(create(InitializeRequestSchema, { protocolVersion: "2024-11-05" }));
    expect(older.protocolVersion).toBe("2025-11-25");
  });

  it("pages tools with opaque cursors and refuses foreign ones", async () => {
    const mcp = service();
    const names: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const page = mcp.listTools(create(ListToolsRequestSchema, { cursor }));
      expect(page.tools.length).toBeLessThanOrEqual(PAGE_SIZE);
      names.push(...page.tools.map((tool) => tool.name ?? ""));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== "");
    expect(pages).toBe(3);
    expect(names).toEqual([
      "add", "multiply", "divide", "uppercase", "reverse", "word_count",
      "kv_set", "kv_get", "kv_delete", "kv_list", "countdown",
    ]);
    for (const bad of ["garbage!", "eyJsaXN0IjoicHJvbXB0cyIsIm9mZnNldCI6NX0", Buffer.from('{"list":"tools","offset":-1}').toString("base64url")]) {
      const error = await rejectionOf(() => mcp.listTools(create(ListToolsRequestSchema, { cursor: bad })));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(`cursor "${bad}" is not a cursor this server handed out`);
    }
  });

  it("calls tools, reports tool errors in the result and counts calls in kled://stats", async () => {
    const mcp = service();
    const sum = await mcp.callTool(create(CallToolRequestSchema, { name: "add", arguments: { a: 2, b: 3 } }), context);
    expect(sum.structuredContent).toEqual({ result: 5 });
    expect(sum.content?.[0]?.content).toEqual({ case: "text", value: { text: '{"result":5}' } });
    const byZero = await mcp.callTool(create(CallToolRequestSchema, { name: "divide", arguments: { a: 1, b: 0 } }), context);
    expect(byZero.isError).toBe(true);
    const unknown = await rejectionOf(() => mcp.callTool(create(CallToolRequestSchema, { name: "nope" }), context));
    expect(unknown.code).toBe(Code.NotFound);
    const bad = await rejectionOf(() => mcp.callTool(create(CallToolRequestSchema, { name: "add", arguments: { a: 1 } }), context));
    expect(bad.code).toBe(Code.InvalidArgument);

    const stats = mcp.readResource(create(ReadResourceRequestSchema, { uri: "kled://stats" }));
    const text = stats.contents?.[0]?.contents?.case === "text" ? stats.contents[0].contents.value.text : "";
    expect(JSON.parse(text ?? "")).toMatchObject({ instanceId: "node-1", toolCalls: 2, toolCallsByTool: { add: 1, divide: 1 } });
  });

  it("serves stored values as kv:// resources", async () => {
    const mcp = service();
    await mcp.callTool(create(CallToolRequestSchema, { name: "kv_set", arguments: { key: "answer", value: 42 } }), context);
    const read = mcp.readResource(create(ReadResourceRequestSchema, { uri: "kv://answer" }));
    expect(read.contents?.[0]?.contents).toMatchObject({ case: "text", value: { uri: "kv://answer", text: "42" } });
    expect(mcp.listResources(create(ListResourcesRequestSchema)).resources.map((r) => r.uri)).toEqual(["kled://stats", "kv://answer"]);
    expect(mcp.listResourceTemplates(create(ListResourceTemplatesRequestSchema)).resourceTemplates[0]?.uriTemplate).toBe("kv://{key}");
    expect((await rejectionOf(() => mcp.readResource(create(ReadResourceRequestSchema, { uri: "kv://missing" })))).code).toBe(Code.NotFound);
    expect((await rejectionOf(() => mcp.readResource(create(ReadResourceRequestSchema, { uri: "" })))).code).toBe(Code.InvalidArgument);
  });

  it("says how long clients may cache each list and read (MCP 2026-07-28 ttlMs, cacheScope)", () => {
    const mcp = service();
    const hint = (response: { ttlMs?: number; cacheScope: CacheScope }) => ({ ttlMs: response.ttlMs, cacheScope: response.cacheScope });
    // Fixed by the code: ten minutes, shareable by any cache.
    const code = { ttlMs: 600_000, cacheScope: CacheScope.PUBLIC };
    expect(hint(mcp.listTools(create(ListToolsRequestSchema)))).toEqual(code);
    expect(hint(mcp.listPrompts(create(ListPromptsRequestSchema)))).toEqual(code);
    expect(hint(mcp.listResourceTemplates(create(ListResourceTemplatesRequestSchema)))).toEqual(code);
    // Changed by any tool call: stale at once, and kept within the caller's authorization context.
    const data = { ttlMs: 0, cacheScope: CacheScope.PRIVATE };
    expect(hint(mcp.listResources(create(ListResourcesRequestSchema)))).toEqual(data);
    expect(hint(mcp.readResource(create(ReadResourceRequestSchema, { uri: "kled://stats" })))).toEqual(data);
  });

  it("renders prompts and rejects missing or unknown arguments", async () => {
    const mcp = service();
    const rendered = mcp.getPrompt(create(GetPromptRequestSchema, { name: "explain_calculation", arguments: { expression: "2 + 3", audience: "child" } }));
    expect(rendered.description).toBe("Explain 2 + 3 to a child");
    const missing = await rejectionOf(() => mcp.getPrompt(create(GetPromptRequestSchema, { name: "explain_calculation" })));
    expect(missing.code).toBe(Code.InvalidArgument);
    expect(missing.rawMessage).toMatch(/argument "expression" is required/);
    const extra = await rejectionOf(() =>
      mcp.getPrompt(create(GetPromptRequestSchema, { name: "describe_value", arguments: { key: "a", colour: "red" } })),
    );
    expect(extra.rawMessage).toMatch(/unknown argument "colour"/);
    expect((await rejectionOf(() => mcp.getPrompt(create(GetPromptRequestSchema, { name: "nope" })))).code).toBe(Code.NotFound);
  });

  it("completes prompt arguments and kv keys", async () => {
    const mcp = service();
    for (const key of ["apple", "apricot", "banana"]) {
      await mcp.callTool(create(CallToolRequestSchema, { name: "kv_set", arguments: { key, value: 1 } }), context);
    }
    const audiences = mcp.complete(
      create(CompleteRequestSchema, { ref: { case: "prompt", value: { name: "explain_calculation" } }, argument: { name: "audience", value: "E" } }),
    );
    expect(audiences.completion).toEqual({ values: ["expert"], total: 1, hasMore: false });
    const keys = mcp.complete(
      create(CompleteRequestSchema, { ref: { case: "resource", value: { uri: "kv://{key}" } }, argument: { name: "key", value: "ap" } }),
    );
    expect(keys.completion?.values).toEqual(["apple", "apricot"]);
    const promptKeys = mcp.complete(
      create(CompleteRequestSchema, { ref: { case: "prompt", value: { name: "describe_value" } }, argument: { name: "key", value: "" } }),
    );
    expect(promptKeys.completion?.values).toEqual(["apple", "apricot", "banana"]);
    const noRef = await rejectionOf(() => mcp.complete(create(CompleteRequestSchema, { argument: { name: "key" } })));
    expect(noRef.code).toBe(Code.InvalidArgument);
  });
});
