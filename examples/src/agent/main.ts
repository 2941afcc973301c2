/**
 * The example agent as a process:
 *
 *   node --conditions=kled:source --import tsx examples/src/agent/main.ts [--address 127.0.0.1:50061]
 *
 * Registers as "kled.agent", serves A2A 1.0 over gRPC (lf.a2a.v1.A2AService)
 * and Kled's kled.agent.v1.AgentService (its card, numbered task events),
 * and runs tasks with the MCP services it finds in
 * the same registry (start examples/src/mcp/main.ts too), calling them with
 * its service token (KLED_SERVICE_TOKEN). Tasks live in KLED_DATABASE_URL
 * (embedded SQLite in memory by default); their events go through the
 * outbox to the broker KLED_BROKER names on TaskEventTopic: memory by
 * default, or redis / redis://host:port to share them with other processes
 * (examples/src/audit/main.ts consumes them), and from there, in the
 * consumer group "a2a-push-delivery", to the webhooks of the tasks' push
 * notification configs. Serves until SIGINT or
 * SIGTERM, then stops gracefully. With OTEL_EXPORTER_OTLP_ENDPOINT (or
 * another OTEL_* exporter setting) it exports its spans: calls served and
 * made, outbox writes and the relay's publishes. With a token verification
 * key configured (KLED_AUTH_PUBLIC_KEY, KLED_AUTH_JWKS_URL or
 * KLED_AUTH_SECRET, see shared/auth-env.ts) every call but GetAgentCard
 * needs a JWT bearer token, and the card says so; without one the agent is
 * open.
 */
import { brokerFromEnv, consoleLogger, Service } from "@kled/runtime";
import { bearerToken } from "@kled/runtime/auth";
import { instrumentBroker, instrumentOutbox, observeOutboxBacklog, otel } from "@kled/runtime/otel";
import { Outbox } from "@kled/runtime/mikro-orm";
import { authenticatorFromEnv, serviceTokenFromEnv, verificationKeyConfigured } from "../shared/auth-env.js";
import { processOptions } from "../shared/process-options.js";
import { telemetryRequested } from "../shared/telemetry-env.js";
import { AGENT_SERVICE_NAME } from "../shared/service-names.js";
import { agentAuth } from "./agent-auth.js";
import { createExampleAgent } from "./create-agent.js";
import { openAgentPersistence } from "./persistence.js";
import { deliverPushNotifications } from "./push-delivery.js";

const options = processOptions("agent", process.argv.slice(2));
const logger = consoleLogger().child({ service: AGENT_SERVICE_NAME });
const token = serviceTokenFromEnv();
const bearerAuth = verificationKeyConfigured();
if (token === undefined) logger.warn("KLED_SERVICE_TOKEN is not set: MCP services will refuse the agent's tool calls");
// Traced publishes (the relay's sends join the trace of the call that wrote the row) and outbox writes.
const broker = instrumentBroker(brokerFromEnv({ logger }));
const persistence = await openAgentPersistence({ broker, logger, outbox: instrumentOutbox(new Outbox()) });
const stopBacklog = observeOutboxBacklog(persistence.relay);
const service = new Service({
  name: AGENT_SERVICE_NAME,
  version: "0.1.0",
  // Auth first: nothing runs (no transaction opens) for a caller it refuses.
  middleware: [...(bearerAuth ? [await agentAuth(authenticatorFromEnv(), logger)] : []), persistence.middleware],
  plugins: [otel({ sdk: telemetryRequested() })],
  ...(token === undefined ? {} : { clientMiddleware: [bearerToken(token)] }),
  ...options,
});
const agent = createExampleAgent({
  registry: service.registry,
  client: service.client,
  logger: service.logger,
  version: service.version,
  store: persistence.store,
  pushConfigs: persistence.pushConfigs,
  address: () => service.address,
  bearerAuth,
});
agent.register(service.server);
// A2A push notifications: task events from the broker to the tasks' webhooks.
const pushDelivery = await deliverPushNotifications(broker, agent.pushConfigs);
// Running tasks end first (FAILED: "the agent stopped"), so that open
// streams get their final event and the server drains quickly.
service.beforeStop(() => agent.stop());
await service.run();
// The relay publishes what the last tasks recorded before the database closes.
await persistence.relay.relayOnce().catch(() => undefined);
stopBacklog();
await pushDelivery.close();
await persistence.close();
await broker.close();
