import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/**
 * Turns messages into bytes and back. Chosen by content type, on RPC and on
 * the broker: a receiver decodes whatever the sender chose.
 */
export interface Codec {
  /** Short name, e.g. `proto` or `json`: the gRPC content-type suffix. */
  readonly name: string;
  /** Full content type, e.g. `application/grpc+proto` or `application/json`. */
  readonly contentType: string;
  encode<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array;
  /** Throws a KledError with INVALID_ARGUMENT on bytes that do not decode. */
  decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc>;
}
