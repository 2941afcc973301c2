// Type-level tests: calls through the generated EchoServiceClient.
import type { Client } from "@kled/runtime";
import type { EchoResponse } from "../../gen/kled/test/v1/echo_pb.js";
import { createEchoServiceClient, type EchoServiceClient } from "../../gen/kled/test/v1/echo_kled.js";

export async function calls(client: Client): Promise<void> {
  const echo: EchoServiceClient = createEchoServiceClient(client, { service: "echo-v2" });

  // Unary calls take an init shape and resolve to the full message.
  const response: EchoResponse = await echo.echo({ text: "hi" }, { timeoutMs: 1000 });
  const text: string = response.text;
  const metadata: Record<string, string> = response.metadata;

  for await (const { value } of echo.count({ n: 3 })) {
    const n: number = value;
    void n;
  }

  async function* addends() {
    yield { value: 1n };
    yield { value: 2n };
  }
  const sum = await echo.sum(addends());
  const total: bigint = sum.total;

  for await (const reply of echo.chat(chatLines())) {
    const line: string = reply.text;
    void line;
  }

  // @ts-expect-error -- EchoRequest has no field "txt"
  await echo.echo({ txt: "hi" });

  // @ts-expect-error -- CountRequest.n is a number
  echo.count({ n: "3" });

  // @ts-expect-error -- Sum takes a stream of requests
  await echo.sum({ value: 1n });

  // @ts-expect-error -- call options are typed too
  await echo.echo({}, { timeout: 1000 });

  // @ts-expect-error -- the reply is a promise of the message, not the message
  const notAwaited: EchoResponse = echo.echo({});

  void [text, metadata, total, notAwaited];
}

async function* chatLines() {
  yield { text: "hello" };
}
