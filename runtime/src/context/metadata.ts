/**
 * gRPC metadata: request headers, response headers and trailers. Keys are
 * case-insensitive ASCII; keys ending in `-bin` carry bytes, all others text,
 * as the gRPC spec says. Repeated text values of one key travel as one
 * HTTP/2 header and arrive joined with ", " (grpc-js does not split them).
 */

/** A metadata value: text, or bytes under a `-bin` key. */
export type MetadataValue = string | Uint8Array;

/** What callers may pass where metadata is expected. */
export type MetadataInit =
  | ReadonlyMetadata
  | Readonly<Record<string, string | readonly string[] | Uint8Array | readonly Uint8Array[]>>;

/** Read access to metadata; handlers get request metadata through it. */
export interface ReadonlyMetadata {
  /** The first text value of `key`; throws for a `-bin` key (use {@link getBinary}). */
  get(key: string): string | undefined;
  /** All text values of `key`, in arrival order. */
  getAll(key: string): string[];
  /** The first value of a `-bin` key; throws for a text key (use {@link get}). */
  getBinary(key: string): Uint8Array | undefined;
  /** All values of a `-bin` key. */
  getAllBinary(key: string): Uint8Array[];
  has(key: string): boolean;
  /** Every key and value, a key repeated once per value. */
  entries(): IterableIterator<[string, MetadataValue]>;
  /** Text values as a plain object (first value per key), for logs and tests. */
  toRecord(): Record<string, string>;
}

const KEY = /^[0-9a-z_.-]+$/;

/** True for keys whose values are bytes. */
export function isBinaryKey(key: string): boolean {
  return key.endsWith("-bin");
}

/** A mutable metadata multimap. */
export class Metadata implements ReadonlyMetadata {
  readonly #values = new Map<string, MetadataValue[]>();

  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    // Another Metadata holds checked keys already: copy its lists, no checks, no iterators.
    if (init instanceof Metadata) {
      for (const [key, values] of init.#values) this.#values.set(key, [...values]);
      return;
    }
    if (isReadonlyMetadata(init)) {
      for (const [key, value] of init.entries()) this.append(key, value);
      return;
    }
    for (const key of Object.keys(init)) {
      const value = init[key];
      if (value === undefined) continue; // an optional field left out, in JavaScript callers' records
      if (Array.isArray(value)) for (const one of value as readonly MetadataValue[]) this.append(key, one);
      else this.append(key, value as MetadataValue);
    }
  }

  /** How many keys there are (a key with several values counts once). */
  get size(): number {
    return this.#values.size;
  }

  get(key: string): string | undefined {
    return this.getAll(key)[0];
  }

  getAll(key: string): string[] {
    return [...((this.#values.get(textKey(key)) ?? []) as string[])];
  }

  getBinary(key: string): Uint8Array | undefined {
    return this.getAllBinary(key)[0];
  }

  getAllBinary(key: string): Uint8Array[] {
    return [...((this.#values.get(binaryKey(key)) ?? []) as Uint8Array[])];
  }

  has(key: string): boolean {
    return this.#values.has(normalize(key));
  }

  *entries(): IterableIterator<[string, MetadataValue]> {
    for (const [key, values] of this.#values) {
      for (const value of values) yield [key, value];
    }
  }

  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const [key, values] of this.#values) {
      const first = values[0];
      if (typeof first === "string") record[key] = first;
    }
    return record;
  }

  /** Replaces all values of `key` with `value`. */
  set(key: string, value: MetadataValue): this {
    const k = checked(key, value);
    this.#values.set(k, [value]);
    return this;
  }

  /** Adds `value` after the existing values of `key`. */
  append(key: string, value: MetadataValue): this {
    const k = checked(key, value);
    const values = this.#values.get(k);
    if (values === undefined) this.#values.set(k, [value]);
    else values.push(value);
    return this;
  }

  delete(key: string): this {
    this.#values.delete(normalize(key));
    return this;
  }

  /** Adds every entry of `other` after the existing ones. */
  merge(other: MetadataInit): this {
    const incoming = other instanceof Metadata ? other : new Metadata(other);
    for (const [key, values] of incoming.#values) {
      const existing = this.#values.get(key);
      if (existing === undefined) this.#values.set(key, [...values]);
      else existing.push(...values);
    }
    return this;
  }

  /** Replaces the values of every key `other` has with its values. */
  assign(other: MetadataInit): this {
    const incoming = other instanceof Metadata ? other : new Metadata(other);
    for (const [key, values] of incoming.#values) this.#values.set(key, [...values]);
    return this;
  }
}

function isReadonlyMetadata(init: MetadataInit): init is ReadonlyMetadata {
  return typeof (init as Partial<ReadonlyMetadata>).entries === "function";
}

/** Keys compare case-insensitively; on the wire they are lower case. */
export function normalize(key: string): string {
  return key.toLowerCase();
}

/** `key` normalized, or an error when it names bytes (read with getBinary). */
export function textKey(key: string): string {
  const k = normalize(key);
  if (isBinaryKey(k)) throw new Error(`metadata key "${k}" holds bytes; read it with getBinary("${k}")`);
  return k;
}

/** `key` normalized, or an error when it names text (read with get). */
export function binaryKey(key: string): string {
  const k = normalize(key);
  if (!isBinaryKey(k)) throw new Error(`metadata key "${k}" holds text; read it with get("${k}")`);
  return k;
}

function checked(key: string, value: MetadataValue): string {
  const k = normalize(key);
  if (!KEY.test(k)) {
    throw new Error(`metadata key "${key}" is invalid; use only letters, digits, "-", "_" and "."`);
  }
  if (isBinaryKey(k) !== value instanceof Uint8Array) {
    throw new Error(
      isBinaryKey(k)
        ? `metadata key "${k}" ends in -bin and needs a Uint8Array value; drop the suffix to send text`
        : `metadata key "${k}" got bytes; name binary keys with a "-bin" suffix`,
    );
  }
  return k;
}
