import { MdnsRegistry } from "../../runtime/src/registry/mdns/mdns-registry.js";
import type { MdnsRegistryOptions } from "../../runtime/src/registry/mdns/options.js";
import type { ServiceRecord } from "../../runtime/src/registry/registry.js";

/**
 * A DNS-SD type no other test uses: test files run in parallel on the same
 * port 5353 and would otherwise see each other's nodes.
 */
export function uniqueServiceType(): string {
  return `_t${process.pid.toString(36)}${Math.random().toString(36).slice(2, 9)}._tcp`;
}

/** Registries created through {@link openRegistry}, closed by {@link closeRegistries}. */
const open: MdnsRegistry[] = [];

export function openRegistry(options: MdnsRegistryOptions): MdnsRegistry {
  const registry = new MdnsRegistry(options);
  open.push(registry);
  return registry;
}

export async function closeRegistries(): Promise<void> {
  await Promise.all(open.splice(0).map((registry) => registry.close()));
}

export function record(name: string, id: string, address = "127.0.0.1:50051"): ServiceRecord {
  return {
    name,
    version: "1.0.0",
    metadata: { team: "core" },
    endpoints: [{ name: `/${name}.Svc/Call`, request: `${name}.Req`, response: `${name}.Res`, metadata: { kind: "unary" } }],
    nodes: [{ id, address, metadata: { zone: "a" } }],
  };
}
