/**
 * etcd members owned by a test: started from Debian's `etcd-server` binary
 * (`KLED_ETCD_BIN`, default `etcd` on the PATH) on free loopback ports with
 * data directories in a temporary folder of their own, and stopped (and
 * deleted) by the test. Never the default port 2379, never a shared member:
 * tests kill and restart these.
 *
 * Without the binary, etcd tests skip with a one-line reason, unless
 * `KLED_REQUIRE_SERVICES=1`, where they fail.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./free-port.js";
import { REQUIRE_SERVICES_ENV, type ServiceAvailability } from "./services.js";

/** How long a member (or a cluster) may take to answer /health after start, in milliseconds: generous for a loaded 2-core machine. */
const START_TIMEOUT_MS = 30_000;

/** How long a member may take to exit after SIGTERM before it is killed, in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;

/** The etcd binary: `KLED_ETCD_BIN`, or `etcd` as found on the PATH. */
export function etcdBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env["KLED_ETCD_BIN"]?.trim();
  if (configured) return configured;
  try {
    return execFileSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether etcd tests can run; throws when they must and cannot. */
export function requireEtcd(env: NodeJS.ProcessEnv = process.env): ServiceAvailability {
  const binary = etcdBinary(env);
  if (binary !== undefined) return { url: binary, skip: undefined };
  const reason = "etcd binary not found (install Debian's etcd-server: apt-get install -y etcd-server, or set KLED_ETCD_BIN)";
  if (env[REQUIRE_SERVICES_ENV] === "1") throw new Error(`${reason}; ${REQUIRE_SERVICES_ENV}=1 requires it`);
  process.stderr.write(`skipping etcd tests: ${reason}\n`);
  return { url: "", skip: reason };
}

/** One etcd process. */
export interface EtcdMember {
  readonly name: string;
  /** `127.0.0.1:port` of its client API. */
  readonly endpoint: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** SIGKILL: no goodbye to the cluster, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a while. */
  stop(): Promise<void>;
  /** Starts the process again on the same ports and data directory. */
  restart(): Promise<void>;
}

/** Members started together; `stop()` stops them all and deletes their data. */
export interface EtcdCluster {
  readonly members: EtcdMember[];
  /** Every member's endpoint, comma-separated: what `etcd://` takes. */
  readonly endpoints: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test worker that dies must not leave members behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A single-member cluster. */
export function startEtcd(): Promise<EtcdCluster> {
  return startEtcdCluster(1);
}

/** `size` members on loopback forming one cluster; resolves once every member answers /health. */
export async function startEtcdCluster(size: number): Promise<EtcdCluster> {
  const binary = etcdBinary();
  if (binary === undefined) throw new Error("etcd binary not found; install etcd-server or set KLED_ETCD_BIN");
  const root = mkdtempSync(join(tmpdir(), "kled-etcd-"));
  const ports = await freePorts(size * 2);
  const token = `kled-test-${process.pid}-${Date.now()}`;
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[size + i]}`;
  const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
  const members = names.map((name, i) => {
    const clientUrl = `http://127.0.0.1:${ports[i]}`;
    const args = [
      "--name", name,
      "--data-dir", join(root, name),
      "--listen-client-urls", clientUrl,
      "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl(i),
      "--initial-advertise-peer-urls", peerUrl(i),
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", "new",
      "--initial-cluster-token", token,
      "--logger", "zap",
      "--log-level", "warn",
    ];
    return new Member(binary, name, `127.0.0.1:${ports[i]}`, args, join(root, `${name}.log`));
  });
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((member) => member.endpoint).join(","),
    async stop() {
      await Promise.all(members.map((member) => member.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (const member of members) member.spawn();
    await Promise.all(members.map((member) => member.waitHealthy(START_TIMEOUT_MS)));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

class Member implements EtcdMember {
  #child: ChildProcess | undefined;

  constructor(
    readonly binary: string,
    readonly name: string,
    readonly endpoint: string,
    readonly args: string[],
    readonly logFile: string,
  ) {}

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  spawn(): void {
    const log = openSync(this.logFile, "a");
    const child = spawn(this.binary, this.args, { stdio: ["ignore", log, log] });
    closeSync(log);
    running.add(child);
    child.once("exit", () => running.delete(child));
    this.#child = child;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`etcd member ${this.name} exited at start:\n${this.#logTail()}`);
      try {
        const response = await fetch(`http://${this.endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
        const body = (await response.json()) as { health?: unknown };
        if (body.health === "true") return;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) {
        throw new Error(`etcd member ${this.name} not healthy within ${timeoutMs} ms:\n${this.#logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    try {
      await this.#signal("SIGTERM");
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    this.spawn();
    await this.waitHealthy(START_TIMEOUT_MS);
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, "exit");
    child.kill(signal);
    await exited;
  }

  #logTail(): string {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-20).join("\n");
    } catch {
      return "(no log)";
    }
  }
}

/**
 * A TCP proxy on a free loopback port in front of `target` (`host:port`),
 * whose link the test can cut (every connection dropped, new ones refused)
 * and restore: a network failure between one client and etcd while etcd
 * itself keeps running, at moments the test chooses.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #cut = false;

  private constructor(
    readonly server: Server,
    /** `127.0.0.1:port` of the proxy. */
    readonly endpoint: string,
  ) {}

  static async start(target: string): Promise<TcpProxy> {
    const [host = "127.0.0.1", port = "0"] = target.split(":");
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      const self = proxy;
      if (!self || self.#cut) return void client.destroy();
      const upstream = connect(Number(port), host);
      for (const socket of [client, upstream]) {
        self.#sockets.add(socket);
        socket.on("close", () => self.#sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    proxy = new TcpProxy(server, `127.0.0.1:${(server.address() as { port: number }).port}`);
    return proxy;
  }

  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
