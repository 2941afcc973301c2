import { Code, KledError } from "@kled/runtime";
import type { KvStore } from "../kv-store.js";
import { arithmeticTools } from "./arithmetic.js";
import { countdownTool } from "./countdown.js";
import { kvTools } from "./kv.js";
import { textTools } from "./text.js";
import type { Tool } from "./tool.js";

/** The tools of one MCP service instance, in a fixed listing order. */
export class ToolRegistry {
  readonly #tools: readonly Tool[];
  readonly #byName: ReadonlyMap<string, Tool>;

  constructor(tools: readonly Tool[]) {
    const byName = new Map<string, Tool>();
    for (const tool of tools) {
      if (byName.has(tool.name)) throw new Error(`tool registry: two tools are named "${tool.name}"; rename one`);
      byName.set(tool.name, tool);
    }
    this.#tools = tools;
    this.#byName = byName;
  }

  /** Every tool, in listing order (stable across calls and instances, which pagination relies on). */
  list(): readonly Tool[] {
    return this.#tools;
  }

  /** The tool called `name`; NOT_FOUND naming it and the known tools otherwise. */
  get(name: string): Tool {
    const tool = this.#byName.get(name);
    if (tool === undefined) {
      throw new KledError(
        Code.NotFound,
        `no tool named ${JSON.stringify(name)}; this server offers ${[...this.#byName.keys()].join(", ")} (see ListTools)`,
      );
    }
    return tool;
  }
}

/** The example service's tools: arithmetic, text, the key-value store and countdown. */
export function exampleTools(store: KvStore): ToolRegistry {
  return new ToolRegistry([...arithmeticTools, ...textTools, ...kvTools(store), countdownTool]);
}
