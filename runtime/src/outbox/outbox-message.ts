import { BigIntType, EntitySchema } from "../peers/mikro-orm.js";

/** One event waiting in the outbox to be published. */
export interface OutboxMessage {
  /** Increasing with insertion: the order the relay publishes in. */
  id: number;
  /** The broker topic name. */
  topic: string;
  /** The broker content type of `payload`, e.g. `application/x-protobuf`. */
  contentType: string;
  /** The encoded message. */
  payload: Uint8Array;
  /** Headers to publish the message with. */
  headers: Record<string, string>;
  createdAt: Date;
}

/** The table the outbox lives in. */
export const OUTBOX_TABLE = "kled_outbox";

/**
 * The outbox table's mapping. Add it to `Database.open({ entities })` of
 * every database that services publish through the outbox from.
 */
export const OutboxMessageSchema = new EntitySchema<OutboxMessage>({
  name: "KledOutboxMessage",
  tableName: OUTBOX_TABLE,
  properties: {
    // bigint: ids are never reused, and a busy outbox outgrows 2^31.
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    topic: { type: "string", length: 200 },
    contentType: { type: "string", length: 100 },
    payload: { type: "blob" },
    headers: { type: "json" },
    createdAt: { type: "datetime" },
  },
});
