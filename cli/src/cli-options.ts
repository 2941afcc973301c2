import type { Command } from "commander";
import {
  type ClientCredentialsOptions,
  createRegistry,
  KledClient,
  messageOf,
  RandomSelector,
  type Registry,
  registryFromEnv,
  type ServiceRecord,
} from "@kled/runtime";
import { CliError, usageError } from "./cli-error.js";
import { tlsFromFlags, type TlsFlags } from "./tls-flags.js";

/** Options of the `kled` program that every command sees. */
export interface GlobalOptions {
  /** `--registry`: a registry spec; absent means `KLED_REGISTRY`, else mDNS. */
  registry: string | undefined;
  /** `--json`: machine-readable output. */
  json: boolean;
  /** `--config`: the project config file; absent means `./kled.config.json`. */
  config: string | undefined;
  /** `--tls`, `--cacert`, `--cert`, `--key`, `--servername`: TLS of calls; undefined for plaintext. */
  tls: ClientCredentialsOptions | undefined;
}

/** The global options as seen from inside `command`'s action. */
export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<{ registry?: string; json?: boolean; config?: string } & TlsFlags>();
  return { registry: options.registry, json: options.json === true, config: options.config, tls: tlsFromFlags(options) };
}

/**
 * Opens the registry the options name, runs `use` with it and closes it
 * (releasing the mDNS socket, so that the process can exit).
 */
export async function withRegistry<T>(options: GlobalOptions, use: (registry: Registry) => Promise<T>): Promise<T> {
  let registry: Registry;
  try {
    registry = options.registry === undefined ? registryFromEnv() : createRegistry(options.registry);
  } catch (error) {
    throw usageError(messageOf(error), { cause: error });
  }
  try {
    return await use(registry);
  } finally {
    await registry.close();
  }
}

/** The records (one per version) of service `name`; fails naming the service and the registry when there are none. */
export async function findService(registry: Registry, name: string): Promise<ServiceRecord[]> {
  const records = (await registry.getService(name)).filter((record) => record.nodes.length > 0);
  if (records.length === 0) {
    throw new CliError(
      `service "${name}" not found in the ${registry.name} registry; \`kled service list\` shows the registered services`,
    );
  }
  return records;
}

/** The address of one node of `service`, picked at random as a client would. */
export async function nodeAddress(options: GlobalOptions, service: string): Promise<string> {
  return withRegistry(options, async (registry) => new RandomSelector().select(await findService(registry, service)).address);
}

/**
 * The client for `call`, `health` and reflection: no resilience policies, so
 * that each command makes exactly one attempt at the node it names, bounded
 * by its own `--timeout`, and reports what that attempt got.
 */
export function createCliClient(options: GlobalOptions): KledClient {
  return new KledClient({ resilience: false, ...(options.tls === undefined ? {} : { credentials: options.tls }) });
}
