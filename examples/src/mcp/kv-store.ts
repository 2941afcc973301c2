import type { Scalar } from "./tools/params.js";

/**
 * Key-value pairs held in this process's memory. Each instance of the MCP
 * service has its own store: a value set through one instance is not seen
 * by another, and everything is lost when the process ends. Callers that
 * need shared state must pin calls to one node (the client's `address`
 * option) or use a real database.
 */
export class KvStore {
  readonly #entries = new Map<string, Scalar>();

  /** Sets `key`, returning the value it replaced, if any. */
  set(key: string, value: Scalar): Scalar | undefined {
    const previous = this.#entries.get(key);
    this.#entries.set(key, value);
    return previous;
  }

  get(key: string): Scalar | undefined {
    return this.#entries.get(key);
  }

  /** Removes `key`; true when it existed. */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Every key, sorted, so listings are stable across calls. */
  keys(): string[] {
    return [...this.#entries.keys()].sort();
  }
}

/**
 * Keys are short tokens so that they appear verbatim in `kv://{key}` URIs
 * and in the agent's task grammar without any escaping.
 */
export const KV_KEY_PATTERN = "^[A-Za-z0-9_-]+$";

/** Longest key, in characters. */
export const MAX_KV_KEY_LENGTH = 64;
