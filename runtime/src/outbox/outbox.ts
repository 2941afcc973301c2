import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/core";
import { brokerContentType } from "../broker/envelope.js";
import type { PublishOptions } from "../broker/broker.js";
import type { Topic } from "../broker/topic.js";
import { createCodecs, DEFAULT_CODEC_NAME, type Codecs } from "../codec/codecs.js";
import { isMapped } from "../data/is-mapped.js";
import { OutboxMessageSchema } from "./outbox-message.js";
import { markOutboxWritten } from "./outbox-written.js";

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  /** Codecs that encode payloads. Default: protobuf binary and JSON. */
  readonly codecs?: Codecs;
  /** Codec of messages unless `publish` names one. Default `proto`. */
  readonly codec?: string;
}

/**
 * The transactional outbox (see relay.ts for the other half). `publish`
 * writes the event to the outbox table in the caller's transaction, so the
 * event exists exactly when the transaction's other writes do: a rollback
 * publishes nothing, and a commit is published by an {@link OutboxRelay}
 * even if this process dies right after it.
 */
export class Outbox {
  readonly #codecs: Codecs;
  readonly #codec: string;

  constructor(options: OutboxOptions = {}) {
    this.#codecs = options.codecs ?? createCodecs();
    this.#codec = this.#codecs.require(options.codec ?? DEFAULT_CODEC_NAME).name;
  }

  /**
   * Writes `message` for `topic` into the transaction of `em` (e.g.
   * `dataOf(context).em`); resolves with the outbox row id. Throws when
   * `em` is not in a transaction: the event would not be tied to any.
   */
  async publish<Desc extends DescMessage>(
    em: EntityManager,
    topic: Topic<Desc>,
    message: MessageInitShape<Desc>,
    options: PublishOptions = {},
  ): Promise<number> {
    if (!em.isInTransaction()) {
      throw new Error(
        `outbox publish to "${topic.name}": the EntityManager is not in a transaction; pass the em of dataOf(context) or withTransaction`,
      );
    }
    if (!isMapped(em.getMetadata(), OutboxMessageSchema)) {
      throw new Error(
        `outbox publish to "${topic.name}": the outbox table is not mapped; add OutboxMessageSchema to Database.open({ entities })`,
      );
    }
    const codec = this.#codecs.require(options.codec ?? this.#codec);
    const bytes = codec.encode(topic.schema, create(topic.schema, message));
    const id = await em.insert(OutboxMessageSchema, {
      topic: topic.name,
      contentType: brokerContentType(codec),
      // The pg driver writes only Buffers as bytea; a plain Uint8Array would be stringified.
      payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      headers: { ...options.headers },
      createdAt: new Date(),
    });
    markOutboxWritten(em);
    return Number(id);
  }
}
