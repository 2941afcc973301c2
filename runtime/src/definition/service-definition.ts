import type { DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import type { ToolDescription } from "./tool.js";

/** The four RPC shapes, named as protobuf-es names them. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/**
 * The standard `idempotency_level` method option. Only methods that are
 * `no-side-effects` or `idempotent` are retried automatically.
 */
export type Idempotency = "unknown" | "no-side-effects" | "idempotent";

/** Per-method facts the plugin writes into generated code. */
export interface MethodInfo {
  readonly idempotency: Idempotency;
  /** Present when the method is an MCP tool (option `(kled.options.v1.tool)`). */
  readonly tool?: ToolDescription;
}

/** One RPC as the runtime sees it. */
export interface MethodDefinition {
  /** The proto method name, e.g. `ListTools`. */
  readonly name: string;
  /** The name in handler and client objects, e.g. `listTools`. */
  readonly localName: string;
  /** The gRPC path, e.g. `/kled.mcp.v1.McpService/ListTools`. */
  readonly path: string;
  readonly kind: MethodKind;
  readonly input: DescMessage;
  readonly output: DescMessage;
  readonly idempotency: Idempotency;
  /** True when the runtime may retry the method without the caller opting in. */
  readonly safeToRetry: boolean;
  /** The MCP tool the method is offered as, when it is one; only unary methods can be. */
  readonly tool?: ToolDescription;
  readonly desc: DescMethod;
}

/** A proto service with the per-method facts the plugin carried over. */
export interface ServiceDefinition {
  /** Full proto name, e.g. `kled.mcp.v1.McpService`. */
  readonly typeName: string;
  readonly desc: DescService;
  /** Methods by local name. */
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}

/**
 * Builds the definition the generated `register…Handler` and `create…Client`
 * functions bind to. `info` must name every method of `desc` and nothing else,
 * so generated code and descriptors cannot drift apart silently.
 */
export function defineService(
  desc: DescService,
  info: Readonly<Record<string, MethodInfo>>,
): ServiceDefinition {
  const methods: Record<string, MethodDefinition> = {};
  for (const method of desc.methods) {
    const facts = info[method.localName];
    if (facts === undefined) {
      throw new Error(
        `service ${desc.typeName}: no method info for "${method.localName}"; regenerate the code with protoc-gen-kled`,
      );
    }
    if (facts.tool !== undefined && method.methodKind !== "unary") {
      throw new Error(
        `service ${desc.typeName}: method ${method.name} is ${method.methodKind} and cannot be the MCP tool "${facts.tool.name}"; only unary methods can be tools`,
      );
    }
    methods[method.localName] = {
      name: method.name,
      localName: method.localName,
      path: `/${desc.typeName}/${method.name}`,
      kind: method.methodKind,
      input: method.input,
      output: method.output,
      idempotency: facts.idempotency,
      safeToRetry: facts.idempotency !== "unknown",
      ...(facts.tool !== undefined ? { tool: facts.tool } : {}),
      desc: method,
    };
  }
  for (const localName of Object.keys(info)) {
    if (methods[localName] === undefined) {
      throw new Error(
        `service ${desc.typeName}: method info names "${localName}", which the descriptor does not have; regenerate the code with protoc-gen-kled`,
      );
    }
  }
  return { typeName: desc.typeName, desc, methods };
}
