import { parseArgs } from "node:util";

/**
 * Command-line settings shared by the example services' entry points.
 *
 *   --address host:port   where to listen (default: KLED_ADDRESS, else 127.0.0.1:0)
 *
 * The runtime reads the rest from the environment: KLED_REGISTRY (mdns by
 * default, memory, consul://host:port) and KLED_MDNS_SERVICE_TYPE (an mDNS
 * service type such as "_kled-demo-1a2b._tcp": processes only see peers of
 * the same type, which is how the demo keeps its services apart from other
 * Kled processes on the host).
 */
export interface ProcessOptions {
  address?: string;
}

/** Reads `--address` from `argv`; exits with usage on bad flags. */
export function processOptions(program: string, argv: readonly string[]): ProcessOptions {
  const usage = `usage: ${program} [--address host:port]\n`;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { address: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help === true) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return values.address === undefined ? {} : { address: values.address };
  } catch (error) {
    process.stderr.write(`${program}: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}
