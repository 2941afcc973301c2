/**
 * Child processes shared between suites: the unary and streaming suites use
 * the same servers and load process, the peer suite the same Kled server.
 * Each starts once, on first use, and all stop when the bench ends.
 */
import type { Child } from "./spawn.js";

export class ChildPool {
  readonly #children = new Map<string, Promise<Child>>();

  /** The child named `key`, started with `start` the first time. */
  get(key: string, start: () => Promise<Child>): Promise<Child> {
    let child = this.#children.get(key);
    if (child === undefined) this.#children.set(key, (child = start()));
    return child;
  }

  /** Stops every child that started, load processes first (they are clients of the servers). */
  async stopAll(): Promise<void> {
    const started = await Promise.allSettled(this.#children.values());
    this.#children.clear();
    const children = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const isLoad = (child: Child) => child.label.includes("load");
    await Promise.all(children.filter(isLoad).map((child) => child.stop()));
    await Promise.all(children.filter((child) => !isLoad(child)).map((child) => child.stop()));
  }
}
