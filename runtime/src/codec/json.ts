import {
  fromJsonString,
  toJsonString,
  type DescMessage,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { Codec } from "./codec.js";

/** Options of {@link createJsonCodec}. */
export interface JsonCodecOptions {
  /**
   * Types that `google.protobuf.Any` fields and extensions may hold; without
   * it, encoding or decoding an `Any` fails.
   */
  registry?: Registry;
  /**
   * Reject fields and enum names the schema does not know. Default false, so
   * that an older peer accepts messages from a newer one, as protobuf binary
   * does.
   */
  rejectUnknownFields?: boolean;
}

// fatal: invalid UTF-8 must fail the decode rather than turn into U+FFFD.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Proto3 canonical JSON, as UTF-8 bytes. */
export function createJsonCodec(options: JsonCodecOptions = {}): Codec {
  const registry = options.registry;
  const ignoreUnknownFields = options.rejectUnknownFields !== true;
  return {
    name: "json",
    contentType: "application/grpc+json",
    encode<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
      return utf8Encoder.encode(toJsonString(schema, message, { registry }));
    },
    decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
      try {
        return fromJsonString(schema, utf8Decoder.decode(bytes), { registry, ignoreUnknownFields });
      } catch (cause) {
        throw new KledError(
          Code.InvalidArgument,
          `cannot decode ${schema.typeName} from JSON (${bytes.byteLength} bytes): ${messageOf(cause)}`,
          {},
          { cause },
        );
      }
    },
  };
}

/** The JSON codec without a type registry. */
export const jsonCodec: Codec = createJsonCodec();
