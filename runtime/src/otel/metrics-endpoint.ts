/** Where the Prometheus scrape endpoint listens. */
export interface MetricsEndpoint {
  /** TCP port, 1-65535. */
  readonly port: number;
  /** Default {@link DEFAULT_METRICS_HOST}. */
  readonly host?: string;
}

/** The environment variable that turns the scrape endpoint on: a port (`9464`) or `host:port` (`0.0.0.0:9464`). */
export const METRICS_PORT_ENV = "KLED_METRICS_PORT";

/**
 * Loopback, as the service's own default listen address: a scrape endpoint
 * reachable from other hosts is a choice (`0.0.0.0:9464`), not a default.
 */
export const DEFAULT_METRICS_HOST = "127.0.0.1";

/** The path Prometheus scrapes, its convention. */
export const METRICS_PATH = "/metrics";

/** The endpoint `KLED_METRICS_PORT` names, undefined when unset; throws naming a bad value. */
export function metricsEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsEndpoint | undefined {
  const value = env[METRICS_PORT_ENV]?.trim();
  if (value === undefined || value === "") return undefined;
  const match = /^(?:(.+):)?(\d+)$/.exec(value);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65_535)) {
    throw new Error(`${METRICS_PORT_ENV}=${JSON.stringify(value)} is not a port; use a port such as 9464, or host:port such as 0.0.0.0:9464`);
  }
  return match[1] === undefined ? { port } : { port, host: match[1] };
}

/** Checks an endpoint given in code; throws naming the bad port. */
export function checkMetricsEndpoint(endpoint: MetricsEndpoint): MetricsEndpoint {
  if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65_535) {
    throw new Error(`metrics port ${String(endpoint.port)} is invalid; use a whole number from 1 to 65535, e.g. 9464`);
  }
  return endpoint;
}
