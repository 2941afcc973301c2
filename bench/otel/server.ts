/**
 * The otel suite's server, one process per mode (workload.ts): the echo
 * service as in bench/rpc/kled-server.ts, with or without the otel()
 * plugin and the SDK. Usage (by suite.ts): server.ts <mode>.
 */
import { createServer } from "node:net";
import { Service } from "@kled/runtime";
import { otel, startOtel } from "@kled/runtime/otel";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { echoHandler } from "../rpc/echo-handler.js";
import { serveCommands } from "../support/child-process.js";
import { noopSpanExporter } from "./noop-exporter.js";
import { isOtelMode, OTEL_MODES, otelServiceName } from "./workload.js";

const [mode] = process.argv.slice(2);
if (!isOtelMode(mode)) throw new Error(`usage: server.ts <${OTEL_MODES.join(" | ")}>`);

const name = otelServiceName(mode);
const sdk =
  mode === "traced"
    ? await startOtel({
        serviceName: name,
        spanProcessors: [new BatchSpanProcessor({ exporter: noopSpanExporter })],
        metrics: { port: await freePort() },
      })
    : undefined;
const service = new Service({ name, ...(mode === "none" ? {} : { plugins: [otel({ sdk: false })] }) });
registerEchoServiceHandler(service.server, echoHandler);
await service.start();
serveCommands({ address: service.address ?? "" }, {}, async () => {
  await service.stop();
  await sdk?.shutdown();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
