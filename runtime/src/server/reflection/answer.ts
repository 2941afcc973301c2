/**
 * One server reflection request answered: one response per request, in the
 * shape `grpc.reflection.v1` gives (v1alpha has the same messages). A name
 * the server does not know answers an `error_response` with NOT_FOUND and
 * leaves the stream open for the next request, as grpc-go does.
 */
import { create, type DescFile, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "../../errors/code.js";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";

type Answer = NonNullable<MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]>;

/**
 * The response to `request`. `sent` holds the names of the files already
 * sent on this stream, which are not sent again as dependencies.
 */
export function answer(index: DescriptorIndex, request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse {
  return create(ServerReflectionResponseSchema, {
    validHost: request.host,
    originalRequest: request,
    messageResponse: messageResponse(index, request, sent),
  });
}

function messageResponse(index: DescriptorIndex, request: ServerReflectionRequest, sent: Set<string>): Answer {
  const asked = request.messageRequest;
  switch (asked.case) {
    case "listServices":
      // The value "will not be checked", says the protocol: every service is listed.
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index, index.file(asked.value), sent, () => `no file "${shown(asked.value)}" among the served services' files`);
    case "fileContainingSymbol":
      return files(
        index,
        index.fileContainingSymbol(asked.value),
        sent,
        () =>
          `no symbol "${shown(asked.value)}" in the served services' files` +
          (asked.value.startsWith(".") ? "; give the fully-qualified name without its leading dot" : ""),
      );
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = asked.value;
      return files(
        index,
        index.extension(containingType, extensionNumber)?.file,
        sent,
        () => `no extension ${extensionNumber} of "${shown(containingType)}" in the served services' files`,
      );
    }
    case "allExtensionNumbersOfType":
      if (!index.hasMessage(asked.value)) {
        return error(Code.NotFound, `no message type "${shown(asked.value)}" in the served services' files`);
      }
      return {
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: asked.value, extensionNumber: index.extensionNumbers(asked.value) },
      };
    case undefined:
      // A request kind newer than this server arrives as unknown fields.
      return request.$unknown === undefined || request.$unknown.length === 0
        ? error(Code.InvalidArgument, "the request sets none of its message_request fields; set one, such as list_services")
        : error(Code.Unimplemented, "the request's kind is not one this server knows (grpc.reflection.v1 fields 3 to 7)");
  }
}

function files(index: DescriptorIndex, file: DescFile | undefined, sent: Set<string>, notFound: () => string): Answer {
  if (file === undefined) return error(Code.NotFound, notFound());
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.serialize(file, sent) } };
}

function error(code: Code, message: string): Answer {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}

/** How much of a caller's name an error message repeats, in characters: names may be huge. */
const NAME_IN_ERROR_CHARS = 200;

function shown(name: string): string {
  return name.length <= NAME_IN_ERROR_CHARS ? name : `${name.slice(0, NAME_IN_ERROR_CHARS)}… (${name.length} characters)`;
}
