import { setTimeout as sleep } from "node:timers/promises";
import { EntitySchema, type OptionalProps } from "@mikro-orm/core";
import { Code, KledError, type HandlerContext } from "@kled/runtime";
import { currentTransaction, dataOf, onCommit } from "@kled/runtime/mikro-orm";
import type { EchoServiceHandler } from "../../gen/kled/test/v1/echo_kled.js";
import type { ChatRequest, CountRequest, EchoRequest, SumRequest } from "../../gen/kled/test/v1/echo_pb.js";

/** A row the test handlers write. */
export interface Note {
  [OptionalProps]?: "id";
  id: number;
  owner: string;
  text: string;
}

export const NoteSchema = new EntitySchema<Note>({
  name: "Note",
  tableName: "note",
  properties: {
    id: { type: "integer", primary: true, autoincrement: true },
    owner: { type: "string", length: 100 },
    text: { type: "string", length: 200 },
  },
});

/**
 * The echo service writing notes through the call's transaction:
 * - Echo writes a note owned by `text`, then fails with `failCode` (after
 *   `delayMs`) if set; it answers with what its transaction sees.
 * - Count writes one note per number it streams; `n` > 100 fails after 3.
 * - Sum writes nothing and reads nothing.
 */
export class NotesHandler implements EchoServiceHandler {
  /** Owners of notes the handler saw that were written by another call that had not committed. */
  readonly dirtyReads: string[] = [];
  /** Owners whose call must never be seen by others: they roll back. */
  readonly failing = new Set<string>();
  readonly committed: string[] = [];

  async echo(request: EchoRequest, context: HandlerContext) {
    const { em } = dataOf(context);
    if (currentTransaction() !== dataOf(context)) throw new Error("currentTransaction() is not the call's transaction");
    em.create(NoteSchema, { owner: request.text, text: "echo" });
    await em.flush();
    const own = em.getUnitOfWork().getIdentityMap().values().length;
    if (request.delayMs > 0) await sleep(request.delayMs);
    const seen = await em.find(NoteSchema, {});
    for (const note of seen) if (note.owner !== request.text && this.failing.has(note.owner)) this.dirtyReads.push(note.owner);
    if (request.failCode !== 0) {
      if (request.failCode === 13) throw new Error("plain failure after writing");
      throw new KledError(request.failCode as Code, `failed after writing ${request.text}`);
    }
    await onCommit(() => {
      this.committed.push(request.text);
    });
    return {
      text: request.text,
      metadata: { identityMapBeforeRead: String(own), sawOwn: String(seen.some((n) => n.owner === request.text)) },
    };
  }

  async *count(request: CountRequest, context: HandlerContext) {
    for (let value = 1; value <= Math.min(request.n, 1_000); value++) {
      // The generator resumes in the transaction's async context, so stores that
      // use currentTransaction() (not the context) work in streams too.
      const scope = currentTransaction();
      if (scope === undefined) throw new Error("no current transaction while streaming");
      scope.em.create(NoteSchema, { owner: `count-${request.delayMs}`, text: String(value) });
      await scope.em.flush();
      if (request.n > 100 && value === 3) throw new KledError(Code.Aborted, "stream failed after 3 writes");
      if (request.delayMs > 0) await sleep(request.delayMs, undefined, { signal: context.signal });
      yield { value };
    }
  }

  async sum(requests: AsyncIterable<SumRequest>) {
    let total = 0n;
    for await (const request of requests) total += request.value;
    return { total };
  }

  async *chat(requests: AsyncIterable<ChatRequest>) {
    for await (const request of requests) yield { text: request.text };
  }
}
