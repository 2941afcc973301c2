import { getChannelzHandlers, type ServerUnaryCall } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { startEcho } from "./support/harness.js";

/** Counts of what grpc-js's channelz registry holds in this process (each test file runs in its own). */
async function channelzEntities(): Promise<{ servers: number; channels: number }> {
  const handlers = getChannelzHandlers();
  const ask = <T>(handler: (call: ServerUnaryCall<unknown, T>, callback: (error: unknown, value?: T) => void) => void, request: unknown) =>
    new Promise<T>((resolve, reject) =>
      handler({ request } as ServerUnaryCall<unknown, T>, (error, value) => (error ? reject(error) : resolve(value as T))),
    );
  const servers = await ask<{ server: unknown[] }>(handlers.GetServers as never, { start_server_id: 0, max_results: 100 });
  const channels = await ask<{ channel: unknown[] }>(handlers.GetTopChannels as never, { start_channel_id: 0, max_results: 100 });
  return { servers: servers.server.length, channels: channels.channel.length };
}

describe("channelz", () => {
  it("is off by default on servers and clients: Kled serves no channelz service, so grpc-js keeps no records for it", async () => {
    const h = await startEcho();
    try {
      await h.echo.echo({ text: "x" });
      expect(await channelzEntities()).toEqual({ servers: 0, channels: 0 });
    } finally {
      await h.close();
    }
  });

  it("comes back with grpcOptions, for a process that serves it itself", async () => {
    const on = { grpcOptions: { "grpc.enable_channelz": 1 } };
    const h = await startEcho({ server: on, client: on });
    try {
      await h.echo.echo({ text: "x" });
      const entities = await channelzEntities();
      expect(entities.servers).toBeGreaterThanOrEqual(1);
      expect(entities.channels).toBeGreaterThanOrEqual(1);
    } finally {
      await h.close();
    }
  });
});
