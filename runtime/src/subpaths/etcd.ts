/** `@kled/runtime/etcd`: the registry on an etcd v3 cluster, through `etcd3` (an optional peer). */
export { EtcdRegistry } from "../registry/etcd/etcd-registry.js";
export {
  DEFAULT_ETCD_ENDPOINT,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_REQUEST_TIMEOUT_MS,
  DEFAULT_ETCD_RETRY_MAX_MS,
  DEFAULT_ETCD_RETRY_MS,
  ETCD_PASSWORD_ENV,
  ETCD_USERNAME_ENV,
  parseEtcdSpec,
  type EtcdRegistryOptions,
  type EtcdTlsOptions,
} from "../registry/etcd/options.js";
