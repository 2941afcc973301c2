/**
 * Server reflection through clients Kled did not write: `buf curl` (Go's
 * protodesc resolves every file it receives, and rejects a broken one) over
 * both reflection versions, and the `kled` CLI's `call`, which reads method
 * descriptors through reflection. The agent service's file imports
 * well-known types and kled/options/v1/options.proto (descriptor.proto,
 * extensions, a custom option): all of it has to resolve.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KledError, KledServer, silentLogger } from "@kled/runtime";
import { registerAgentServiceHandler, type AgentServiceHandler } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { createKled, REPO_ROOT } from "../cli/support/run-kled.js";
import { bufBin } from "../plugin/support/paths.js";
import { EchoHandler } from "./support/echo-handler.js";

/** Spawned processes on a busy 2-core machine: generous. */
const CLIENT_TEST_TIMEOUT_MS = 60_000;

const { kledOk } = createKled({});

/** Runs `buf curl` with `args`; resolves with its exit code and output. */
async function bufCurl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bufBin, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
      cwd: REPO_ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The JSON documents buf curl prints one after another (one per streamed message). */
function documents(stdout: string): unknown[] {
  return stdout
    .trim()
    .split(/\n(?=\{)/)
    .map((text) => JSON.parse(text) as unknown);
}

const agentMethods = ["kled.agent.v1.AgentService/GetAgentCard", "kled.agent.v1.AgentService/SubscribeTaskEvents"];

/** A handler whose every method fails with UNIMPLEMENTED. */
const unimplementedAgent = new Proxy(
  {},
  {
    get: () => () => {
      throw new KledError(12, "not implemented in this test");
    },
  },
) as AgentServiceHandler;

describe("server reflection with buf curl and kled call", { timeout: CLIENT_TEST_TIMEOUT_MS }, () => {
  let server: KledServer;
  let address: string;
  let url: string;
  beforeAll(async () => {
    server = new KledServer({ logger: silentLogger });
    registerEchoServiceHandler(server, new EchoHandler());
    registerAgentServiceHandler(server, unimplementedAgent);
    address = await server.listen("127.0.0.1:0");
    url = `http://${address}`;
  });
  afterAll(() => server?.shutdown(0));

  it.each(["grpc-v1", "grpc-v1alpha"])("buf curl --list-methods over %s lists every served method", async (protocol) => {
    const result = await bufCurl("--reflect-protocol", protocol, "--list-methods", url);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const methods = result.stdout.trim().split("\n");
    expect(methods).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health/Check",
        "grpc.health.v1.Health/Watch",
        "kled.test.v1.EchoService/Echo",
        "kled.test.v1.EchoService/Count",
        "kled.test.v1.EchoService/Sum",
        "kled.test.v1.EchoService/Chat",
        ...agentMethods,
      ]),
    );
    expect(methods.filter((m) => m.startsWith("kled.agent.v1.")).sort()).toEqual(agentMethods);
  });

  it("buf curl --list-services", async () => {
    const result = await bufCurl("--list-services", url);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n").sort()).toEqual(["grpc.health.v1.Health", "kled.agent.v1.AgentService", "kled.test.v1.EchoService"]);
  });

  it.each(["grpc-v1", "grpc-v1alpha"])("buf curl calls a unary method by reflection over %s", async (protocol) => {
    const result = await bufCurl("--reflect-protocol", protocol, "-d", '{"text":"by buf curl"}', `${url}/kled.test.v1.EchoService/Echo`);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: "by buf curl" });
  });

  it("buf curl calls a server-streaming method by reflection", async () => {
    const result = await bufCurl("-d", '{"n":3}', `${url}/kled.test.v1.EchoService/Count`);
    expect(result.code).toBe(0);
    expect(documents(result.stdout)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });

  it("buf curl resolves the agent's schema (well-known types, custom options) and reaches the handler", async () => {
    // The agent's file imports lf/a2a/v1/a2a.proto (Struct, Value, Empty) and the options: buf curl
    // must resolve them all to encode even this empty request.
    const result = await bufCurl("-d", "{}", `${url}/kled.agent.v1.AgentService/GetAgentCard`);
    // The handler's own status, so the request was encoded from the reflected schema and sent.
    expect(result.stderr).toContain("unimplemented");
    expect(result.stderr).toContain("not implemented in this test");
  });

  it("kled call reads the method through reflection and calls it", async () => {
    const direct = ["--registry", "memory", "--json", "call", "echo"];
    expect(JSON.parse(await kledOk(REPO_ROOT, ...direct, "Echo", '{"text":"by kled"}', "--address", address))).toMatchObject({
      text: "by kled",
    });
    const counted = await kledOk(REPO_ROOT, ...direct, "Count", '{"n":2}', "--address", address);
    expect(counted.trim().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([{ value: 1 }, { value: 2 }]);
  });
});
