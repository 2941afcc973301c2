import { Resilience } from "./resilience.js";

/** Environment variable naming a JSON resilience configuration file (see config.ts). */
export const RESILIENCE_CONFIG_ENV = "KLED_RESILIENCE_CONFIG";

/**
 * Policies from the file `KLED_RESILIENCE_CONFIG` names, so that operators
 * can tune timeouts, retries, breakers and bulkheads without a rebuild; the
 * documented defaults when it is unset. A wrong file throws at start-up,
 * naming the file and the field.
 */
export function resilienceFromEnv(env: NodeJS.ProcessEnv = process.env): Resilience {
  const path = env[RESILIENCE_CONFIG_ENV]?.trim();
  return path === undefined || path === "" ? new Resilience() : Resilience.fromFile(path);
}
