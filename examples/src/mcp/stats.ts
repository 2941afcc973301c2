import type { JsonObject } from "@bufbuild/protobuf";

/**
 * Counts the tool calls this instance served, for the `kled://stats`
 * resource: the demo reads it from every instance to show how the client's
 * load balancer spread the calls.
 */
export class ToolCallStats {
  readonly #byTool = new Map<string, number>();
  readonly #startedAt = new Date().toISOString();
  #total = 0;

  constructor(
    /** Identifies this instance in the stats, e.g. its registry node id. */
    private readonly instanceId: () => string,
  ) {}

  /** Counts one call of `tool` that passed argument checks and ran. */
  record(tool: string): void {
    this.#total++;
    this.#byTool.set(tool, (this.#byTool.get(tool) ?? 0) + 1);
  }

  /** The JSON served as `kled://stats`. */
  snapshot(): JsonObject {
    return {
      instanceId: this.instanceId(),
      startedAt: this.#startedAt,
      toolCalls: this.#total,
      toolCallsByTool: Object.fromEntries([...this.#byTool].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
