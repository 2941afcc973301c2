import type { Broker } from "../broker/broker.js";
import type { Topic } from "../broker/topic.js";
import type { Codecs } from "../codec/codecs.js";
import type { Database } from "../data/database.js";
import type { Logger } from "../logging/logger.js";

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** The database whose outbox table to relay. */
  readonly database: Database;
  /** Where to publish. */
  readonly broker: Broker;
  /**
   * The topics this relay publishes (their schemas decode the stored
   * payloads). Rows of other topics wait for a relay that knows them.
   */
  readonly topics: readonly Topic[];
  /** Rows per pass (one transaction). Default {@link DEFAULT_RELAY_BATCH_SIZE}. */
  readonly batchSize?: number;
  /**
   * How often to look for rows when not woken, in milliseconds. Default
   * {@link DEFAULT_RELAY_POLL_INTERVAL_MS}.
   */
  readonly pollIntervalMs?: number;
  /** Codecs that decode stored payloads. Default: protobuf binary and JSON. */
  readonly codecs?: Codecs;
  /** Default: the database's logger. */
  readonly logger?: Logger;
}

/** 100 rows per pass: one short transaction per hundred events keeps row locks brief. */
export const DEFAULT_RELAY_BATCH_SIZE = 100;

/**
 * One second. Commits in this process wake the relay at once; the interval
 * bounds the delay for rows committed by other processes (or left by one
 * that crashed) and the retry delay after a broker failure.
 */
export const DEFAULT_RELAY_POLL_INTERVAL_MS = 1_000;

/** The header carrying the outbox row id, so that consumers can drop the duplicates at-least-once delivery brings. */
export const OUTBOX_ID_HEADER = "kled-outbox-id";
