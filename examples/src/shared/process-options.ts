import { parseArgs } from "node:util";
import { MdnsRegistry, type Registry } from "@kled/runtime";

/**
 * Command-line and environment settings shared by the example services'
 * entry points.
 *
 *   --address host:port   where to listen (default: KLED_ADDRESS, else 127.0.0.1:0)
 *   KLED_REGISTRY         mdns (default) or memory, read by the runtime
 *   KLED_MDNS_SERVICE_TYPE  an mDNS service type such as "_kled-demo-1a2b._tcp":
 *                         processes only see peers of the same type, which is
 *                         how the demo keeps its services apart from any other
 *                         Kled processes on the host
 */
export interface ProcessOptions {
  address?: string;
  registry?: Registry;
}

/** Reads `--address` from `argv` and the mDNS service type from `env`; exits with usage on bad flags. */
export function processOptions(program: string, argv: readonly string[], env: NodeJS.ProcessEnv): ProcessOptions {
  let address: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { address: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help === true) {
      process.stdout.write(`usage: ${program} [--address host:port]\n`);
      process.exit(0);
    }
    address = values.address;
  } catch (error) {
    process.stderr.write(`${program}: ${(error as Error).message}\nusage: ${program} [--address host:port]\n`);
    process.exit(2);
  }
  const serviceType = env["KLED_MDNS_SERVICE_TYPE"]?.trim();
  const registry =
    serviceType !== undefined && serviceType !== "" && (env["KLED_REGISTRY"] ?? "mdns") === "mdns"
      ? new MdnsRegistry({ serviceType })
      : undefined;
  return { ...(address === undefined ? {} : { address }), ...(registry === undefined ? {} : { registry }) };
}
