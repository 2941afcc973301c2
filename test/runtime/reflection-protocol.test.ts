/**
 * Server reflection, request kind by request kind, on the wire: a raw
 * grpc-js bidi call with the v1 messages encoded and decoded by protobuf-es,
 * against a KledServer serving the echo service and the agent service (whose
 * file imports well-known types and kled/options/v1/options.proto, which
 * extends google.protobuf.MessageOptions and sets a custom option).
 */
import { create, createFileRegistry, fromBinary, getOption, hasOption, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KledError, KledServer, silentLogger } from "@kled/runtime";
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionResponse,
} from "../../runtime/src/gen/grpc/reflection/v1/reflection_pb.js";
import { topic } from "../../runtime/src/gen/kled/options/v1/options_pb.js";
import { registerAgentServiceHandler, type AgentServiceHandler } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "./support/echo-handler.js";
import { rawBidi } from "./support/raw-client.js";

type Request = MessageInitShape<typeof ServerReflectionRequestSchema>;
type Version = "v1" | "v1alpha";

const NOT_FOUND = 5;
const AGENT_FILE = "kled/agent/v1/agent.proto";
/** Imported by the agent's file: the served files include it, and its enums. */
const A2A_FILE = "lf/a2a/v1/a2a.proto";
const OPTIONS_FILE = "kled/options/v1/options.proto";
const MESSAGE_OPTIONS = "google.protobuf.MessageOptions";
const TOPIC_EXTENSION_NUMBER = 50710;

