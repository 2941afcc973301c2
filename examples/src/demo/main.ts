/**
 * The Kled demo (`npm run demo`): two MCP tool service instances and the
 * example agent as separate processes, found through mDNS with no server to
 * install. The demo acts as the identity provider: it gives the MCP services
 * a public key and the agent a signed service token, so every tool call is
 * authenticated (JWT) and authorized (the mcp-tools Casbin policy). The
 * agent keeps its tasks in an embedded SQLite file and publishes their events
 * through the transactional outbox. The demo submits a task that needs
 * several tool calls, streams its events, shows how the calls spread over
 * the two MCP instances, checks that MCP refuses callers without a token or
 * without the role, then starts the gateway over the same registry (MCP and
 * A2A on one port, as `kled gateway` serves them) and drives it with the
 * official MCP client (the tools of the MCP instances and of the inventory's
 * proto methods, a call of each, a streamed call's progress) and with the
 * stock A2A client, @a2a-js/sdk (the agent's card, a streamed task that asks
 * for input, the answer on the same task, push notifications to a local
 * webhook), and stops everything. Every process exports its spans
 * (OTLP/HTTP) to a small collector inside the demo, which prints the task's
 * trace as a tree once the services have stopped and flushed. With
 * KLED_BROKER=redis (or redis://host:port) the task events go through Redis
 * and the audit consumer runs too, its spans in the same trace; with the
 * default memory broker the events stay inside the agent process. It exits
 * 1 unless every step worked (the gateway's included), both instances served tool calls, the trace
 * reached the collector, and every service stopped cleanly.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, codeName, KledClient, KledError, registryFromEnv, type Node } from "@kled/runtime";
import { bearerToken } from "@kled/runtime/auth";
import { Role, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { createAgentServiceClient } from "../gen/kled/agent/v1/agent_kled.js";
import { createA2AServiceClient } from "../gen/lf/a2a/v1/a2a_kled.js";
import { createMcpServiceClient } from "../gen/kled/mcp/v1/mcp_kled.js";
import { AGENT_SERVICE_NAME, INVENTORY_SERVICE_NAME, MCP_SERVICE_NAME } from "../shared/service-names.js";
import { ServiceProcess } from "./child-process.js";
import { demoCredentials } from "./demo-credentials.js";
import { gatewayTour } from "./gateway-tour.js";
import { OtlpReceiver } from "./otlp-receiver.js";
import { eventLine, paint, say } from "./output.js";
import { traceTree } from "./trace-tree.js";
import { waitForServices } from "./wait-for-services.js";

/** The task: seven tool calls, so round-robin gives both MCP instances several. */
const TASK =
  "add 2 and 3, then multiply by 4, divide it by 8, uppercase 'hello kled', reverse it, " +
  "count words in 'the quick brown fox jumps', store the result as words";

/** How long the services get to become discoverable, in milliseconds (they start in about a second). */
const DISCOVERY_TIMEOUT_MS = 20_000;
/** How long the task may take, in milliseconds. */
const TASK_TIMEOUT_MS = 30_000;
/** How long a service gets to exit after SIGTERM before SIGKILL: its 10 s drain plus margin. */
const STOP_TIMEOUT_MS = 15_000;
/**
 * How long the services' SDKs hold finished spans before sending a batch,
 * in milliseconds: short, so that little waits at shutdown (the SDK's
 * default is 5 s); stopping a service flushes the rest anyway.
 */
const SPAN_BATCH_DELAY_MS = 200;

