import { KV_KEY_PATTERN, type KvStore, MAX_KV_KEY_LENGTH } from "../kv-store.js";
import { scalarParam, stringParam } from "./params.js";
import { defineTool, fail, succeed, type Tool } from "./tool.js";

/**
 * Tools over a {@link KvStore}: kv_set, kv_get, kv_delete, kv_list. The store
 * is per instance (see KvStore), which the descriptions tell the model.
 */

const keyParam = stringParam("The key: letters, digits, '_' or '-'", {
  minLength: 1,
  maxLength: MAX_KV_KEY_LENGTH,
  pattern: KV_KEY_PATTERN,
});
const keySchema = { type: "string", description: "The key" };
const scalarSchema = { type: ["string", "number", "boolean"] };
const perInstance = "Values live in the memory of the instance that serves the call.";

/** The key-value tools bound to `store`, in listing order. */
export function kvTools(store: KvStore): Tool[] {
  return [
    defineTool({
      name: "kv_set",
      title: "Set a value",
      description: `Stores a string, number or boolean under a key, replacing any previous value. ${perInstance}`,
      params: { key: keyParam, value: scalarParam("The value to store") },
      result: { ...scalarSchema, description: "The value stored" },
      details: {
        key: keySchema,
        replaced: { type: "boolean", description: "Whether a previous value was replaced" },
      },
      annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: true },
      run: ({ key, value }) => succeed(value, { key, replaced: store.set(key, value) !== undefined }),
    }),
    defineTool({
      name: "kv_get",
      title: "Get a value",
      description: `Returns the value stored under a key; a missing key is a tool error. ${perInstance}`,
      params: { key: keyParam },
      result: { ...scalarSchema, description: "The stored value" },
      details: { key: keySchema },
      annotations: { readOnlyHint: true, idempotentHint: true },
      run: ({ key }) => {
        const value = store.get(key);
        return value === undefined
          ? fail(`no value is stored under key "${key}" on this instance; set it with kv_set first`)
          : succeed(value, { key });
      },
    }),
    defineTool({
      name: "kv_delete",
      title: "Delete a value",
      description: `Removes a key; deleting a missing key is not an error. ${perInstance}`,
      params: { key: keyParam },
      result: { type: "boolean", description: "Whether the key existed" },
      details: { key: keySchema },
      annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: true },
      run: ({ key }) => succeed(store.delete(key), { key }),
    }),
    defineTool({
      name: "kv_list",
      title: "List keys",
      description: `Lists the stored keys in sorted order. ${perInstance}`,
      params: {},
      result: { type: "array", items: { type: "string" }, description: "The keys, sorted" },
      annotations: { readOnlyHint: true, idempotentHint: true },
      run: () => succeed(store.keys()),
    }),
  ];
}
