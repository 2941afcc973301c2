import type * as Casbin from "casbin";
import { loadPeer } from "./load-peer.js";

const casbin: typeof Casbin = await loadPeer("casbin", "@kled/runtime/casbin", () => import("casbin"));

export const { FileAdapter, newCachedEnforcer, newModelFromString, Util } = casbin;