// The registry is mDNS unless KLED_REGISTRY names another (consul://host:port).
// On mDNS the demo uses a service type of its own: its processes see each
// other and nothing else, even with other Kled processes on the host.
const registrySpec = process.env["KLED_REGISTRY"]?.trim() || "mdns";
const serviceType = `_kled-demo-${randomBytes(4).toString("hex")}._tcp`;
const dataDir = mkdtempSync(join(tmpdir(), "kled-demo-"));
const credentials = await demoCredentials();
const collector = new OtlpReceiver();
await collector.listen();
// memory (the default) keeps the task events inside the agent process; redis carries them to the audit consumer.
const brokerSpec = process.env["KLED_BROKER"]?.trim() || "memory";
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...collector.env(SPAN_BATCH_DELAY_MS),
  KLED_REGISTRY: registrySpec,
  KLED_MDNS_SERVICE_TYPE: serviceType,
  KLED_ADDRESS: "127.0.0.1:0",
  KLED_LOG_LEVEL: process.env["KLED_LOG_LEVEL"] ?? "warn",
};
const agentEnv: NodeJS.ProcessEnv = {
  ...env,
  ...credentials.agentEnv,
  KLED_DATABASE_URL: `sqlite:${join(dataDir, "agent.db")}`,
  KLED_BROKER: brokerSpec,
};
/** The trace the task runs in: the demo starts it (it sends this trace's context with SendMessage) and exports nothing itself. */
const traceId = randomBytes(16).toString("hex");
const traceparent = `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
const script = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

say(
  `starting 2 MCP tool services, the agent and the inventory (${registrySpec === "mdns" ? `mDNS service type ${serviceType}` : `registry ${registrySpec}`})`,
);
say("MCP requires a JWT (Ed25519 key generated for this run) and the tool-user role of the mcp-tools policy");
const children = [
  new ServiceProcess("mcp-1", script("../mcp/main.ts"), { ...env, ...credentials.mcpEnv }),
  new ServiceProcess("mcp-2", script("../mcp/main.ts"), { ...env, ...credentials.mcpEnv }),
  new ServiceProcess("agent", script("../agent/main.ts"), agentEnv),
  new ServiceProcess("inventory", script("../inventory/main.ts"), env),
  ...(brokerSpec === "memory" ? [] : [new ServiceProcess("audit", script("../audit/main.ts"), { ...env, KLED_BROKER: brokerSpec })]),
];
const registry = registryFromEnv(env);
const client = new KledClient({ registry, middleware: [bearerToken(credentials.operatorToken)] });
/** The MCP gateway's client to its backends: the gateway calls them as kled.gateway, with a token of its own. */
const gatewayClient = new KledClient({ registry, middleware: [bearerToken(credentials.gatewayToken)] });

const failures: string[] = [];
const interrupted = new AbortController();
process.once("SIGINT", () => interrupted.abort(new Error("interrupted")));
try {
  await run(interrupted.signal);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
}
failures.push(...(await shutdown()));
failures.push(...printTrace());
await collector.close();
if (failures.length > 0) {
  process.stdout.write(`${paint("red", "✗ demo failed:")} ${failures.join("\n  ")}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`${paint("green", "✓ demo passed")}\n`);
}

async function run(signal: AbortSignal): Promise<void> {
  const found = await waitForServices(
    registry,
    [
      { name: MCP_SERVICE_NAME, nodes: 2 },
      { name: AGENT_SERVICE_NAME, nodes: 1 },
      { name: INVENTORY_SERVICE_NAME, nodes: 1 },
    ],
    children,
    DISCOVERY_TIMEOUT_MS,
  );
  const mcpNodes = found.get(MCP_SERVICE_NAME) ?? [];
  for (const [name, nodes] of found) {
    say(`discovered ${name}: ${nodes.map((node) => `${node.id.slice(-8)} at ${node.address}`).join(", ")}`);
  }

  const agent = createAgentServiceClient(client, { service: AGENT_SERVICE_NAME });
  const a2a = createA2AServiceClient(client, { service: AGENT_SERVICE_NAME });
  const { card } = await agent.getAgentCard({}, { signal });
  say(`agent ${card?.name ?? "?"} ${card?.version ?? ""} (A2A ${card?.supportedInterfaces[0]?.protocolVersion ?? "?"}): sending the task\n    "${TASK}"`);
  // return_immediately: the demo follows the task through its numbered event log instead of waiting.
  const sent = await a2a.sendMessage(
    {
      message: { messageId: randomBytes(8).toString("hex"), role: Role.USER, parts: [{ content: { case: "text", value: TASK } }] },
      configuration: { returnImmediately: true },
    },
    { signal, metadata: { traceparent } },
  );
  if (sent.payload.case !== "task") throw new Error("SendMessage answered without a task");
  const task = sent.payload.value;
  say(`task ${task.id} events:`);
  let finalState = TaskState.UNSPECIFIED;
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(TASK_TIMEOUT_MS)]);
  for await (const { event } of agent.subscribeTaskEvents({ taskId: task.id }, { signal: deadline })) {
    if (event === undefined) continue;
    process.stdout.write(`${eventLine(event)}\n`);
    if (event.event.case === "statusUpdate") finalState = event.event.value.status?.state ?? TaskState.UNSPECIFIED;
  }
  if (finalState !== TaskState.COMPLETED) {
    throw new Error(`the task ended ${TaskState[finalState] ?? finalState}, not COMPLETED`);
  }
  await reportStats(mcpNodes, signal);
  await checkRefusals(mcpNodes[0], signal);
  await gatewayTour({ registry, client: gatewayClient, mcpInstances: mcpNodes.length, signal });
}

