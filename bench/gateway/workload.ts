/**
 * What the gateway suite's processes agree on. The tool is the example MCP
 * service's `add` (examples/src/mcp/tools/arithmetic.ts): trivial work, so
 * the figures are the transport's and the gateway's. The SDK side serves a
 * tool of the same name, schema and answer.
 *   gateway  the official client → the Kled MCP gateway (Streamable HTTP) →
 *            gRPC → a Kled service implementing kled.mcp.v1.McpService
 *   sdk      the official client → the SDK's own server over Streamable
 *            HTTP, the tool in that process: what one writes without Kled
 *   gateway-nats  as gateway, the hop to the backend over NATS instead of gRPC
 */
export const GATEWAY_TARGETS = ["gateway", "sdk", "gateway-nats"] as const;
export type GatewayTarget = (typeof GATEWAY_TARGETS)[number];

/**
 * The targets every run has; "gateway-nats" (the same gateway and backend
 * with their hop over NATS, KLED_TRANSPORT) runs only when NATS answers.
 */
export const REQUIRED_TARGETS: readonly GatewayTarget[] = ["gateway", "sdk"];

/** The registered name of the Kled backend the gateway reaches. */
export const BACKEND_SERVICE_NAME = "bench.gateway.tools";

/** The tool called, and its arguments. */
export const TOOL_NAME = "add";
export const TOOL_ARGUMENTS = { a: 2, b: 3 } as const;

/** The high load for this suite: 16 calls in flight (an MCP host's parallel tool calls, not an RPC fan-out). */
export const GATEWAY_IN_FLIGHT = 16;

/** Environment variables that hand the servers' URLs to the load process. */
export const URL_ENV: Record<GatewayTarget, string> = {
  gateway: "BENCH_GATEWAY_URL",
  sdk: "BENCH_SDK_URL",
  "gateway-nats": "BENCH_GATEWAY_NATS_URL",
};
