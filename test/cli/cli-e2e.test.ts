/**
 * The `kled` command end to end, as a user runs it: a project config lists
 * the echo fixture service; `kled service start` runs two instances as
 * detached processes that register over mDNS; the discovery, call and
 * health commands find and call them; `kled service stop` ends them.
 *
 * Test files run in parallel on the same mDNS port: the CLI and the services
 * it starts share a DNS-SD type of their own (KLED_MDNS_SERVICE_TYPE, which
 * the spawned services inherit from the CLI), and the service names are
 * unique to this run as well.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MdnsRegistry } from "@kled/runtime";
import { isAlive } from "../../cli/src/supervise/process-info.js";
import { uniqueServiceType } from "../registry/mdns-fixtures.js";
import { createKled, REPO_ROOT } from "./support/run-kled.js";

const name = `cli-echo-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fixture = fileURLToPath(new URL("./fixtures/echo-service.ts", import.meta.url));
const serviceType = uniqueServiceType();
const { kled, kledOk } = createKled({ KLED_MDNS_SERVICE_TYPE: serviceType });
const stubborn = `${name}-stubborn`;
let dir = "";

/** Not kill(pid, 0) alone: an ended instance may linger as a zombie until PID 1 reaps it. */
const alive = isAlive;

async function pids(): Promise<number[]> {
  const read = (i: number) => readFile(join(dir, ".kled", name, `${i}.pid`), "utf8").then(Number, () => undefined);
  return (await Promise.all([read(1), read(2)])).filter((pid): pid is number => pid !== undefined);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kled-cli-"));
  const config = {
    services: [
      {
        name,
        command: [process.execPath, "--conditions=kled:source", "--import", "tsx", fixture, name],
        instances: 2,
        cwd: REPO_ROOT,
        env: { KLED_LOG_LEVEL: "info" },
      },
      {
        // Ignores SIGTERM, so that stop has to escalate.
        name: stubborn,
        command: [process.execPath, "-e", "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000)"],
      },
    ],
  };
  await writeFile(join(dir, "kled.config.json"), JSON.stringify(config, null, 2));
});

afterAll(async () => {
  if (dir === "") return;
  // A failed test must not leave services running.
  const left = await pids();
  await kled(dir, "service", "stop", name, "--timeout", "2s");
  await kled(dir, "service", "stop", stubborn, "--timeout", "1s");
  for (const pid of left.filter(alive)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      process.kill(pid, "SIGKILL");
    }
  }
  await rm(dir, { recursive: true, force: true });
});

describe("kled service start", () => {
  test("starts two detached instances that register", async () => {
    const out = await kledOk(dir, "--json", "service", "start", name);
    const entries = JSON.parse(out) as Array<{ instance: number; pid: number; state: string }>;
    expect(entries.map((e) => [e.instance, e.state])).toEqual([
      [1, "registered"],
      [2, "registered"],
    ]);
    expect(await pids()).toEqual(entries.map((e) => e.pid));
    expect(entries.every((e) => alive(e.pid))).toBe(true);
  });

  test("leaves running instances alone when run again", async () => {
    const before = await pids();
    const out = await kledOk(dir, "service", "start", name);
    expect(out).toMatch(/^1 +\d+ +running +already running; not started again/m);
    expect(await pids()).toEqual(before);
  });
});

