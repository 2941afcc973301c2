/** `@kled/runtime/consul`: the registry on a Consul agent's HTTP API, through `consul` (an optional peer). */
export { ConsulRegistry, CONSUL_KLED_TAG } from "../registry/consul/consul-registry.js";
export {
  CONSUL_TOKEN_ENV,
  DEFAULT_CONSUL_ADDRESS,
  DEFAULT_CONSUL_DEREGISTER_CRITICAL_AFTER_MS,
  DEFAULT_CONSUL_REQUEST_TIMEOUT_MS,
  DEFAULT_CONSUL_RETRY_MAX_MS,
  DEFAULT_CONSUL_RETRY_MS,
  DEFAULT_CONSUL_WATCH_WAIT_MS,
  parseConsulSpec,
  type ConsulRegistryOptions,
} from "../registry/consul/options.js";
