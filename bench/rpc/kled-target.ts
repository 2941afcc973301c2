/**
 * The Kled side's client: a generated client on the client of a `Service`
 * (default middleware and resilience policies, a registry cache), resolving
 * the echo service through mDNS like any caller would. Not started: a
 * service that only calls needs no server of its own.
 */
import { Service } from "@kled/runtime";
import { createEchoServiceClient, type EchoServiceClient } from "../../test/gen/kled/test/v1/echo_kled.js";
import type { Target } from "../support/closed-loop.js";
import { ECHO_TEXT, KLED_SERVICE_NAME, KLED_SYNC_COUNT_SERVICE_NAME, STREAM_COUNT } from "./workload.js";

/** The Kled targets, and a function that closes their service. */
export function kledTargets(): { unary: Target; stream: Target; syncCountStream: Target; close: () => Promise<void> } {
  const service = new Service({ name: "bench.load" });
  const client = createEchoServiceClient(service.client, { service: KLED_SERVICE_NAME });
  const syncCount = createEchoServiceClient(service.client, { service: KLED_SYNC_COUNT_SERVICE_NAME });
  return {
    unary: async () => {
      await client.echo({ text: ECHO_TEXT });
    },
    stream: () => countAll(client),
    syncCountStream: () => countAll(syncCount),
    close: () => service.stop(),
  };
}

async function countAll(client: EchoServiceClient): Promise<number> {
  let received = 0;
  for await (const _ of client.count({ n: STREAM_COUNT })) received++;
  return received;
}
