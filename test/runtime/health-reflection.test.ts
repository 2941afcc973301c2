import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { rawBidi } from "./support/raw-client.js";
import { startEcho, type Harness } from "./support/harness.js";

/** grpc.health.v1.Health/Check through a client built from grpc-health-check's own definition. */
function check(address: string, service: string): Promise<string> {
  const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
  const client = new Health(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
  };
  return new Promise((resolve, reject) =>
    client.check({ service }, (error, response) => {
      client.close();
      if (error === null) resolve(response?.status ?? "");
      else reject(error);
    }),
  );
}

/** The length-delimited fields with `field` number of a message. */
function fields(bytes: Uint8Array, field: number): Uint8Array[] {
  const reader = new BinaryReader(bytes);
  const found: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (no === field && type === WireType.LengthDelimited) found.push(reader.bytes());
    else reader.skip(type);
  }
  return found;
}

function reflect(address: string, version: "v1" | "v1alpha", requestField: number, value: string): Promise<Buffer[]> {
  const request = new BinaryWriter().tag(requestField, WireType.LengthDelimited).string(value).finish();
  return rawBidi(address, `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, [request]);
}

describe("health and reflection", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho();
  });
  afterAll(async () => {
    await h.close();
  });

  it("health reports SERVING for the server and for each service", async () => {
    expect(await check(h.address, "")).toBe("SERVING");
    expect(await check(h.address, "kled.test.v1.EchoService")).toBe("SERVING");
    await expect(check(h.address, "no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it.each(["v1", "v1alpha"] as const)("reflection %s lists the echo and health services", async (version) => {
    const [response] = await reflect(h.address, version, 7, "*"); // list_services = 7
    const list = fields(response ?? new Uint8Array(), 6)[0]; // list_services_response = 6
    const names = fields(list ?? new Uint8Array(), 1).map((service) => new TextDecoder().decode(fields(service, 1)[0]));
    expect(names.sort()).toEqual(["grpc.health.v1.Health", "kled.test.v1.EchoService"]);
  });

  it.each(["kled.test.v1.EchoService", "grpc.health.v1.Health"])(
    "reflection serves a self-contained, resolvable file set for %s",
    async (name) => {
      const [response] = await reflect(h.address, "v1", 4, name); // file_containing_symbol = 4
      const files = fields(fields(response ?? new Uint8Array(), 4)[0] ?? new Uint8Array(), 1) // file_descriptor_response = 4
        .map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
      // Resolving every type name, as buf curl and grpcurl do, fails on a broken descriptor.
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
      const service = registry.getService(name);
      expect(service?.methods.length).toBeGreaterThan(0);
      if (name === "kled.test.v1.EchoService") {
        expect(service?.methods.map((m) => `${m.name}:${m.methodKind}`)).toEqual([
          "Echo:unary",
          "Count:server_streaming",
          "Sum:client_streaming",
          "Chat:bidi_streaming",
        ]);
      }
    },
  );
});
