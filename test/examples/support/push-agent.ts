import { Service, silentLogger, type Subscription } from "@kled/runtime";
import { bearerToken } from "@kled/runtime/auth";
import { createExampleAgent, type AgentParts } from "../../../examples/src/agent/create-agent.js";
import { openAgentPersistence, type AgentPersistence } from "../../../examples/src/agent/persistence.js";
import type { Planner } from "../../../examples/src/agent/planner.js";
import { deliverPushNotifications } from "../../../examples/src/agent/push-delivery.js";
import { AGENT_SERVICE_NAME } from "../../../examples/src/shared/service-names.js";
import type { ExampleCluster } from "../start-services.js";

/** The example agent in this process, wired as examples/src/agent/main.ts wires it. */
export interface PushAgent {
  readonly service: Service;
  readonly parts: AgentParts;
  stop(): Promise<void>;
}

/**
 * Starts the example agent on `cluster`'s registry and broker (start the
 * cluster with `agent: false`), on embedded SQLite, its outbox relayed to
 * the cluster's broker and its task events pushed to the tasks' webhooks
 * (deliverPushNotifications, as main.ts does): the agent of startCluster
 * plus push delivery.
 */
export async function startPushAgent(cluster: ExampleCluster, planner?: Planner): Promise<PushAgent> {
  const persistence: AgentPersistence = await openAgentPersistence({ broker: cluster.broker, logger: silentLogger, url: "sqlite::memory:" });
  const service = new Service({
    name: AGENT_SERVICE_NAME,
    registry: cluster.registry,
    address: "127.0.0.1:0",
    logger: silentLogger,
    logCalls: false,
    middleware: [persistence.middleware],
    clientMiddleware: [bearerToken(await cluster.token("kled.agent"))],
  });
  const parts = createExampleAgent({
    registry: cluster.registry,
    client: service.client,
    logger: silentLogger,
    store: persistence.store,
    pushConfigs: persistence.pushConfigs,
    address: () => service.address,
    ...(planner === undefined ? {} : { planner }),
  });
  parts.register(service.server);
  const delivery: Subscription = await deliverPushNotifications(cluster.broker, parts.pushConfigs);
  await service.start();
  return {
    service,
    parts,
    async stop() {
      await parts.stop();
      await service.stop();
      await persistence.relay.relayOnce().catch(() => undefined);
      await delivery.close();
      await persistence.close();
    },
  };
}
