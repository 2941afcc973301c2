import { type ChildProcess, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../support/free-port.js";
import { spawnOwnServer } from "../../support/own-server.js";
import { pingRedis, withTimeout } from "../../support/services.js";

/** How long a redis-server gets to start answering, or to exit after SHUTDOWN. */
const SERVER_TIMEOUT_MS = 10_000;

/**
 * A redis-server of the test's own, on an ephemeral loopback port, with its
 * data in a fresh directory. It writes every command to its append-only file
 * and fsyncs before answering (`--appendonly yes --appendfsync always`), so
 * that whatever it acknowledged survives {@link restart}: the shared Redis of
 * these machines runs without persistence and would lose its streams.
 */
export class OwnRedisServer {
  readonly port: number;
  readonly dir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Why no server can be started here (no redis-server binary), or undefined. */
  static unavailable(): string | undefined {
    const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
    return probe.error === undefined ? undefined : `redis-server cannot run (${probe.error.message})`;
  }

  static async start(): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort(), mkdtempSync(join(tmpdir(), "kled-redis-")));
    await server.#spawn();
    return server;
  }

  /** SHUTDOWN (flushing the append-only file), then start again on the same port with the same data. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#spawn();
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, "exit");
    spawnSync("redis-cli", ["-p", String(this.port), "shutdown"], { timeout: SERVER_TIMEOUT_MS });
    await withTimeout(exited, SERVER_TIMEOUT_MS, "redis-server did not exit after SHUTDOWN");
    this.#process = undefined;
  }

  /** Stops the server and removes its data. */
  async close(): Promise<void> {
    await this.stop().catch(() => this.#process?.kill("SIGKILL"));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    await spawnOwnServer({
      name: "redis-server",
      port: this.port,
      command: "redis-server",
      args: [
        "--port", String(this.port),
        "--bind", "127.0.0.1",
        "--dir", this.dir,
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--daemonize", "no",
        "--loglevel", "warning",
      ],
      stdio: ["ignore", "ignore", "inherit"],
      ping: () => pingRedis(this.url, 500),
      timeoutMs: SERVER_TIMEOUT_MS,
      onSpawn: (child) => (this.#process = child),
    });
  }
}