describe("discovery", () => {
  test("service list shows the service with two nodes", async () => {
    const out = await kledOk(dir, "service", "list");
    expect(out).toMatch(new RegExp(`^NAME +VERSION +NODES +ADDRESSES\n${name} +1\\.0\\.0 +2 +127\\.0\\.0\\.1:\\d+, 127\\.0\\.0\\.1:\\d+\n$`));
  });

  test("service describe shows nodes with metadata and endpoints with types, kind and idempotency", async () => {
    const out = await kledOk(dir, "service", "describe", name);
    expect(out).toContain(`Service:   ${name}`);
    expect(out).toMatch(/pid=\d+ zone=test/);
    expect(out).toMatch(
      /^kled\.test\.v1\.EchoService\/Echo +kled\.test\.v1\.EchoRequest +kled\.test\.v1\.EchoResponse +unary +no-side-effects$/m,
    );
    expect(out).toMatch(/^kled\.test\.v1\.EchoService\/Count +.* server_streaming +unknown$/m);

    const [record] = JSON.parse(await kledOk(dir, "--json", "service", "describe", name)) as Array<{ nodes: unknown[] }>;
    expect(record?.nodes).toHaveLength(2);
  });

  test("an unknown service is a clear error", async () => {
    const result = await kled(dir, "service", "describe", `${name}-nope`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`kled: service "${name}-nope" not found in the mdns registry; \`kled service list\` shows the registered services\n`);
  });
});

describe("kled call", () => {
  test("calls a unary method by its bare name and prints the JSON response", async () => {
    const out = await kledOk(dir, "call", name, "Echo", '{"text":"hi"}', "-H", "x-tenant:acme");
    const response = JSON.parse(out) as { text: string; metadata: Record<string, string> };
    expect(response.text).toBe("hi");
    expect(response.metadata["x-tenant"]).toBe("acme");
    expect(out).toContain('\n  "text": "hi",\n'); // pretty
  });

  test("accepts pkg.Service/Method and pkg.Service.Method", async () => {
    for (const method of ["kled.test.v1.EchoService/Echo", "kled.test.v1.EchoService.Echo"]) {
      expect(JSON.parse(await kledOk(dir, "--json", "call", name, method, '{"text":"q"}'))).toMatchObject({ text: "q" });
    }
  });

  test("prints one JSON line per message of a server stream with --json", async () => {
    const out = await kledOk(dir, "--json", "call", name, "Count", '{"n":3}');
    expect(out).toBe('{"value":1}\n{"value":2}\n{"value":3}\n');
  });

  test("sends a JSON array as a client stream", async () => {
    const out = await kledOk(dir, "--json", "call", name, "Sum", '[{"value":1},{"value":"2"}]');
    expect(JSON.parse(out)).toEqual({ total: "3", count: 2 });
  });

  test("--address calls a node without the registry", async () => {
    const status = JSON.parse(await kledOk(dir, "--json", "service", "status", name)) as Array<{ address: string }>;
    const address = status[0]?.address ?? "";
    const result = await kled(dir, "--registry", "memory", "call", "anything", "Echo", '{"text":"direct"}', "--address", address);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({ text: "direct" });
  });

  test("a bad field names the method and the field, exit code 2", async () => {
    const result = await kled(dir, "call", name, "Echo", '{"txt":"hi"}');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'kled: request for kled.test.v1.EchoService/Echo: cannot decode message kled.test.v1.EchoRequest from JSON: key "txt" is unknown\n',
    );
  });

  test("invalid JSON fails before any call", async () => {
    const result = await kled(dir, "call", name, "Echo", "{text:");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kled: request "\{text:" is not valid JSON: .+\n$/);
  });

  test("an unknown method lists the available ones", async () => {
    const result = await kled(dir, "call", name, "Shout", "{}");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^kled: method "Shout" not found on ${name} \\(127\\.0\\.0\\.1:\\d+\\); available: kled\\.test\\.v1\\.EchoService/Echo, `),
    );
  });

  test("an unknown service is a clear error", async () => {
    const result = await kled(dir, "call", `${name}-nope`, "Echo", "{}");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`kled: service "${name}-nope" not found in the mdns registry; \`kled service list\` shows the registered services\n`);
  });

  test("a gRPC error prints its code and message and exits 1", async () => {
    const result = await kled(dir, "call", name, "Echo", '{"text":"nope","failCode":5}');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("kled: code NOT_FOUND: failed as asked: nope\n");
  });
});

