import type { Registry } from "@bufbuild/protobuf";
import type { Codec } from "./codec.js";
import { createJsonCodec } from "./json.js";
import { protoCodec } from "./proto.js";

/** The codec used when nothing asks for another: protobuf binary. */
export const DEFAULT_CODEC_NAME = "proto";

/**
 * Request metadata key that names the codec of a gRPC call (`proto`, `json`).
 * grpc-js always sends `content-type: application/grpc` and hides the
 * header from handlers, so the codec choice travels here instead; absent
 * means protobuf, which keeps standard gRPC clients working. The server
 * answers with the same codec and echoes the key in its response headers.
 */
export const CODEC_METADATA_KEY = "kled-codec";

/**
 * Other names the built-in codecs answer to: bare `application/grpc` means
 * protobuf by the gRPC spec, and the broker labels messages with the plain
 * media types.
 */
const CONTENT_TYPE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  proto: ["application/grpc", "application/x-protobuf", "application/protobuf", "application/proto"],
  json: ["application/json"],
};

/**
 * The codecs a process knows, found by short name (`proto`, `json`) or by
 * content type (`application/grpc+json`, `application/json; charset=utf-8`).
 */
export class Codecs {
  readonly #byName = new Map<string, Codec>();
  readonly #byContentType = new Map<string, Codec>();

  constructor(codecs: Iterable<Codec>) {
    for (const codec of codecs) {
      this.#byName.set(codec.name, codec);
      const types = [codec.contentType, `application/grpc+${codec.name}`];
      for (const type of [...types, ...(CONTENT_TYPE_ALIASES[codec.name] ?? [])]) {
        this.#byContentType.set(type, codec);
      }
    }
  }

  /** Short names of all codecs, e.g. `["proto", "json"]`. */
  get names(): string[] {
    return [...this.#byName.keys()];
  }

  /** The codec with this short name, or undefined. */
  byName(name: string): Codec | undefined {
    return this.#byName.get(name);
  }

  /** The codec for a content type, ignoring case and parameters; or undefined. */
  byContentType(contentType: string): Codec | undefined {
    const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
    return this.#byContentType.get(mediaType);
  }

  /** The codec with this short name; throws naming the known ones when absent. */
  require(name: string): Codec {
    const codec = this.#byName.get(name);
    if (codec === undefined) {
      throw new Error(`codec "${name}" is unknown; use one of ${this.names.map((n) => `"${n}"`).join(", ")}`);
    }
    return codec;
  }
}

/** Options of {@link createCodecs}. */
export interface CodecsOptions {
  /** Types for `google.protobuf.Any` in JSON; see {@link JsonCodecOptions.registry}. */
  registry?: Registry;
  /** More codecs; one with the name of a built-in replaces it. */
  extra?: readonly Codec[];
}

/** The built-in codecs (protobuf binary and proto3 JSON) plus any extra ones. */
export function createCodecs(options: CodecsOptions = {}): Codecs {
  const json = options.registry === undefined ? createJsonCodec() : createJsonCodec({ registry: options.registry });
  return new Codecs([protoCodec, json, ...(options.extra ?? [])]);
}
