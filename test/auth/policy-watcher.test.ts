import { randomBytes } from "node:crypto";
import { Code, KledClient, MemoryRegistry, Service, silentLogger } from "@kled/runtime";
import { auth } from "@kled/runtime/auth";
import { CasbinAuthorizer, policySubject } from "@kled/runtime/casbin";
import { jwtAuthenticator } from "@kled/runtime/jwt";
import { CasbinRuleSchema, Database, MikroOrmAdapter } from "@kled/runtime/mikro-orm";
import { RedisWatcher } from "@kled/runtime/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEchoServiceClient, registerEchoServiceHandler } from "../gen/kled/test/v1/echo_kled.js";
import { EchoHandler } from "../runtime/support/echo-handler.js";
import { requirePostgres, requireRedis } from "../support/services.js";
import { openTestDatabase, type TestDatabase } from "../support/test-database.js";
import { bearer, rejection } from "./support/auth-harness.js";
import { AUDIENCE, ISSUER, testKeys, token, type TestKeys } from "./support/tokens.js";

const [postgres, redis] = await Promise.all([requirePostgres(), requireRedis()]);
const skip = postgres.skip ?? redis.skip;

/** The bound on how long another instance may take to follow a policy change, in milliseconds. */
const PROPAGATION_LIMIT_MS = 1_000;

/** One instance of the service: its own database connection, authorizer and watcher, as a separate process would have. */
interface Instance {
  service: Service;
  authorizer: CasbinAuthorizer;
  database: Database;
}

describe.skipIf(skip !== undefined)("policy changes reach every instance", () => {
  let db: TestDatabase;
  let keys: TestKeys;
  const registry = new MemoryRegistry();
  const channel = `kled:test:policy:${randomBytes(4).toString("hex")}`;
  const instances: Instance[] = [];
  let client: KledClient;

  async function startInstance(): Promise<Instance> {
    const database = await Database.open({ url: db.url, entities: [CasbinRuleSchema], logger: silentLogger });
    const watcher = await RedisWatcher.open({ url: redis.url, channel, logger: silentLogger });
    const authorizer = await CasbinAuthorizer.create({ adapter: new MikroOrmAdapter(database.orm), watcher, logger: silentLogger });
    const service = new Service({
      name: "kled.test.policy",
      registry,
      address: "127.0.0.1:0",
      logger: silentLogger,
      logCalls: false,
      middleware: [auth({ authenticators: [jwtAuthenticator({ key: keys.publicKey, issuer: ISSUER, audience: AUDIENCE })], authorizer })],
    });
    registerEchoServiceHandler(service.server, new EchoHandler());
    await service.start();
    const instance = { service, authorizer, database };
    instances.push(instance);
    return instance;
  }

  beforeAll(async () => {
    keys = await testKeys();
    db = await openTestDatabase([CasbinRuleSchema], postgres.url);
    client = new KledClient({ registry });
  });
  afterAll(async () => {
    await client?.close();
    for (const { service, authorizer, database } of instances) {
      await service.stop();
      await authorizer.close();
      await database.close();
    }
    await registry.close();
    await db?.cleanup();
  });

  it(`a policy added on one instance is enforced by another within ${PROPAGATION_LIMIT_MS} ms, without a restart`, async () => {
    const a = await startInstance();
    const b = await startInstance();
    const echoB = createEchoServiceClient(client, { address: b.service.address ?? "" });
    const jwt = await token(keys, "frank", { domain: "acme" });
    expect((await rejection(echoB.echo({ text: "before" }, bearer(jwt)))).code).toBe(Code.PermissionDenied);

    const changed = Date.now();
    await a.authorizer.addPolicy(policySubject("frank"), "acme", "kled.test.v1.EchoService", "Echo");
    let allowedAfterMs: number | undefined;
    while (Date.now() - changed <= PROPAGATION_LIMIT_MS) {
      const outcome = await echoB.echo({ text: "after" }, bearer(jwt)).then(
        () => "ok",
        () => "denied",
      );
      if (outcome === "ok") {
        allowedAfterMs = Date.now() - changed;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(allowedAfterMs, `instance B still denied ${PROPAGATION_LIMIT_MS} ms after the change`).toBeDefined();

    // Removal travels the same way.
    const removed = Date.now();
    await a.authorizer.removePolicy(policySubject("frank"), "acme", "kled.test.v1.EchoService", "Echo");
    let deniedAgain = false;
    while (!deniedAgain && Date.now() - removed <= PROPAGATION_LIMIT_MS) {
      deniedAgain = (await echoB.echo({ text: "again" }, bearer(jwt)).then(() => false, () => true));
      if (!deniedAgain) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(deniedAgain).toBe(true);
  });
});
