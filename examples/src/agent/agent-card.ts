import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AgentCardSchema } from "../gen/kled/agent/v1/agent_pb.js";

/** The example agent's card: what GetAgentCard answers. */
export function exampleAgentCard(version: string): MessageInitShape<typeof AgentCardSchema> {
  return {
    name: "kled-example-agent",
    description:
      "Runs small step-by-step tasks by calling the MCP tools it discovers in the registry. " +
      "Steps are separated by commas or \"then\"; \"it\" means the previous result.",
    version,
    provider: { organization: "Kled" },
    capabilities: { streaming: true, pushNotifications: false, stateTransitionHistory: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain", "application/json"],
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
        description: "Stores, reads and deletes values on the MCP service that serves the call",
        tags: ["storage"],
        examples: ["add 2 and 3, store the result as sum", "set greeting to 'hi', list keys"],
      },
    ],
  };
}
