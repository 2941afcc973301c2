import type * as Transport from "@nats-io/transport-node";
import { loadPeer } from "./load-peer.js";

const transport: typeof Transport = await loadPeer("@nats-io/transport-node", "@kled/runtime/nats", () => import("@nats-io/transport-node"));

export const { connect, headers } = transport;
export type ConnectionOptions = Transport.ConnectionOptions;
export type MsgHdrs = Transport.MsgHdrs;
export type NatsConnection = Transport.NatsConnection;
export type Msg = Transport.Msg;
export type Subscription = Transport.Subscription;
