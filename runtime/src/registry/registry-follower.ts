import { messageOf } from "../errors/message-of.js";
import type { Logger } from "../logging/logger.js";
import type { Registry } from "./registry.js";

/** What a {@link RegistryFollower} does and says. */
export interface RegistryFollowerOptions {
  registry: Registry;
  /** Reads what the follower's owner needs from the registry; a throw keeps what the owner had. */
  read: () => Promise<void>;
  logger: Logger;
  /** Who follows, for the log lines: e.g. "mcp gateway". */
  name: string;
  /** What a failed read keeps, for its log line: e.g. "the catalog as it was". */
  keeps: string;
}

/**
 * Re-reads the registry each time it changes, for a gateway that shows
 * what the registry holds: a watch event triggers a read; reads never
 * overlap, and events during one cause exactly one more (not one per
 * event). A failed read is logged and the next event tries again.
 */
export class RegistryFollower {
  readonly #options: RegistryFollowerOptions;
  #running: Promise<void> | undefined;
  #dirty = false;
  #stopped = false;
  #watcher: ReturnType<Registry["watch"]> | undefined;

  constructor(options: RegistryFollowerOptions) {
    this.#options = options;
  }

  /** True once stopped: a read in flight should not publish what it read. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Reads the registry once, then follows it. */
  async start(): Promise<void> {
    this.#watcher = this.#options.registry.watch();
    void this.#follow(this.#watcher);
    await this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.stop();
  }

  /** Resolves once a read that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.#running !== undefined) {
      // The running loop sees the flag and reads once more before it resolves.
      this.#dirty = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #follow(watcher: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const _event of watcher) {
        if (this.#stopped) return;
        void this.refresh();
      }
    } catch (error) {
      if (!this.#stopped) this.#options.logger.error(`${this.#options.name}: the registry watch failed; it no longer follows the registry`, { error: messageOf(error) });
    }
  }

  async #loop(): Promise<void> {
    do {
      this.#dirty = false;
      try {
        await this.#options.read();
      } catch (error) {
        this.#options.logger.warn(`${this.#options.name}: cannot read the registry; keeping ${this.#options.keeps}`, { error: messageOf(error) });
      }
    } while (this.#dirty && !this.#stopped);
  }
}
