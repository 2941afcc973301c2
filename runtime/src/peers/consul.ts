import type ConsulClient from "consul";
import { loadPeer } from "./load-peer.js";

const consul = await loadPeer("consul", "@kled/runtime/consul", () => import("consul"));

export const Consul: typeof ConsulClient = consul.default;
export type Consul = ConsulClient;
