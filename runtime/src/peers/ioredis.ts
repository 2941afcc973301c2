import type * as Ioredis from "ioredis";
import { loadPeer } from "./load-peer.js";

const ioredis: typeof Ioredis = await loadPeer("ioredis", "@kled/runtime/redis", () => import("ioredis"));

export const Redis = ioredis.Redis;
export type Redis = Ioredis.Redis;
