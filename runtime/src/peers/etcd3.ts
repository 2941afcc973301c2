import type * as Etcd3Module from "etcd3";
import { loadPeer } from "./load-peer.js";

const etcd3: typeof Etcd3Module = await loadPeer("etcd3", "@kled/runtime/etcd", () => import("etcd3"));

export const Etcd3 = etcd3.Etcd3;
export type Etcd3 = Etcd3Module.Etcd3;
export const EtcdLeaseInvalidError = etcd3.EtcdLeaseInvalidError;
export type Lease = Etcd3Module.Lease;
export type IOptions = Etcd3Module.IOptions;
export type IWatchResponse = Etcd3Module.IWatchResponse;
export type IDuplexStream<T, R> = Etcd3Module.IDuplexStream<T, R>;
export type IWatchRequest = Etcd3Module.IWatchRequest;
