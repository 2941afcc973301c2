import type { EntityManager } from "@mikro-orm/core";

// Transactions (by their EntityManager) that wrote to the outbox, so that a
// relay in this process wakes on their commit and not on every commit.
const written = new WeakSet<EntityManager>();

/** Notes that `em`'s transaction wrote an outbox row. Internal. */
export function markOutboxWritten(em: EntityManager): void {
  written.add(em);
}

/** True when `em`'s transaction wrote an outbox row. Internal. */
export function wroteOutbox(em: EntityManager): boolean {
  return written.has(em);
}
