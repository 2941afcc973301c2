import { parseConsulSpec } from "./consul/options.js";
import { parseEtcdSpec } from "./etcd/options.js";
import { LazyRegistry } from "./lazy-registry.js";
import { MdnsRegistry } from "./mdns/mdns-registry.js";
import { MemoryRegistry } from "./memory.js";
import type { Registry } from "./registry.js";

/** Names the mDNS DNS-SD service type, e.g. `_kled-demo-1a2b._tcp`; default `_kled._tcp`. */
export const MDNS_SERVICE_TYPE_ENV = "KLED_MDNS_SERVICE_TYPE";

/** The registry used when `KLED_REGISTRY` is unset: zero-configuration, as in go-micro. */
export const DEFAULT_REGISTRY = "mdns";

/**
 * A registry from its spec:
 * - `"mdns"`: {@link MdnsRegistry}, with the DNS-SD service type from the
 *   `KLED_MDNS_SERVICE_TYPE` variable of `env` when set (processes see only
 *   peers of the same type: a way to keep a group of processes apart);
 * - `"memory"`: the process-wide shared {@link MemoryRegistry}, so that every
 *   part of one process configured this way sees the same registrations;
 * - `"consul://host:port"`: a ConsulRegistry (`@kled/runtime/consul`, loaded
 *   on first use, needs the `consul` package) talking to that agent, with
 *   `?token=` (default: the `KLED_CONSUL_TOKEN` variable of `env`) and `?dc=`.
 *   The spec is checked now; the library is imported by the first call.
 * - `"etcd://host:port[,host:port…]"`: an EtcdRegistry (`@kled/runtime/etcd`,
 *   loaded on first use, needs the `etcd3` package) on those members, with
 *   `user:password@` (default: `KLED_ETCD_USERNAME` / `KLED_ETCD_PASSWORD`
 *   of `env`), `?tls=1`, `?ca=`, `?cert=`, `?key=` (PEM file paths) and
 *   `?prefix=`. Checked now, like consul.
 */
export function createRegistry(spec: string, env: NodeJS.ProcessEnv = process.env): Registry {
  switch (spec) {
    case "mdns": {
      const serviceType = env[MDNS_SERVICE_TYPE_ENV]?.trim();
      return new MdnsRegistry(serviceType === undefined || serviceType === "" ? {} : { serviceType });
    }
    case "memory":
      return new MemoryRegistry({ shared: true });
    default:
      if (spec.startsWith("consul:")) {
        const options = parseConsulSpec(spec, env);
        return new LazyRegistry("consul", async () => {
          const { ConsulRegistry } = await import("./consul/consul-registry.js");
          return new ConsulRegistry(options);
        });
      }
      if (spec.startsWith("etcd:")) {
        const options = parseEtcdSpec(spec, env);
        return new LazyRegistry("etcd", async () => {
          const { EtcdRegistry } = await import("./etcd/etcd-registry.js");
          return new EtcdRegistry(options);
        });
      }
      throw new Error(`registry "${spec}": unknown registry; use "mdns", "memory", "consul://host:port" or "etcd://host:port"`);
  }
}

/** The registry named by the `KLED_REGISTRY` environment variable (default {@link DEFAULT_REGISTRY}). */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): Registry {
  const spec = env["KLED_REGISTRY"]?.trim();
  return createRegistry(spec === undefined || spec === "" ? DEFAULT_REGISTRY : spec, env);
}
