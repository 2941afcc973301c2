import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckRequestSchema } from "../../runtime/src/gen/grpc/health/v1/health_pb.js";
import { startServerProcess, type ServerProcess } from "./support/server-process.js";

const WATCH = "/grpc.health.v1.Health/Watch";
const CALLS = 1_000;
const NAME_BYTES = 100 * 1024;
/**
 * Calls in flight at once: enough to be quick, few enough not to trip the
 * flow control of one connection, nor the server's HTTP/2 session memory
 * (nghttp2's 10 MB by default) while a loaded machine is still freeing the
 * previous batch's cancelled streams: 50 × 100 KB once did, in CI
 * (RESOURCE_EXHAUSTED), which says nothing about what the server keeps.
 */
const BATCH = 20;
const passThrough = (bytes: Buffer) => bytes;

/** Opens a Watch of `service`, waits for its first status, and cancels it. */
function watchOnce(client: grpc.Client, service: string): Promise<void> {
  const request = Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service })));
  const call = client.makeServerStreamRequest(WATCH, passThrough, passThrough, request, new grpc.Metadata(), {});
  return new Promise((resolve, reject) => {
    call.once("data", () => {
      call.cancel();
      resolve();
    });
    call.on("error", (error: grpc.ServiceError) => {
      if (error.code !== grpc.status.CANCELLED) reject(error);
    });
  });
}

async function flood(address: string, nameOf: (i: number) => string): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
  });
  try {
    for (let start = 0; start < CALLS; start += BATCH) {
      await Promise.all(Array.from({ length: BATCH }, (_, i) => watchOnce(client, nameOf(start + i))));
    }
  } finally {
    client.close();
  }
}

/** A distinct name of NAME_BYTES characters. */
function hugeName(i: number): string {
  const prefix = `unknown.Service${i}.`;
  return prefix + "x".repeat(NAME_BYTES - prefix.length);
}

describe("health Watch under a flood of cancelled calls", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server.close();
  });

  it(`keeps no memory for ${CALLS} watches of distinct ${NAME_BYTES / 1024} KB unknown names`, async () => {
    // Warm up every code path first, so that what follows measures only what is kept.
    await flood(server.address, () => "");
    const before = await server.ask("heap");
    await flood(server.address, () => "kled.test.v1.EchoService");
    const afterServed = await server.ask("heap");
    await flood(server.address, hugeName);
    const afterUnknown = await server.ask("heap");
    const servedGrowth = afterServed - before;
    const unknownGrowth = afterUnknown - afterServed;
    console.log(`heap growth: ${(servedGrowth / 2 ** 20).toFixed(2)} MB after ${CALLS} served-name watches, ${(unknownGrowth / 2 ** 20).toFixed(2)} MB after ${CALLS} unknown ${NAME_BYTES / 1024} KB names`);
    // 1,000 × 100 KB is ~100 MB: anything kept per name shows at once.
    expect(unknownGrowth).toBeLessThan(10 * 2 ** 20);
  });
});
