/**
 * What server reflection answers from: the protobuf-es descriptors of the
 * reflected services' files and of everything they import, indexed by file
 * name, by fully-qualified symbol, and by extended message and extension
 * number. Built once per server from descriptors Kled already holds, so
 * reflection needs no library of its own.
 *
 * Symbols are those a `file_containing_symbol` request may name, as grpc-go
 * resolves them: services, methods, messages, fields, oneofs, enums, enum
 * values (scoped beside their enum, as protobuf scopes them) and extensions.
 */
import { toBinary, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { type DescriptorProto, type EnumDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** @internal */
export class DescriptorIndex {
  /** The reflected services' full names, in registration order. */
  readonly serviceNames: readonly string[];
  readonly #files = new Map<string, DescFile>();
  readonly #symbols = new Map<string, DescFile>();
  readonly #messages = new Set<string>();
  /** Extended message's full name → extension number → extension. */
  readonly #extensions = new Map<string, Map<number, DescExtension>>();
  /** Serialized files, encoded on first request: most servers are never reflected on. */
  readonly #encoded = new Map<DescFile, Uint8Array>();

  constructor(services: readonly DescService[]) {
    this.serviceNames = [...new Set(services.map((service) => service.typeName))];
    for (const service of services) this.#addFile(service.file);
  }

  file(name: string): DescFile | undefined {
    return this.#files.get(name);
  }

  /** The file declaring `name` (a service, method, message, field, enum, enum value…). */
  fileContainingSymbol(name: string): DescFile | undefined {
    return this.#symbols.get(name);
  }

  /** Whether `name` is a message type of an indexed file. */
  hasMessage(name: string): boolean {
    return this.#messages.has(name);
  }

  extension(extendee: string, number: number): DescExtension | undefined {
    return this.#extensions.get(extendee)?.get(number);
  }

  /** The numbers of the indexed extensions of `extendee`, ascending. */
  extensionNumbers(extendee: string): number[] {
    return [...(this.#extensions.get(extendee)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * `file` serialized, then its transitive imports not in `sent`, which
   * gains the names of all of them: the protocol lets a server skip files it
   * sent earlier on the same stream, as grpc-go does. The requested file is
   * always sent. Breadth first, as grpc-go orders them.
   */
  serialize(file: DescFile, sent: Set<string>): Uint8Array[] {
    const out = [this.#encode(file)];
    sent.add(file.proto.name);
    const queue = [...file.dependencies];
    for (let dependency = queue.shift(); dependency !== undefined; dependency = queue.shift()) {
      if (sent.has(dependency.proto.name)) continue;
      sent.add(dependency.proto.name);
      out.push(this.#encode(dependency));
      queue.push(...dependency.dependencies);
    }
    return out;
  }

  #encode(file: DescFile): Uint8Array {
    let bytes = this.#encoded.get(file);
    if (bytes === undefined) {
      // file.proto is the FileDescriptorProto itself, custom options included.
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.#encoded.set(file, bytes);
    }
    return bytes;
  }

  #addFile(file: DescFile): void {
    // The file's path as imports name it ("a/b.proto"); DescFile.name drops the suffix.
    if (this.#files.has(file.proto.name)) return;
    this.#files.set(file.proto.name, file);
    // Symbols come from the FileDescriptorProto, which has them all: map entries
    // and proto3 optionals' synthetic oneofs are not in protobuf-es' descriptors.
    const { proto } = file;
    const scope = proto.package === "" ? "" : `${proto.package}.`;
    const add = (name: string) => this.#symbols.set(name, file);
    const addEnums = (enums: readonly EnumDescriptorProto[], scope: string) => {
      for (const enumeration of enums) {
        add(scope + enumeration.name);
        // Enum values are siblings of their enum in protobuf's scoping: pkg.Color's RED is pkg.RED.
        for (const value of enumeration.value) add(scope + value.name);
      }
    };
    const addMessages = (messages: readonly DescriptorProto[], scope: string) => {
      for (const message of messages) {
        const name = scope + message.name;
        add(name);
        this.#messages.add(name);
        for (const field of message.field) add(`${name}.${field.name}`);
        for (const oneof of message.oneofDecl) add(`${name}.${oneof.name}`);
        for (const extension of message.extension) add(`${name}.${extension.name}`);
        addMessages(message.nestedType, `${name}.`);
        addEnums(message.enumType, `${name}.`);
      }
    };
    addMessages(proto.messageType, scope);
    addEnums(proto.enumType, scope);
    for (const extension of proto.extension) add(scope + extension.name);
    for (const service of proto.service) {
      add(scope + service.name);
      for (const method of service.method) add(`${scope}${service.name}.${method.name}`);
    }
    for (const extension of extensionsOf(file)) this.#addExtension(extension);
    for (const dependency of file.dependencies) this.#addFile(dependency);
  }

  #addExtension(extension: DescExtension): void {
    const extendee = extension.extendee.typeName;
    let byNumber = this.#extensions.get(extendee);
    if (byNumber === undefined) this.#extensions.set(extendee, (byNumber = new Map()));
    byNumber.set(extension.number, extension);
  }
}

/** The extensions declared in `scope`, at its top level or nested in its messages. */
function* extensionsOf(scope: DescFile | DescMessage): Generator<DescExtension> {
  yield* scope.kind === "file" ? scope.extensions : scope.nestedExtensions;
  for (const message of scope.kind === "file" ? scope.messages : scope.nestedMessages) yield* extensionsOf(message);
}
