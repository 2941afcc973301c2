import type { FileRegistry } from "@bufbuild/protobuf";
import type { Client } from "../client/client.js";
import { ReflectionClient } from "../reflection-client/reflection-client.js";
import type { Registry } from "../registry/registry.js";

/**
 * Descriptors of the services behind proto tools, read by gRPC server
 * reflection from one node of each service version and kept for as long as
 * the gateway runs: a version's messages do not change, and a new version
 * has a new key. A failed read is not kept, so the next call tries again
 * (on whichever node the registry lists first then).
 */
export class DescriptorCache {
  readonly #registry: Registry;
  readonly #client: Client;
  readonly #timeoutMs: number | undefined;
  readonly #files = new Map<string, Promise<FileRegistry>>();

  constructor(registry: Registry, client: Client, timeoutMs?: number) {
    this.#registry = registry;
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /** The files declaring `typeName` (a proto service) and all they import, of `service` at `version`. */
  get(service: string, version: string, typeName: string): Promise<FileRegistry> {
    const key = `${service}@${version}`;
    let files = this.#files.get(key);
    if (files === undefined) {
      files = this.#read(service, version, typeName);
      this.#files.set(key, files);
      files.catch(() => this.#files.delete(key));
    }
    return files;
  }

  async #read(service: string, version: string, typeName: string): Promise<FileRegistry> {
    const records = await this.#registry.getService(service);
    const node = records.find((record) => record.version === version)?.nodes[0] ?? records.flatMap((record) => record.nodes)[0];
    if (node === undefined) throw new Error(`service "${service}" ${version} has no live node to read its descriptors from`);
    const reflection = new ReflectionClient(this.#client, node.address, this.#timeoutMs);
    try {
      if (!(await reflection.loadSymbol(typeName))) {
        throw new Error(`${node.address} (service "${service}" ${version}) does not know ${typeName} by reflection`);
      }
      return await reflection.registry();
    } finally {
      reflection.close();
    }
  }
}
