/**
 * The audit subscriber: in process, on the MemoryBroker the agent's outbox
 * relay publishes to; and as a process (examples/src/audit/main.ts) on Redis,
 * writing to stdout and its --out file and stopping on SIGTERM.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { silentLogger } from "@kled/runtime";
import { RedisBroker } from "@kled/runtime/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_GROUP, subscribeAudit, type AuditLine } from "../../examples/src/audit/audit-log.js";
import { Role, TaskState } from "@kled/runtime/gen/lf/a2a/v1/a2a_pb.js";
import { createAgentServiceClient, TaskEventTopic } from "../../examples/src/gen/kled/agent/v1/agent_kled.js";
import { createA2AServiceClient } from "../../examples/src/gen/lf/a2a/v1/a2a_kled.js";
import { AGENT_SERVICE_NAME } from "../../examples/src/shared/service-names.js";
import { inspector, pendingCount } from "../broker/support/topics.js";
import { waitUntil } from "../registry/wait.js";
import { requireRedis } from "../support/services.js";
import { type ExampleCluster, startCluster } from "./start-services.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const AUDIT_MAIN = fileURLToPath(new URL("../../examples/src/audit/main.ts", import.meta.url));

/**
 * The process test's Redis database: TaskEventTopic and the group "audit"
 * have fixed names, so a database of its own keeps a demo running on the
 * same Redis (database 0) out of the test, and the test out of the demo.
 */
const AUDIT_TEST_DB = 9;

const redis = await requireRedis();

function lines(text: string): AuditLine[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as AuditLine);
}

describe("audit subscriber, in process", () => {
  let cluster: ExampleCluster;
  beforeAll(async () => {
    cluster = await startCluster({ mcpInstances: 1, agent: true });
  });
  afterAll(() => cluster?.stop());

  it("writes one line per task event the agent's outbox published, numbered without gaps", async () => {
    const written: string[] = [];
    const subscription = await subscribeAudit(cluster.broker, [(line) => void written.push(line)]);
    const agent = createAgentServiceClient(cluster.client, { service: AGENT_SERVICE_NAME });
    const sent = await createA2AServiceClient(cluster.client, { service: AGENT_SERVICE_NAME }).sendMessage({
      message: { role: Role.USER, parts: [{ content: { case: "text", value: "add 2 and 3, then multiply by 4" } }] },
      configuration: { returnImmediately: true },
    });
    const id = sent.payload.case === "task" ? sent.payload.value.id : "";
    const audited = () => lines(written.join("")).filter((line) => line.taskId === id);
    await waitUntil("the final event is audited", () => audited().some((line) => line.state === "COMPLETED"), 15_000);
    await subscription.close();

    const logged = [];
    for await (const { event } of agent.subscribeTaskEvents({ taskId: id })) logged.push(event);
    const events = audited();
    expect(events.map((line) => line.sequence)).toEqual(Array.from({ length: logged.length }, (_, i) => i + 1));
    expect(events.map((line) => line.state ?? `artifact:${line.artifact}`)).toEqual([
      "SUBMITTED",
      "WORKING",
      "WORKING",
      "artifact:step-1",
      "WORKING",
      "artifact:step-2",
      "artifact:answer",
      "COMPLETED",
    ]);
    expect(events.every((line) => !Number.isNaN(Date.parse(line.time)) && line.time.endsWith("Z"))).toBe(true);
    expect(written.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
  });
});

describe.skipIf(redis.skip !== undefined)("audit subscriber, as a process on Redis", () => {
  it("audits to stdout and --out, acknowledges in the group audit, and stops on SIGTERM", async () => {
    const url = new URL(redis.url);
    url.pathname = `/${AUDIT_TEST_DB}`;
    const look = inspector(url.href);
    look.forget(TaskEventTopic.name, `${TaskEventTopic.name}:dlq`);
    await look.del(TaskEventTopic.name); // a group left by an earlier run would replay its backlog
    const dir = await mkdtemp(join(tmpdir(), "kled-audit-"));
    const out = join(dir, "audit.jsonl");
    const broker = new RedisBroker({ url: url.href, logger: silentLogger });
    const child = spawn(process.execPath, ["--conditions=kled:source", "--import", "tsx", AUDIT_MAIN, "--out", out], {
      cwd: REPO_ROOT,
      env: { ...process.env, KLED_BROKER: "redis", KLED_REDIS_URL: url.href, KLED_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    try {
      await waitUntil("the audit subscriber is subscribed", async () => stderr.includes('"msg":"auditing task events"'), 15_000);
      const time = timestampFromDate(new Date("2025-05-06T07:08:09.010Z"));
      const taskId = "audited-task";
      const submitted = { case: "statusUpdate", value: { status: { state: TaskState.SUBMITTED } } } as const;
      await broker.publish(TaskEventTopic, { taskId, sequence: 1n, time, event: submitted });
      const answer = { case: "artifactUpdate", value: { artifact: { artifactId: "answer" } } } as const;
      await broker.publish(TaskEventTopic, { taskId, sequence: 2n, time, event: answer });
      await broker.publish(
        TaskEventTopic,
        { taskId, sequence: 3n, event: { case: "statusUpdate", value: { status: { state: TaskState.COMPLETED } } } },
        { codec: "json" },
      );
      await waitUntil("three lines are audited", () => lines(stdout).length === 3, 10_000);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toContain('"msg":"audit stopped"');
      const audited = lines(stdout);
      expect(audited).toEqual([
        { taskId, sequence: 1, state: "SUBMITTED", time: "2025-05-06T07:08:09.010Z" },
        { taskId, sequence: 2, artifact: "answer", time: "2025-05-06T07:08:09.010Z" },
        { taskId, sequence: 3, state: "COMPLETED", time: expect.stringMatching(/Z$/) },
      ]);
      expect(await readFile(out, "utf8")).toBe(stdout);
      expect(await pendingCount(look, TaskEventTopic.name, AUDIT_GROUP)).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await broker.close();
      await look.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
