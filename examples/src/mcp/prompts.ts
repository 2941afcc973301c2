import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import {
  type GetPromptResponseSchema,
  type PromptSchema,
  Role,
} from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import type { KvStore } from "./kv-store.js";
import { kvUri } from "./resources.js";

/**
 * The prompt templates of the example MCP service:
 * - `explain_calculation` (expression, audience?): asks a model to explain an
 *   arithmetic expression step by step, for a chosen audience;
 * - `describe_value` (key): asks a model to describe a stored value, linking
 *   the `kv://{key}` resource.
 */

type PromptInit = MessageInitShape<typeof PromptSchema>;
type GetPromptResult = MessageInitShape<typeof GetPromptResponseSchema>;

/** One argument of a prompt and how to complete its values. */
interface PromptArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  /** Candidate values for completion (filtered by prefix by the caller). */
  candidates(): readonly string[];
}

interface PromptSpec {
  name: string;
  title: string;
  description: string;
  arguments: readonly PromptArgumentSpec[];
  render(args: Readonly<Record<string, string>>): GetPromptResult;
}

/** Audiences of explain_calculation; the first is the default. */
export const AUDIENCES = ["student", "child", "expert"] as const;

/** The prompts of one instance (describe_value completes keys from its store). */
export class Prompts {
  readonly #specs: readonly PromptSpec[];

  constructor(store: KvStore) {
    this.#specs = [explainCalculation(), describeValue(store)];
  }

  /** Every prompt, in listing order. */
  list(): PromptInit[] {
    return this.#specs.map((spec) => ({
      name: spec.name,
      title: spec.title,
      description: spec.description,
      arguments: spec.arguments.map(({ name, description, required }) => ({ name, description, required })),
    }));
  }

  /**
   * Renders prompt `name`. NOT_FOUND for an unknown prompt; INVALID_ARGUMENT
   * for a missing required argument or one the prompt does not take.
   */
  get(name: string, args: Readonly<Record<string, string>>): GetPromptResult {
    const spec = this.#spec(name);
    for (const given of Object.keys(args)) {
      if (!spec.arguments.some((a) => a.name === given)) {
        throw new KledError(
          Code.InvalidArgument,
          `prompt "${name}": unknown argument "${given}"; it takes ${spec.arguments.map((a) => `"${a.name}"`).join(", ")}`,
        );
      }
    }
    for (const argument of spec.arguments) {
      if (argument.required && (args[argument.name] ?? "") === "") {
        throw new KledError(
          Code.InvalidArgument,
          `prompt "${name}": argument "${argument.name}" is required (${argument.description})`,
        );
      }
    }
    return spec.render(args);
  }

  /** Candidate values of argument `argument` of prompt `name`, for Complete. */
  candidates(name: string, argument: string): readonly string[] {
    const spec = this.#spec(name);
    const found = spec.arguments.find((a) => a.name === argument);
    if (found === undefined) {
      throw new KledError(Code.InvalidArgument, `prompt "${name}" has no argument "${argument}"`);
    }
    return found.candidates();
  }

  #spec(name: string): PromptSpec {
    const spec = this.#specs.find((s) => s.name === name);
    if (spec === undefined) {
      throw new KledError(
        Code.NotFound,
        `no prompt named ${JSON.stringify(name)}; this server offers ${this.#specs.map((s) => s.name).join(", ")}`,
      );
    }
    return spec;
  }
}

function explainCalculation(): PromptSpec {
  return {
    name: "explain_calculation",
    title: "Explain a calculation",
    description: "Asks for a step-by-step explanation of an arithmetic expression",
    arguments: [
      { name: "expression", description: "The expression, e.g. (2 + 3) × 4", required: true, candidates: () => [] },
      { name: "audience", description: `Who the explanation is for: ${AUDIENCES.join(", ")}`, required: false, candidates: () => AUDIENCES },
    ],
    render(args) {
      const audience = args["audience"] ?? AUDIENCES[0];
      if (!(AUDIENCES as readonly string[]).includes(audience)) {
        throw new KledError(
          Code.InvalidArgument,
          `prompt "explain_calculation": audience ${JSON.stringify(audience)} is not one of ${AUDIENCES.join(", ")}`,
        );
      }
      return {
        description: `Explain ${args["expression"] ?? ""} to a ${audience}`,
        messages: [
          userText(
            `Explain, step by step and for a ${audience}, how to compute ${args["expression"] ?? ""}. ` +
              "Use the add, multiply and divide tools to check every step.",
          ),
        ],
      };
    },
  };
}

function describeValue(store: KvStore): PromptSpec {
  return {
    name: "describe_value",
    title: "Describe a stored value",
    description: "Asks for a description of a value in the key-value store",
    arguments: [{ name: "key", description: "The key of the value", required: true, candidates: () => store.keys() }],
    render(args) {
      const key = args["key"] ?? "";
      return {
        description: `Describe the value stored under "${key}"`,
        messages: [
          userText(`Describe the value stored under the key "${key}" and what it might mean.`),
          {
            role: Role.USER,
            content: { content: { case: "resourceLink", value: { uri: kvUri(key), name: key, mimeType: "application/json" } } },
          },
        ],
      };
    },
  };
}

function userText(text: string): NonNullable<GetPromptResult["messages"]>[number] {
  return { role: Role.USER, content: { content: { case: "text", value: { text } } } };
}
