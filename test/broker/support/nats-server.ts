import { type ChildProcess, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../support/free-port.js";
import { spawnOwnServer } from "../../support/own-server.js";
import { pingNats, withTimeout } from "../../support/services.js";

/** Debian's nats-server. */
const NATS_SERVER = "/usr/sbin/nats-server";

/** How long a nats-server gets to start answering (JetStream recovered), or to exit after SIGTERM. */
const SERVER_TIMEOUT_MS = 15_000;

/**
 * A nats-server of the test's own, JetStream on, on an ephemeral loopback
 * port with its store in a fresh directory: tests that stop it never touch
 * the shared one. {@link restart} stops it with SIGTERM (a clean shutdown:
 * JetStream writes its state out) and starts it again on the same port and
 * store.
 */
export class OwnNatsServer {
  readonly port: number;
  readonly dir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Why no server can be started here (no nats-server binary), or undefined. */
  static unavailable(): string | undefined {
    const probe = spawnSync(NATS_SERVER, ["--version"], { encoding: "utf8" });
    return probe.error === undefined ? undefined : `${NATS_SERVER} cannot run (${probe.error.message})`;
  }

  static async start(): Promise<OwnNatsServer> {
    const server = new OwnNatsServer(await freePort(), mkdtempSync(join(tmpdir(), "kled-nats-")));
    await server.#spawn();
    return server;
  }

  /** SIGTERM, then start again on the same port with the same store after `downMs`. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#spawn();
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await withTimeout(exited, SERVER_TIMEOUT_MS, "nats-server did not exit after SIGTERM");
    this.#process = undefined;
  }

  /** Stops the server and removes its store. */
  async close(): Promise<void> {
    await this.stop().catch(() => this.#process?.kill("SIGKILL"));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    await spawnOwnServer({
      name: "nats-server",
      port: this.port,
      command: NATS_SERVER,
      args: ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dir],
      stdio: ["ignore", "ignore", "ignore"],
      ping: () => pingNats(this.url, 1_000),
      timeoutMs: SERVER_TIMEOUT_MS,
      onSpawn: (child) => (this.#process = child),
    });
  }
}
