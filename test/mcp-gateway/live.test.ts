import type { HandlerContext } from "@kled/runtime";
import { MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import type { McpGateway } from "@kled/runtime/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerMcpServiceHandler } from "../../examples/src/gen/kled/mcp/v1/mcp_kled.js";
import type { CallToolStreamRequest } from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { McpToolService } from "../../examples/src/mcp/handler.js";
import { CLIENT_LINES, connect, startGateway, startMcpBackend } from "./support.js";

/** The example service, recording whether each streamed call's gRPC signal was aborted when it ended. */
class RecordingService extends McpToolService {
  readonly ended: boolean[] = [];
  override async *callToolStream(request: CallToolStreamRequest, context: HandlerContext) {
    try {
      yield* super.callToolStream(request, context);
    } finally {
      this.ended.push(context.signal.aborted);
    }
  }
}

let registry: MemoryRegistry;
let recording: RecordingService;
let backends: Service[];
let gateway: McpGateway;

beforeAll(async () => {
  registry = new MemoryRegistry();
  const service = new Service({ name: "kled.mcp.tools", registry, address: "127.0.0.1:0", logger: silentLogger, logCalls: false, deregisterDelayMs: 0 });
  recording = new RecordingService({ instanceId: () => service.nodeId ?? "" });
  registerMcpServiceHandler(service.server, recording);
  await service.start();
  backends = [service];
  gateway = await startGateway(registry);
});
afterAll(async () => {
  await gateway?.stop();
  await Promise.all(backends.map((backend) => backend.stop()));
  await registry.close();
});

/** Resolves when `check` holds, polling; fails after a wide bound (a noisy 2-core machine). */
async function eventually(check: () => boolean, what: string, boundMs = 15_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`still not true after ${boundMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(CLIENT_LINES)("live gateway (%s)", (line) => {
  it("forwards a streamed call's progress as progress notifications, in order", async () => {
    const client = await connect(line, gateway.url);
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool({ name: "countdown", arguments: { from: 3, interval_ms: 0 } }, undefined, {
      onprogress: (value) => progress.push(value),
    });
    expect(result["structuredContent"]).toMatchObject({ result: "3 2 1 0" });
    expect(progress.map((value) => value.progress)).toEqual([0, 1, 2, 3, 4]);
    expect(progress.at(-1)).toMatchObject({ total: 4, message: "0" });
    await client.close();
  });

  it("cancels the gRPC call when the MCP client cancels", async () => {
    const client = await connect(line, gateway.url);
    const controller = new AbortController();
    const endedBefore = recording.ended.length;
    const call = client.callTool({ name: "countdown", arguments: { from: 100, interval_ms: 1_000 } }, undefined, {
      signal: controller.signal,
      onprogress: () => controller.abort(),
    });
    await expect(call).rejects.toThrow();
    // The backend's handler ends with its signal aborted, long before the 100 s countdown would.
    await eventually(() => recording.ended.length > endedBefore, "the backend's streamed call ended");
    expect(recording.ended.at(-1)).toBe(true);
    await client.close();
  });

  it("tells the client when a new MCP service registers, and when it leaves", async () => {
    const seen: string[][] = [];
    const client = await connect(line, gateway.url, { onToolsChanged: (names) => seen.push(names) });
    // The 2026-07-28 client subscribes (subscriptions/listen) as it connects; the 1.x client opens its GET stream after initialized.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await startMcpBackend(registry, `late.tools.${line}`);
    await eventually(() => seen.some((names) => names.includes(`late.tools.${line}__add`)), "the list with the new service's tools");
    await late.stop();
    await eventually(() => seen.at(-1)?.includes("add") === true, "the list without the departed service");
    expect(seen.at(-1)).not.toContain(`late.tools.${line}__add`);
    await client.close();
  });
});

describe("backends coming and going", () => {
  it("moves calls to the remaining instance when one is stopped mid-session", async () => {
    const second = await startMcpBackend(registry, "kled.mcp.tools");
    const client = await connect("sdk-1.x", gateway.url);
    for (let i = 0; i < 4; i++) await client.callTool({ name: "add", arguments: { a: i, b: 1 } });
    await backends[0]?.stop();
    backends = [second];
    for (let i = 0; i < 10; i++) {
      const result = await client.callTool({ name: "add", arguments: { a: i, b: 1 } });
      expect(result["structuredContent"]).toMatchObject({ result: i + 1 });
    }
    await client.close();
  });
});