/** Shows that an MCP instance refuses a call without a token, and one whose token lacks the role. */
async function checkRefusals(node: Node | undefined, signal: AbortSignal): Promise<void> {
  if (node === undefined) throw new Error("no MCP node to check authorization on");
  const anonymous = new KledClient();
  try {
    const mcp = createMcpServiceClient(anonymous, { service: MCP_SERVICE_NAME, address: node.address });
    const status = (metadata: Record<string, string>): Promise<string> =>
      mcp.listTools({}, { signal, metadata }).then(
        () => "OK",
        (error: unknown) => codeName(KledError.from(error).code),
      );
    const withoutToken = await status({});
    const withoutRole = await status({ authorization: `Bearer ${credentials.roleless}` });
    say(`MCP refuses a call without a token (${withoutToken}) and a token without the tool-user role (${withoutRole})`);
    if (withoutToken !== codeName(Code.Unauthenticated) || withoutRole !== codeName(Code.PermissionDenied)) {
      throw new Error(`MCP answered ${withoutToken} without a token and ${withoutRole} without the role; expected UNAUTHENTICATED and PERMISSION_DENIED`);
    }
  } finally {
    await anonymous.close();
  }
}

/** Reads kled://stats from each MCP node directly and fails unless every one served tool calls. */
async function reportStats(nodes: readonly Node[], signal: AbortSignal): Promise<void> {
  say("tool calls served per MCP instance (kled://stats, read from each node directly):");
  const idle: string[] = [];
  for (const node of nodes) {
    const mcp = createMcpServiceClient(client, { service: MCP_SERVICE_NAME, address: node.address });
    const { contents } = await mcp.readResource({ uri: "kled://stats" }, { signal });
    const text = contents[0]?.contents.case === "text" ? contents[0].contents.value.text : "{}";
    const stats = JSON.parse(text) as { toolCalls?: number; toolCallsByTool?: Record<string, number> };
    const calls = stats.toolCalls ?? 0;
    const byTool = Object.entries(stats.toolCallsByTool ?? {})
      .map(([tool, count]) => `${tool} ${count}`)
      .join(", ");
    process.stdout.write(`    ${node.address.padEnd(16)} ${String(calls).padStart(2)} calls  ${paint("dim", byTool)}\n`);
    if (calls === 0) idle.push(node.address);
  }
  if (idle.length > 0) throw new Error(`MCP instance(s) ${idle.join(", ")} served no tool calls: the load was not balanced`);
}

/**
 * Prints the task's trace from the spans the services exported (all of
 * them are in once the services have stopped: stopping flushes); returns
 * what is missing, if anything.
 */
function printTrace(): string[] {
  const spans = collector.spans().filter((span) => span.traceId === traceId);
  say(`the task's trace ${traceId} (${spans.length} spans; name, kind, duration, service):`);
  for (const line of traceTree(spans, traceId)) process.stdout.write(`    ${line}\n`);
  if (brokerSpec === "memory") {
    process.stdout.write(`    ${paint("dim", "(memory broker: the events stay in the agent; KLED_BROKER=redis adds the audit consumer's spans)")}\n`);
  }
  const services = new Set(spans.map((span) => span.service));
  const expected = [AGENT_SERVICE_NAME, MCP_SERVICE_NAME, ...(brokerSpec === "memory" ? [] : ["kled.audit"])];
  const missing = expected.filter((name) => !services.has(name));
  return missing.length === 0 ? [] : [`the task's trace has no spans from ${missing.join(", ")}`];
}

/** Stops the children (SIGTERM, then SIGKILL after a timeout); returns what went wrong, if anything. */
async function shutdown(): Promise<string[]> {
  say("stopping the services");
  await client.close();
  await gatewayClient.close();
  const exits = await Promise.all(children.map(async (child) => ({ child, exit: await child.stop(STOP_TIMEOUT_MS) })));
  await registry.close();
  rmSync(dataDir, { recursive: true, force: true });
  return exits
    .filter(({ exit }) => exit.killed || exit.code !== 0)
    .map(({ child, exit }) =>
      exit.killed
        ? `${child.name} did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed`
        : `${child.name} exited with ${exit.signal ?? `code ${exit.code ?? "?"}`}`,
    );
}
