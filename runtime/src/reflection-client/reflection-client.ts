/**
 * A client of gRPC server reflection, enough to get the descriptors of a
 * running node's services: `list_services`, `file_containing_symbol`, then
 * `file_by_filename` for each import not sent yet. It speaks
 * `grpc.reflection.v1` and falls back to `v1alpha` when a server answers
 * UNIMPLEMENTED: both versions have the same messages on the wire, so the
 * v1 code generated in gen/ serves both and only the method path differs.
 *
 * The CLI (`kled call`, `publish --reflect`) and the MCP gateway (the
 * descriptors of proto tools) both read descriptors through it.
 *
 * One bidi stream carries the conversation; the server answers each request
 * with one response, in order.
 */
import { create, createFileRegistry, fromBinary, type DescFile, type FileRegistry } from "@bufbuild/protobuf";
import {
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_source_context,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import type { Client, MethodCall } from "../client/client.js";
import { defineService, type MethodDefinition, type ServiceDefinition } from "../definition/service-definition.js";
import { Code, codeName } from "../errors/code.js";
import { KledError } from "../errors/kled-error.js";
import {
  ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ReflectionError } from "./reflection-error.js";
import { ReflectionStream } from "./reflection-stream.js";

/**
 * How long, in milliseconds, a whole reflection conversation may take when
 * the caller gives no timeout: a handful of round trips to one node, so ten
 * seconds is ample even on a slow link, and a stuck server cannot hang `kled`.
 */
export const DEFAULT_REFLECTION_TIMEOUT_MS = 10_000;

const v1: ServiceDefinition = defineService(ServerReflection, {
  serverReflectionInfo: { idempotency: "no-side-effects" },
});
const v1Method = v1.methods["serverReflectionInfo"] as MethodDefinition;
const v1alphaMethod: MethodDefinition = {
  ...v1Method,
  path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
};
const v1alpha: ServiceDefinition = {
  ...v1,
  typeName: "grpc.reflection.v1alpha.ServerReflection",
  methods: { serverReflectionInfo: v1alphaMethod },
};

/**
 * The well-known types protobuf-es ships, used when a server's reflection
 * does not send a `google/protobuf/*.proto` file its services import.
 */
const wellKnownFiles: ReadonlyMap<string, DescFile> = new Map(
  [
    file_google_protobuf_any,
    file_google_protobuf_api,
    file_google_protobuf_descriptor,
    file_google_protobuf_duration,
    file_google_protobuf_empty,
    file_google_protobuf_field_mask,
    file_google_protobuf_source_context,
    file_google_protobuf_struct,
    file_google_protobuf_timestamp,
    file_google_protobuf_type,
    file_google_protobuf_wrappers,
  ].map((file) => [file.proto.name, file]),
);

/** Reflection on the node at one address. Call {@link close} when done. */
export class ReflectionClient {
  readonly #client: Client;
  readonly #address: string;
  readonly #timeoutMs: number;
  /** Files received so far, by file name. */
  readonly #files = new Map<string, FileDescriptorProto>();
  #stream: ReflectionStream | undefined;
  #version: "v1" | "v1alpha" = "v1";

  /** `address` is the node's `host:port`; `timeoutMs` bounds the whole conversation. */
  constructor(client: Client, address: string, timeoutMs: number = DEFAULT_REFLECTION_TIMEOUT_MS) {
    this.#client = client;
    this.#address = address;
    this.#timeoutMs = timeoutMs;
  }

  /** Full names of the services the node serves, reflection itself excluded. */
  async listServices(): Promise<string[]> {
    const response = await this.#ask({ case: "listServices", value: "*" });
    if (response.messageResponse.case !== "listServicesResponse") throw this.#unexpected(response, "list_services");
    return response.messageResponse.value.service
      .map((service) => service.name)
      .filter((name) => !name.startsWith("grpc.reflection."))
      .sort(userServicesFirst);
  }

  /**
   * Fetches the file that declares `symbol` (e.g. `kled.mcp.v1.McpService`)
   * and whatever the server sends with it. False when the server does not
   * know the symbol.
   */
  async loadSymbol(symbol: string): Promise<boolean> {
    const response = await this.#ask({ case: "fileContainingSymbol", value: symbol });
    if (isNotFound(response)) return false;
    this.#addFiles(response, "file_containing_symbol");
    return true;
  }

  /** A registry of every file loaded so far, after fetching the imports still missing. */
  async registry(): Promise<FileRegistry> {
    for (const name of this.#missingImports()) {
      const response = await this.#ask({ case: "fileByFilename", value: name });
      if (!isNotFound(response)) this.#addFiles(response, "file_by_filename");
      else {
        const known = wellKnownFiles.get(name);
        if (known === undefined) {
          throw new ReflectionError(`reflection at ${this.#address}: the server cannot send "${name}", which its files import`);
        }
        this.#files.set(name, known.proto);
      }
    }
    return createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(this.#files) }));
  }

  /** Ends the stream. */
  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  async #ask(request: ServerReflectionRequest["messageRequest"]): Promise<ServerReflectionResponse> {
    try {
      return await this.#open().ask(request);
    } catch (error) {
      if (error instanceof KledError && error.code === Code.Unimplemented && this.#version === "v1") {
        this.close();
        this.#version = "v1alpha";
        return this.#ask(request);
      }
      throw this.#callError(error);
    }
  }

  #open(): ReflectionStream {
    const service = this.#version === "v1" ? v1 : v1alpha;
    const call: MethodCall = {
      service,
      method: service.methods["serverReflectionInfo"] as MethodDefinition,
      defaults: { address: this.#address },
    };
    this.#stream ??= new ReflectionStream(this.#client, call, this.#timeoutMs);
    return this.#stream;
  }

  #addFiles(response: ServerReflectionResponse, what: string): void {
    if (response.messageResponse.case !== "fileDescriptorResponse") throw this.#unexpected(response, what);
    for (const bytes of response.messageResponse.value.fileDescriptorProto) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      if (!this.#files.has(file.name)) this.#files.set(file.name, file);
    }
  }

  /** Imports of the loaded files that are not loaded yet, transitively as they arrive. */
  *#missingImports(): Generator<string> {
    const asked = new Set<string>();
    for (;;) {
      const missing = [...this.#files.values()]
        .flatMap((file) => file.dependency)
        .find((name) => !this.#files.has(name) && !asked.has(name));
      if (missing === undefined) return;
      asked.add(missing);
      yield missing;
    }
  }

  #unexpected(response: ServerReflectionResponse, request: string): ReflectionError {
    const { messageResponse } = response;
    const detail =
      messageResponse.case === "errorResponse"
        ? `code ${codeName(messageResponse.value.errorCode)}: ${messageResponse.value.errorMessage}`
        : `an unexpected ${messageResponse.case ?? "empty"} response`;
    return new ReflectionError(`reflection at ${this.#address}: ${request} failed with ${detail}`);
  }

  #callError(error: unknown): unknown {
    if (!(error instanceof KledError)) return error;
    if (error.code === Code.Unimplemented) {
      return new ReflectionError(
        `${this.#address} does not serve gRPC server reflection (v1 or v1alpha), which is how the descriptors of its messages are read`,
        { cause: error },
      );
    }
    // grpc-js ends connection errors with an empty "Resolution note:".
    const detail = error.rawMessage.replace(/\.?\s*Resolution note:\s*$/, "");
    const hint = error.code === Code.Unavailable ? "; is the service running there?" : "";
    return new ReflectionError(`reflection at ${this.#address} failed: code ${codeName(error.code)}: ${detail}${hint}`, { cause: error });
  }
}

/** Alphabetical, with the standard `grpc.*` services (health) after the node's own. */
function userServicesFirst(a: string, b: string): number {
  const standard = Number(a.startsWith("grpc.")) - Number(b.startsWith("grpc."));
  return standard !== 0 ? standard : a < b ? -1 : a > b ? 1 : 0;
}

function isNotFound(response: ServerReflectionResponse): boolean {
  const { messageResponse } = response;
  return messageResponse.case === "errorResponse" && messageResponse.value.errorCode === Code.NotFound;
}

/** The files ordered so that each comes after the files it imports, as `createFileRegistry` needs. */
function dependenciesFirst(files: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const visited = new Set<string>();
  const visit = (name: string): void => {
    const file = files.get(name);
    if (file === undefined || visited.has(name)) return;
    visited.add(name);
    for (const dependency of file.dependency) visit(dependency);
    ordered.push(file);
  };
  for (const name of files.keys()) visit(name);
  return ordered;
}
