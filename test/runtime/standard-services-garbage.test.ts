import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawUnary } from "./support/raw-client.js";
import { startEcho, type Harness } from "./support/harness.js";

const GARBAGE = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
const passThrough = (bytes: Buffer) => bytes;

/** Sends `body` on a server-streaming call and resolves with the status it ends with. */
function rawServerStream(address: string, path: string, body: Uint8Array): Promise<grpc.StatusObject> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeServerStreamRequest(path, passThrough, passThrough, Buffer.from(body), new grpc.Metadata(), {
    deadline: Date.now() + 5_000,
  });
  call.on("data", () => undefined);
  call.on("error", () => undefined);
  return new Promise((resolve) =>
    call.on("status", (status) => {
      client.close();
      resolve(status);
    }),
  );
}

/** Sends `body` on a bidi call, half-closes, and resolves with the status it ends with. */
function rawBidiStatus(address: string, path: string, body: Uint8Array): Promise<grpc.StatusObject> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(path, passThrough, passThrough, new grpc.Metadata(), { deadline: Date.now() + 5_000 });
  call.on("data", () => undefined);
  call.on("error", () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) =>
    call.on("status", (s) => {
      client.close();
      resolve(s);
    }),
  );
  call.write(Buffer.from(body));
  call.end();
  return status;
}

describe("standard services given bytes that do not decode", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho();
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(["Check", "List"])("health %s answers INVALID_ARGUMENT", async (method) => {
    const { error } = await rawUnary(h.address, `/grpc.health.v1.Health/${method}`, GARBAGE);
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toContain("grpc.health.v1.");
  });

  it("health Watch answers INVALID_ARGUMENT", async () => {
    const status = await rawServerStream(h.address, "/grpc.health.v1.Health/Watch", GARBAGE);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it.each(["v1", "v1alpha"])("reflection %s answers INVALID_ARGUMENT", async (version) => {
    const status = await rawBidiStatus(h.address, `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, GARBAGE);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toContain("ServerReflection request");
  });

  it("a health Watch of an unknown name answers SERVICE_UNKNOWN and stays open", async () => {
    const client = new grpc.Client(h.address, grpc.credentials.createInsecure());
    // HealthCheckRequest { service: "no.such.Service" }
    const name = Buffer.from("no.such.Service");
    const request = Buffer.concat([Buffer.from([0x0a, name.length]), name]);
    const call = client.makeServerStreamRequest("/grpc.health.v1.Health/Watch", passThrough, passThrough, request, new grpc.Metadata(), {});
    const first = await new Promise<Buffer>((resolve) => call.once("data", resolve));
    expect([...first]).toEqual([0x08, 3]); // status = SERVICE_UNKNOWN
    let ended = false;
    call.on("status", () => (ended = true));
    call.on("error", () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toBe(false);
    call.cancel();
    client.close();
  });
});