/** One reflection stream carrying `requests`, half-closed after them; its responses, decoded. */
async function reflect(address: string, requests: Request[], version: Version = "v1"): Promise<ServerReflectionResponse[]> {
  const encoded = requests.map((request) => toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, request)));
  const responses = await rawBidi(address, `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, encoded);
  return responses.map((bytes) => fromBinary(ServerReflectionResponseSchema, bytes));
}

async function reflectOne(address: string, request: Request, version: Version = "v1"): Promise<ServerReflectionResponse> {
  const responses = await reflect(address, [request], version);
  expect(responses).toHaveLength(1);
  return responses[0] as ServerReflectionResponse;
}

/** The files of a file_descriptor_response, decoded; fails on any other response. */
function filesOf(response: ServerReflectionResponse) {
  const answer = response.messageResponse;
  if (answer.case !== "fileDescriptorResponse") throw new Error(`expected files, got ${answer.case}: ${JSON.stringify(answer.value)}`);
  return answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

/**
 * A registry of `files` (in any order), as clients build one: each file after
 * its imports. Ordered here because createFileRegistry's own resolver adds a
 * file imported twice (agent.proto and a2a.proto both import timestamp.proto)
 * after one of its importers.
 */
function registryOf(files: FileDescriptorProto[]) {
  const byName = new Map(files.map((file) => [file.name, file]));
  const ordered: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto | undefined): void => {
    if (file === undefined || ordered.includes(file)) return;
    for (const dependency of file.dependency) visit(byName.get(dependency));
    ordered.push(file);
  };
  files.forEach(visit);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

function errorOf(response: ServerReflectionResponse) {
  const answer = response.messageResponse;
  if (answer.case !== "errorResponse") throw new Error(`expected an error response, got ${answer.case}`);
  return answer.value;
}

const symbol = (name: string): Request => ({ messageRequest: { case: "fileContainingSymbol", value: name } });
const filename = (name: string): Request => ({ messageRequest: { case: "fileByFilename", value: name } });
const listServices: Request = { messageRequest: { case: "listServices", value: "*" } };

/** A handler whose every method fails: reflection never calls it. */
const unimplementedAgent = new Proxy(
  {},
  {
    get: () => () => {
      throw new KledError(12, "not implemented in this test");
    },
  },
) as AgentServiceHandler;

describe("server reflection protocol", () => {
  let server: KledServer;
  let address: string;
  beforeAll(async () => {
    server = new KledServer({ logger: silentLogger });
    registerEchoServiceHandler(server, new EchoHandler());
    registerAgentServiceHandler(server, unimplementedAgent);
    address = await server.listen("127.0.0.1:0");
  });
  afterAll(() => server?.shutdown(0));

  it.each(["v1", "v1alpha"] as const)("%s: list_services names every served service", async (version) => {
    const response = await reflectOne(address, listServices, version);
    expect(response.messageResponse.case).toBe("listServicesResponse");
    const names = response.messageResponse.case === "listServicesResponse" ? response.messageResponse.value.service.map((s) => s.name) : [];
    expect(names.sort()).toEqual(["grpc.health.v1.Health", "kled.agent.v1.AgentService", "kled.test.v1.EchoService"]);
  });

  it("echoes the host and the original request", async () => {
    const response = await reflectOne(address, { host: "example:1", messageRequest: { case: "fileByFilename", value: AGENT_FILE } });
    expect(response.validHost).toBe("example:1");
    expect(response.originalRequest?.messageRequest).toEqual({ case: "fileByFilename", value: AGENT_FILE });
  });

  it("file_by_filename sends the file first, then its transitive imports, which resolve", async () => {
    const files = filesOf(await reflectOne(address, filename(AGENT_FILE)));
    expect(files[0]?.name).toBe(AGENT_FILE);
    expect(files.map((f) => f.name).sort()).toEqual(
      [
        AGENT_FILE,
        A2A_FILE,
        "google/protobuf/descriptor.proto",
        "google/protobuf/empty.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto",
        OPTIONS_FILE,
      ].sort(),
    );
    const registry = registryOf(files);
    expect(registry.getService("kled.agent.v1.AgentService")?.methods.length).toBeGreaterThan(0);
  });

  it("keeps custom options: TaskEvent's (kled.options.v1.topic)", async () => {
    const files = filesOf(await reflectOne(address, symbol("kled.agent.v1.TaskEvent")));
    const registry = registryOf(files);
    const taskEvent = registry.getMessage("kled.agent.v1.TaskEvent");
    expect(taskEvent).toBeDefined();
    if (taskEvent === undefined) return;
    expect(hasOption(taskEvent, topic)).toBe(true);
    expect(getOption(taskEvent, topic).name).toBe("kled.agent.v1.task-events");
  });

  it.each([
    ["a service", "kled.agent.v1.AgentService", AGENT_FILE],
    ["a method", "kled.test.v1.EchoService.Echo", "kled/test/v1/echo.proto"],
    ["a message", "kled.agent.v1.TaskEvent", AGENT_FILE],
    ["a field", "kled.agent.v1.TaskEvent.task_id", AGENT_FILE],
    ["a oneof", "kled.agent.v1.TaskEvent.event", AGENT_FILE],
    ["a nested message (a map entry)", "kled.test.v1.EchoResponse.MetadataEntry", "kled/test/v1/echo.proto"],
    ["an enum", "lf.a2a.v1.TaskState", A2A_FILE],
    ["an enum value (scoped beside its enum)", "lf.a2a.v1.TASK_STATE_WORKING", A2A_FILE],
    ["an extension", "kled.options.v1.topic", OPTIONS_FILE],
    ["an imported well-known type", "google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
    ["the health service", "grpc.health.v1.Health.Check", "grpc/health/v1/health.proto"],
  ])("file_containing_symbol finds %s", async (_kind, name, file) => {
    expect(filesOf(await reflectOne(address, symbol(name)))[0]?.name).toBe(file);
  });

  it("file_containing_extension finds the file that extends a message", async () => {
    const files = filesOf(
      await reflectOne(address, {
        messageRequest: { case: "fileContainingExtension", value: { containingType: MESSAGE_OPTIONS, extensionNumber: TOPIC_EXTENSION_NUMBER } },
      }),
    );
    expect(files.map((f) => f.name)).toEqual([OPTIONS_FILE, "google/protobuf/descriptor.proto"]);
  });

  it("all_extension_numbers_of_type lists a message's extensions, none for a message without", async () => {
    const [options, echo] = await reflect(address, [
      { messageRequest: { case: "allExtensionNumbersOfType", value: MESSAGE_OPTIONS } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "kled.test.v1.EchoRequest" } },
    ]);
    expect(options?.messageResponse).toEqual({
      case: "allExtensionNumbersResponse",
      value: expect.objectContaining({ baseTypeName: MESSAGE_OPTIONS, extensionNumber: [TOPIC_EXTENSION_NUMBER] }),
    });
    expect(echo?.messageResponse).toEqual({
      case: "allExtensionNumbersResponse",
      value: expect.objectContaining({ baseTypeName: "kled.test.v1.EchoRequest", extensionNumber: [] }),
    });
  });

  it("answers unknown names with NOT_FOUND error responses and keeps the stream open", async () => {
    const responses = await reflect(address, [
      symbol("no.such.Symbol"),
      symbol(".kled.agent.v1.TaskEvent"),
      filename("no/such.proto"),
      { messageRequest: { case: "fileContainingExtension", value: { containingType: MESSAGE_OPTIONS, extensionNumber: 1 } } },
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "no.such.Message", extensionNumber: 1 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "no.such.Message" } },
      symbol("x".repeat(10_000)),
      listServices,
    ]);
    expect(responses).toHaveLength(8);
    const errors = responses.slice(0, 7).map(errorOf);
    expect(errors.map((e) => e.errorCode)).toEqual(Array(7).fill(NOT_FOUND));
    expect(errors[0]?.errorMessage).toBe(`no symbol "no.such.Symbol" in the served services' files`);
    expect(errors[1]?.errorMessage).toContain("without its leading dot");
    expect(errors[2]?.errorMessage).toContain(`"no/such.proto"`);
    expect(errors[3]?.errorMessage).toBe(`no extension 1 of "${MESSAGE_OPTIONS}" in the served services' files`);
    expect(errors[5]?.errorMessage).toContain(`"no.such.Message"`);
    // A huge name is not echoed whole in the message (original_request does carry it, as the protocol says).
    expect(errors[6]?.errorMessage.length).toBeLessThan(400);
    expect(responses[7]?.messageResponse.case).toBe("listServicesResponse");
  });

  it("answers a request that sets no kind with INVALID_ARGUMENT, one of a newer kind with UNIMPLEMENTED", async () => {
    const newerKind = create(ServerReflectionRequestSchema, {});
    // Field 99, a string: what a request kind this server does not know looks like.
    newerKind.$unknown = [{ no: 99, wireType: 2, data: new Uint8Array([3, 0x61, 0x62, 0x63]) }];
    const [empty, newer] = await reflect(address, [{}, newerKind]);
    expect(errorOf(empty as ServerReflectionResponse).errorCode).toBe(3);
    expect(errorOf(newer as ServerReflectionResponse).errorCode).toBe(12);
  });

  it("does not send again, on one stream, an import it already sent; the requested file always", async () => {
    const [agent, options, timestamp] = await reflect(address, [
      filename(AGENT_FILE),
      filename(OPTIONS_FILE),
      symbol("google.protobuf.Timestamp"),
    ]);
    expect(filesOf(agent as ServerReflectionResponse)).toHaveLength(7);
    expect(filesOf(options as ServerReflectionResponse).map((f) => f.name)).toEqual([OPTIONS_FILE]);
    expect(filesOf(timestamp as ServerReflectionResponse).map((f) => f.name)).toEqual(["google/protobuf/timestamp.proto"]);
    // A new stream starts afresh.
    expect(filesOf(await reflectOne(address, filename(OPTIONS_FILE))).map((f) => f.name)).toEqual([
      OPTIONS_FILE,
      "google/protobuf/descriptor.proto",
    ]);
  });

  it("answers many requests on one stream, in order", async () => {
    const names = ["kled.agent.v1.AgentService", "no.such.Symbol", "kled.test.v1.EchoService"];
    const requests = Array.from({ length: 300 }, (_, i) => symbol(names[i % names.length] as string));
    const responses = await reflect(address, requests);
    expect(responses.map((r) => r.originalRequest?.messageRequest.value)).toEqual(requests.map((r) => r.messageRequest?.value));
    expect(responses.map((r) => r.messageResponse.case)).toEqual(
      requests.map((_, i) => (i % 3 === 1 ? "errorResponse" : "fileDescriptorResponse")),
    );
  });
});
