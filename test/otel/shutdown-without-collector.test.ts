import { createServer } from "node:net";
import { KledClient, MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { otel } from "@kled/runtime/otel";
import { afterEach, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";

/** A loopback port nothing listens on: where the OTLP exporter's collector is not. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("otel() without a collector", () => {
  it("stops the service cleanly when the last export fails, with a warning instead of an error", async () => {
    process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = `http://127.0.0.1:${await closedPort()}`;
    process.env["OTEL_METRICS_EXPORTER"] = "none";
    process.env["OTEL_LOGS_EXPORTER"] = "none";
    // Fail the export fast: the refused connection is what the test is about.
    process.env["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1000";
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    const registry = new MemoryRegistry();
    const service = new Service({ name: "kled.test.v1.EchoService", registry, logger: silentLogger, plugins: [otel()] });
    registerEchoServiceHandler(service.server, new EchoHandler());
    try {
      await service.start();
      const client = new KledClient({ registry });
      expect((await createEchoServiceClient(client).echo({ text: "traced" })).text).toBe("traced");
      await client.close();
      await expect(service.stop()).resolves.toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((warning) => warning.startsWith("KledTelemetryWarning: OpenTelemetry: flushing telemetry at shutdown failed"))).toBe(true);
    } finally {
      process.off("warning", onWarning);
      await registry.close();
    }
  });
});
