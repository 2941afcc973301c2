import type * as Core from "@mikro-orm/core";
import { loadPeer } from "./load-peer.js";

const core: typeof Core = await loadPeer("@mikro-orm/core", "@kled/runtime/mikro-orm", () => import("@mikro-orm/core"));

export const { BigIntType, EntitySchema, LockMode, MikroORM } = core;
export type EntitySchema<Entity = any, Base = never> = Core.EntitySchema<Entity, Base>;
export type LockMode = Core.LockMode;
export type MikroORM = Core.MikroORM;
