/**
 * The audit subscriber as a process:
 *
 *   KLED_BROKER=redis node --conditions=kled:source --import tsx examples/src/audit/main.ts [--out audit.jsonl]
 *
 * Consumes the agent's task events (TaskEventTopic, published through its
 * outbox) in the consumer group "audit" of the broker KLED_BROKER names, and
 * writes one JSON line per event to stdout and, with --out, appends it to
 * FILE. Run the agent with the same KLED_BROKER: the default, memory, stays
 * inside one process. Stops gracefully on SIGINT or SIGTERM. With
 * OTEL_EXPORTER_OTLP_ENDPOINT (or another OTEL_* exporter setting) it
 * exports a span per event handled, in the trace of the task that wrote it.
 */
import { open, type FileHandle } from "node:fs/promises";
import { parseArgs } from "node:util";
import { brokerFromEnv, consoleLogger } from "@kled/runtime";
import { instrumentBroker, startOtel } from "@kled/runtime/otel";
import { telemetryRequested } from "../shared/telemetry-env.js";
import { AUDIT_GROUP, subscribeAudit, type AuditSink } from "./audit-log.js";

const usage = "usage: audit [--out FILE]\n";
let out: string | undefined;
try {
  ({ out } = parseArgs({ args: process.argv.slice(2), options: { out: { type: "string" } }, strict: true }).values);
} catch (error) {
  process.stderr.write(`audit: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}

const file = out === undefined ? undefined : await openOut(out);
const logger = consoleLogger().child({ service: "kled.audit" });
// No Service here: the SDK is started directly. Each event's process span continues the trace that wrote it.
const telemetry = telemetryRequested() ? await startOtel({ serviceName: "kled.audit" }) : undefined;
const broker = instrumentBroker(brokerFromEnv({ logger }));
if (broker.name === "memory") logger.warn("KLED_BROKER is memory: no other process's events reach this one; set KLED_BROKER=redis");
const sinks: AuditSink[] = [(line) => void process.stdout.write(line)];
if (file !== undefined) sinks.push(async (line) => void (await file.write(line)));
const subscription = await subscribeAudit(broker, sinks);
logger.info("auditing task events", { group: AUDIT_GROUP, broker: broker.name, ...(out === undefined ? {} : { out }) });

await new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
// Lines being written finish and are acknowledged before the file closes.
await subscription.close();
await broker.close();
await file?.close();
await telemetry?.shutdown();
logger.info("audit stopped");

async function openOut(path: string): Promise<FileHandle> {
  try {
    return await open(path, "a");
  } catch (error) {
    process.stderr.write(`audit: --out ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
