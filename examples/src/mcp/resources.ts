import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, KledError } from "@kled/runtime";
import type {
  ReadResourceResponseSchema,
  ResourceSchema,
  ResourceTemplateSchema,
} from "@kled/runtime/gen/kled/mcp/v1/mcp_pb.js";
import { KV_KEY_PATTERN, type KvStore } from "./kv-store.js";
import type { ToolCallStats } from "./stats.js";

/**
 * The resources of the example MCP service:
 * - `kled://stats`: this instance's id and how many tool calls it served;
 * - `kv://{key}`: a value of the instance's key-value store, as JSON.
 */

type Resource = MessageInitShape<typeof ResourceSchema>;
type ResourceTemplate = MessageInitShape<typeof ResourceTemplateSchema>;
type ReadResult = MessageInitShape<typeof ReadResourceResponseSchema>;

export const STATS_URI = "kled://stats";
export const KV_URI_TEMPLATE = "kv://{key}";
const KV_URI_PREFIX = "kv://";
const JSON_MIME = "application/json";
const keyPattern = new RegExp(KV_KEY_PATTERN);

/** The URI of the resource holding `key`. */
export function kvUri(key: string): string {
  return `${KV_URI_PREFIX}${key}`;
}

/** Lists, describes and reads this instance's resources. */
export class Resources {
  constructor(
    private readonly store: KvStore,
    private readonly stats: ToolCallStats,
  ) {}

  /** The stats resource first, then one resource per stored key (sorted). */
  list(): Resource[] {
    const stats: Resource = {
      uri: STATS_URI,
      name: "stats",
      title: "Instance statistics",
      description: "This instance's id and the tool calls it served, as JSON",
      mimeType: JSON_MIME,
    };
    const entries = this.store.keys().map(
      (key): Resource => ({ uri: kvUri(key), name: key, title: `Value of "${key}"`, mimeType: JSON_MIME }),
    );
    return [stats, ...entries];
  }

  templates(): ResourceTemplate[] {
    return [
      {
        uriTemplate: KV_URI_TEMPLATE,
        name: "kv",
        title: "Stored value",
        description: "A value of this instance's key-value store (see the kv_* tools), as JSON",
        mimeType: JSON_MIME,
      },
    ];
  }

  /** Reads `uri`: INVALID_ARGUMENT when empty, NOT_FOUND when nothing lives there. */
  read(uri: string): ReadResult {
    if (uri === "") {
      throw new KledError(Code.InvalidArgument, `uri is empty; pass "${STATS_URI}" or "kv://<key>" (see ListResources)`);
    }
    if (uri === STATS_URI) return jsonContents(uri, this.stats.snapshot());
    if (uri.startsWith(KV_URI_PREFIX)) {
      const key = uri.slice(KV_URI_PREFIX.length);
      const value = keyPattern.test(key) ? this.store.get(key) : undefined;
      if (value === undefined) {
        throw new KledError(Code.NotFound, `resource ${JSON.stringify(uri)}: no value is stored under that key on this instance`);
      }
      return jsonContents(uri, value);
    }
    throw new KledError(
      Code.NotFound,
      `resource ${JSON.stringify(uri)} does not exist; this server serves "${STATS_URI}" and "${KV_URI_TEMPLATE}"`,
    );
  }
}

function jsonContents(uri: string, value: unknown): ReadResult {
  return {
    contents: [{ contents: { case: "text", value: { uri, mimeType: JSON_MIME, text: JSON.stringify(value) } } }],
  };
}
