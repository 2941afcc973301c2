import type { Message } from "@bufbuild/protobuf";
import type { UnaryServerRequest } from "./middleware.js";

/**
 * A unary request whose message is decoded when first read, not before the
 * middleware runs: middleware that needs only metadata (authentication,
 * rate limiting) refuses a caller before the server spends a decode on its
 * bytes, and an unauthenticated caller learns nothing of the message type
 * from a decode error. The first read decodes (a KledError with
 * INVALID_ARGUMENT when the bytes do not decode, thrown to the reader) and
 * later reads answer the same.
 */
export function lazyUnaryRequest(
  fields: Omit<UnaryServerRequest, "message" | "stream">,
  decode: () => Message,
): UnaryServerRequest {
  let decoded: { message: Message } | { error: unknown } | undefined;
  return {
    stream: false,
    method: fields.method,
    service: fields.service,
    context: fields.context,
    get message(): Message {
      if (decoded === undefined) {
        try {
          decoded = { message: decode() };
        } catch (error) {
          decoded = { error };
        }
      }
      if ("error" in decoded) throw decoded.error;
      return decoded.message;
    },
  };
}
