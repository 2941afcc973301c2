import { Command, InvalidArgumentError } from "commander";
import { createRegistry, KledClient, registryFromEnv } from "@kled/runtime";
import { globalOptions } from "../cli-options.js";
import { gatewayAuthFromFlags, parseRateLimit, type GatewayAuthFlags } from "./gateway-auth-flags.js";

/** Where `kled gateway` listens without --listen: loopback only, on a port MCP hosts' examples rarely take. */
export const DEFAULT_GATEWAY_LISTEN = "127.0.0.1:8808";

/** `kled gateway`: the MCP gateway (@kled/runtime/mcp) in the foreground until SIGINT or SIGTERM. */
export function gatewayCommand(): Command {
  return new Command("gateway")
    .description("serve every MCP service and proto tool of the registry on one Streamable HTTP endpoint (/mcp) for MCP hosts")
    .option("--listen <host:port>", "where to listen; a host other than loopback exposes the gateway to the network", parseListen, parseListen(DEFAULT_GATEWAY_LISTEN))
    .option("--allow-origin <origin...>", 'browser origins allowed besides none (default: pages on localhost); "*" for any')
    .option("--jwks-url <url>", "verify bearer tokens with this key set (with --issuer and --resource)")
    .option("--issuer <url>", "the issuer tokens must come from")
    .option("--resource <url>", "this gateway's public URL: the audience tokens must be minted for")
    .option("--authorization-server <url...>", "authorization servers named in the protected resource metadata (default: --issuer)")
    .option("--policy <file>", "Casbin policy CSV deciding which tools each caller may see and call (service, method: the proto method, or the MCP service's name and the tool's name)")
    .option("--policy-model <file>", "Casbin model CONF (default: RBAC with domains)")
    .option("--rate-limit <points/seconds>", "requests per caller (subject with auth, IP address without), e.g. 60/60", parseRateLimit)
    .action(async (flags: { listen: { host: string; port: number }; allowOrigin?: string[] } & GatewayAuthFlags, command: Command) => {
      const globals = globalOptions(command);
      const auth = await gatewayAuthFromFlags(flags);
      // Loaded here, so that the other commands never load the MCP SDK.
      const { McpGateway } = await import("@kled/runtime/mcp");
      const registry = globals.registry === undefined ? registryFromEnv() : createRegistry(globals.registry);
      const client = new KledClient({ registry, ...(globals.tls === undefined ? {} : { credentials: globals.tls }) });
      const gateway = new McpGateway({
        registry,
        client,
        host: flags.listen.host,
        port: flags.listen.port,
        ...(flags.allowOrigin === undefined ? {} : { allowedOrigins: flags.allowOrigin }),
        ...(auth === undefined ? {} : { auth }),
        ...(flags.rateLimit === undefined ? {} : { rateLimit: flags.rateLimit }),
      });
      await gateway.start();
      const secured = auth === undefined ? "" : `, OAuth resource ${auth.resource}`;
      process.stdout.write(`MCP gateway on ${gateway.url} (registry: ${registry.name}${secured}); Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => process.once("SIGINT", resolve).once("SIGTERM", resolve));
      await gateway.stop();
      await client.close();
      await registry.close();
    });
}

/** `host:port` (IPv6 hosts in brackets), failing with what was wrong. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw new InvalidArgumentError(`"${value}" is not HOST:PORT (e.g. 127.0.0.1:8808 or [::1]:8808)`);
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port };
}
