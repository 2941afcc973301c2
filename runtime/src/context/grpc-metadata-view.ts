/**
 * Request metadata as handlers and middleware see it on the server: a
 * read-only view of what grpc-js received. Most calls read a key or two
 * (traceparent, authorization, the deadline's budget); copying every header
 * into a {@link Metadata} first cost about 5 µs a call, so nothing is copied
 * until a reader asks for everything (entries, toRecord).
 */
import type { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { binaryKey, normalize, type MetadataValue, type ReadonlyMetadata, textKey } from "./metadata.js";

export class GrpcMetadataView implements ReadonlyMetadata {
  readonly #grpc: GrpcMetadata;

  constructor(grpc: GrpcMetadata) {
    this.#grpc = grpc;
  }

  get(key: string): string | undefined {
    const first = this.#grpc.get(textKey(key))[0];
    return typeof first === "string" ? first : undefined;
  }

  getAll(key: string): string[] {
    return this.#grpc.get(textKey(key)).filter((value): value is string => typeof value === "string");
  }

  getBinary(key: string): Uint8Array | undefined {
    const first = this.#grpc.get(binaryKey(key))[0];
    return first instanceof Uint8Array ? first : undefined;
  }

  getAllBinary(key: string): Uint8Array[] {
    return this.#grpc.get(binaryKey(key)).filter((value): value is Buffer => value instanceof Uint8Array);
  }

  has(key: string): boolean {
    return this.#grpc.get(normalize(key)).length > 0;
  }

  *entries(): IterableIterator<[string, MetadataValue]> {
    for (const [key, values] of Object.entries(this.#grpc.toJSON())) {
      for (const value of values) yield [key, value];
    }
  }

  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const [key, values] of Object.entries(this.#grpc.toJSON())) {
      const first = values[0];
      if (typeof first === "string") record[key] = first;
    }
    return record;
  }
}
