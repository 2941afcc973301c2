export {
  DEFAULT_REGISTER_INTERVAL_MS,
  DEFAULT_REGISTER_TTL_MS,
  type Endpoint,
  type Node,
  type RegisterOptions,
  type Registry,
  type RegistryEvent,
  type RegistryEventType,
  type ServiceRecord,
  type Watcher,
  type WatchOptions,
} from "./registry.js";
export { MemoryRegistry, type MemoryRegistryOptions } from "./memory.js";
export { MdnsRegistry } from "./mdns/mdns-registry.js";
export {
  DEFAULT_MDNS_BIND,
  DEFAULT_MDNS_DOMAIN,
  DEFAULT_MDNS_PORT,
  DEFAULT_MDNS_QUERY_TIMEOUT_MS,
  DEFAULT_MDNS_SERVICE_TYPE,
  type MdnsRegistryOptions,
} from "./mdns/options.js";
export { createRegistry, DEFAULT_REGISTRY, MDNS_SERVICE_TYPE_ENV, registryFromEnv } from "./create-registry.js";
export { LazyRegistry } from "./lazy-registry.js";
export { CachedRegistry, DEFAULT_REGISTRY_CACHE_TTL_MS, type CachedRegistryOptions } from "./cache/cached-registry.js";
