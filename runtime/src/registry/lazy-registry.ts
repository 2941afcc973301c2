import type { RegisterOptions, Registry, RegistryEvent, ServiceRecord, WatchOptions, Watcher } from "./registry.js";

/**
 * A registry whose implementation is imported on first need: how the core
 * hands out an integration named by `KLED_REGISTRY` (consul://…) without
 * importing it, or its library, in processes that never use it. A failed
 * load (the library not installed) rejects every call with its error.
 */
export class LazyRegistry implements Registry {
  readonly #loaded: Promise<Registry>;

  constructor(
    readonly name: string,
    load: () => Promise<Registry>,
  ) {
    this.#loaded = load();
    // Reported by the first call that needs it, not as an unhandled rejection.
    this.#loaded.catch(() => {});
  }

  /** The registry once imported and created. */
  resolve(): Promise<Registry> {
    return this.#loaded;
  }

  async register(service: ServiceRecord, options?: RegisterOptions): Promise<void> {
    return (await this.#loaded).register(service, options);
  }

  async deregister(service: ServiceRecord): Promise<void> {
    return (await this.#loaded).deregister(service);
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    return (await this.#loaded).getService(name);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return (await this.#loaded).listServices();
  }

  watch(options?: WatchOptions): Watcher {
    return new LazyWatcher(this.#loaded.then((registry) => registry.watch(options)));
  }

  async close(): Promise<void> {
    const registry = await this.#loaded.catch(() => undefined);
    await registry?.close();
  }
}

/** The watcher of a registry still loading: iteration starts once it has loaded. */
class LazyWatcher implements Watcher {
  #stopped = false;

  constructor(readonly inner: Promise<Watcher>) {}

  stop(): void {
    this.#stopped = true;
    this.inner.then((watcher) => watcher.stop(), () => {});
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RegistryEvent> {
    const watcher = await this.inner;
    if (this.#stopped) return;
    try {
      yield* watcher;
    } finally {
      watcher.stop();
    }
  }
}
