/**
 * `@kled/runtime/nats`: the NATS JetStream broker, on `@nats-io/transport-node`
 * and `@nats-io/jetstream` (optional peers). RPC over NATS needs no import
 * from here: `transport: "nats"` on KledServer, KledClient or Service (or
 * `KLED_TRANSPORT=nats://…`) loads the transport of `transport/nats/` on first use.
 */
export { NatsBroker, type NatsBrokerOptions } from "../broker/nats/nats-broker.js";
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_DEAD_LETTER_MAX_MESSAGES,
  DEFAULT_DEAD_LETTER_SUFFIX,
  DEFAULT_FANOUT_INACTIVE_MS,
  DEFAULT_MAX_MESSAGES,
  DEFAULT_NATS_URL,
  DEFAULT_RETRY_DELAY_MAX_MS,
  DEFAULT_RETRY_DELAY_MS,
  NATS_URL_ENV,
} from "../broker/nats/options.js";
export { INITIAL_CREDIT as NATS_RPC_INITIAL_CREDIT, NODE_SUBJECT_PREFIX as NATS_RPC_SUBJECT_PREFIX } from "../transport/nats/frames.js";
