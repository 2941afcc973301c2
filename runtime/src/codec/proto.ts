import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import { messageOf } from "../errors/message-of.js";
import type { Codec } from "./codec.js";

/**
 * Protobuf binary: the default on every wire, and the only encoding standard
 * gRPC tools (buf curl, grpcurl) speak.
 */
export const protoCodec: Codec = {
  name: "proto",
  contentType: "application/grpc+proto",
  encode<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
    return toBinary(schema, message);
  },
  decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
    try {
      return fromBinary(schema, bytes);
    } catch (cause) {
      throw new KledError(
        Code.InvalidArgument,
        `cannot decode ${schema.typeName} from protobuf binary (${bytes.byteLength} bytes): ${messageOf(cause)}`,
        {},
        { cause },
      );
    }
  },
};

