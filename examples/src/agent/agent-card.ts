import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AgentCardSchema } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { INPUT_MODES, OUTPUT_MODES } from "./message-intake.js";

/** The A2A protocol version the agent speaks. */
export const A2A_PROTOCOL_VERSION = "1.0";

/** The name under which the card declares the agent's bearer token scheme. */
export const BEARER_SCHEME = "bearer";

/** What the card says about the running agent. */
export interface AgentCardOptions {
  version: string;
  /** Where the agent serves gRPC, `host:port`; undefined before it listens. */
  address: string | undefined;
  /** True when every A2A call needs a JWT bearer token (the agent runs with auth middleware). */
  bearerAuth: boolean;
}

/**
 * The example agent's card: what kled.agent.v1.AgentService/GetAgentCard
 * answers, and what a gateway publishes at /.well-known/agent-card.json
 * (adding its own interfaces). It declares only what the agent does: gRPC
 * at its own address, streaming, push configs, and a bearer scheme only
 * when the agent enforces one. No extended card: an authenticated client
 * would see nothing more.
 */
export function exampleAgentCard(options: AgentCardOptions): MessageInitShape<typeof AgentCardSchema> {
  return {
    name: "kled-example-agent",
    description:
      "Runs small step-by-step tasks by calling the MCP tools it discovers in the registry. " +
      "Steps are separated by commas or \"then\"; \"it\" means the previous result. " +
      "\"store the result\" without a key asks for one.",
    version: options.version,
    supportedInterfaces:
      options.address === undefined ? [] : [{ url: options.address, protocolBinding: "GRPC", protocolVersion: A2A_PROTOCOL_VERSION }],
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: false },
    ...(options.bearerAuth
      ? {
          securitySchemes: {
            [BEARER_SCHEME]: {
              scheme: {
                case: "httpAuthSecurityScheme",
                value: { scheme: "Bearer", bearerFormat: "JWT", description: "A JWT from the issuer the Kled services trust (KLED_AUTH_*)" },
              },
            },
          },
          securityRequirements: [{ schemes: { [BEARER_SCHEME]: { list: [] } } }],
        }
      : {}),
    defaultInputModes: [...INPUT_MODES],
    defaultOutputModes: [...OUTPUT_MODES],
    skills: [
      {
        id: "arithmetic",
        name: "Arithmetic",
        description: "Adds, multiplies and divides numbers, chaining results",
        tags: ["math"],
        examples: ["add 2 and 3, then multiply by 4", "divide 10 by 4"],
      },
      {
        id: "text",
        name: "Text transforms",
        description: "Uppercases, reverses and counts the words of quoted text",
        tags: ["text"],
        examples: ["uppercase 'hello world', then reverse it", "count words in 'the quick brown fox'"],
      },
      {
        id: "key-value",
        name: "Key-value store",
        description: "Stores, reads and deletes values on the MCP service that serves the call; asks for a key when the task names none",
        tags: ["storage"],
        examples: ["add 2 and 3, store the result as sum", "set greeting to 'hi', list keys", "multiply 6 by 7, store it"],
      },
    ],
  };
}
