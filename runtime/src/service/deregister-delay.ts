import type { Registry } from "../registry/registry.js";

/**
 * Milliseconds a stopping service keeps serving after it has deregistered,
 * before it stops accepting: 3 s, the pause a Kubernetes pre-stop hook gives
 * endpoints to update. Peers learn that a node left through their registry's
 * watch (an mDNS goodbye, a Consul blocking query, an etcd watch), which
 * takes a moment to arrive and more when a watch is reconnecting; a peer
 * that picked this node meanwhile would find its port closed. It counts
 * against the shutdown grace (10 s by default), leaving 7 s to drain; with
 * a shorter grace the default takes at most half of it, so that calls in
 * flight keep time to finish.
 */
export const DEFAULT_DEREGISTER_DELAY_MS = 3_000;

/** Environment variable overriding the default delay, in milliseconds (e.g. `0` in tests and demos). */
export const DEREGISTER_DELAY_ENV = "KLED_DEREGISTER_DELAY_MS";

/**
 * The delay to use: `configured`, else `KLED_DEREGISTER_DELAY_MS`, else the
 * default (at most half of `graceMs`), except for an in-process
 * MemoryRegistry (no delay): every peer that can see the node is in this
 * process and has heard of its leaving before `deregister` resolved.
 */
export function deregisterDelayMs(
  service: string,
  configured: number | undefined,
  registry: Registry,
  graceMs: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fromEnv = env[DEREGISTER_DELAY_ENV]?.trim();
  if (configured !== undefined) return checked(service, "deregisterDelayMs", configured);
  if (fromEnv !== undefined && fromEnv !== "") return checked(service, DEREGISTER_DELAY_ENV, Number(fromEnv), fromEnv);
  return registry.name === "memory" ? 0 : Math.min(DEFAULT_DEREGISTER_DELAY_MS, Math.floor(graceMs / 2));
}

function checked(service: string, name: string, value: number, text: string = String(value)): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`service ${service}: ${name} is ${JSON.stringify(text)}; give whole milliseconds, 0 for no delay`);
  }
  return value;
}
