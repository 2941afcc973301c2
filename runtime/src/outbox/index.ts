export { Outbox, type OutboxOptions } from "./outbox.js";
export { OUTBOX_TABLE, OutboxMessageSchema, type OutboxMessage } from "./outbox-message.js";
export { OutboxRelay, type RelayPass } from "./relay.js";
export {
  DEFAULT_RELAY_BATCH_SIZE,
  DEFAULT_RELAY_POLL_INTERVAL_MS,
  OUTBOX_ID_HEADER,
  type OutboxRelayOptions,
} from "./relay-options.js";