describe("kled health", () => {
  test("reports SERVING for every node", async () => {
    const entries = JSON.parse(await kledOk(dir, "--json", "health", name)) as Array<{ status: string }>;
    expect(entries.map((e) => e.status)).toEqual(["SERVING", "SERVING"]);
    expect(await kledOk(dir, "health", name)).toMatch(/^NODE +ADDRESS +VERSION +STATUS +DETAIL\n.+ SERVING +-\n.+ SERVING +-\n$/);
  });

  test("reports an unreachable node and exits 1", async () => {
    const ghost = `${name}-ghost`;
    const registry = new MdnsRegistry({ serviceType });
    try {
      await registry.register(
        { name: ghost, version: "1.0.0", metadata: {}, endpoints: [], nodes: [{ id: `${ghost}-1`, address: "127.0.0.1:1", metadata: {} }] },
        { ttlMs: 20_000 },
      );
      const result = await kled(dir, "health", ghost);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^${ghost}-1 +127\\.0\\.0\\.1:1 +1\\.0\\.0 +unreachable +UNAVAILABLE: .*ECONNREFUSED`, "m"));
      expect(result.stderr).toBe(`kled: 1 of 1 nodes of "${ghost}" are not serving\n`);
    } finally {
      await registry.close();
    }
  });
});

describe("supervision", () => {
  test("service status shows both instances alive and registered", async () => {
    const entries = JSON.parse(await kledOk(dir, "--json", "service", "status", name)) as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(2);
    for (const [i, entry] of entries.entries()) {
      expect(entry).toMatchObject({ service: name, instance: i + 1, alive: true, registered: true });
      expect(entry["uptimeMs"]).toBeGreaterThan(0);
    }
    expect(await kledOk(dir, "service", "status", name)).toMatch(new RegExp(`^${name} +2 +\\d+ +yes +\\S+ +yes +127\\.0\\.0\\.1:\\d+$`, "m"));
  });

  test("service logs prints each instance's output", async () => {
    const out = await kledOk(dir, "service", "logs", name);
    expect(out).toMatch(/^\[1\] .*"msg":"service started"/m);
    expect(out).toMatch(/^\[2\] .*"msg":"service started"/m);
    const one = await kledOk(dir, "service", "logs", name, "--instance", "2", "-n", "1");
    expect(one.split("\n")).toHaveLength(2); // one line and the final newline
  });

  test("service stop ends the processes, removes the pid files, and the nodes leave the registry", async () => {
    const running = await pids();
    expect(running).toHaveLength(2);
    const entries = JSON.parse(await kledOk(dir, "--json", "service", "stop", name)) as Array<{ result: string }>;
    expect(entries.map((e) => e.result)).toEqual(["stopped", "stopped"]);
    expect(running.filter(alive)).toEqual([]);
    expect(await pids()).toEqual([]);

    const list = JSON.parse(await kledOk(dir, "--json", "service", "list")) as Array<{ name: string }>;
    expect(list.map((s) => s.name)).not.toContain(name);
    const status = JSON.parse(await kledOk(dir, "--json", "service", "status", name)) as Array<{ alive: boolean; registered: boolean }>;
    expect(status.map((s) => [s.alive, s.registered])).toEqual([
      [false, false],
      [false, false],
    ]);
  });
});

describe("stop escalation", () => {
  test("sends SIGKILL to an instance that outlives the timeout after SIGTERM", async () => {
    const started = JSON.parse(await kledOk(dir, "--json", "service", "start", stubborn, "--no-wait")) as Array<{ pid: number; state: string }>;
    expect(started.map((e) => e.state)).toEqual(["started"]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let it install its SIGTERM handler
    const stopped = JSON.parse(await kledOk(dir, "--json", "service", "stop", stubborn, "--timeout", "500ms")) as Array<{
      result: string;
      detail: string;
    }>;
    expect(stopped).toEqual([{ instance: 1, pid: started[0]?.pid, result: "killed", detail: "still running 500ms after SIGTERM; sent SIGKILL" }]);
    expect(alive(started[0]?.pid ?? 0)).toBe(false);
    expect(await kledOk(dir, "service", "logs", stubborn)).toContain("ignoring SIGTERM");
  });
});
