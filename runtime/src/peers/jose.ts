import type * as Jose from "jose";
import { loadPeer } from "./load-peer.js";

const jose: typeof Jose = await loadPeer("jose", "@kled/runtime/jwt", () => import("jose"));

export const { createRemoteJWKSet, errors, jwtVerify, SignJWT } = jose;
