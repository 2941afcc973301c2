import type * as JetStream from "@nats-io/jetstream";
import { loadPeer } from "./load-peer.js";

const jetstreamModule: typeof JetStream = await loadPeer("@nats-io/jetstream", "@kled/runtime/nats", () => import("@nats-io/jetstream"));

export const { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType } =
  jetstreamModule;
export type ConsumerConfig = JetStream.ConsumerConfig;
export type ConsumerMessages = JetStream.ConsumerMessages;
export type JetStreamClient = JetStream.JetStreamClient;
export type JetStreamManager = JetStream.JetStreamManager;
export type JsMsg = JetStream.JsMsg;
export type StoredMsg = JetStream.StoredMsg;
