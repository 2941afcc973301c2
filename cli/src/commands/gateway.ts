import { Command, InvalidArgumentError } from "commander";
import { createRegistry, KledClient, registryFromEnv } from "@kled/runtime";
import { globalOptions } from "../cli-options.js";
import { parsePositiveInteger } from "../integer-option.js";
import { gatewayAuthFromFlags, parseRateLimit, type GatewayAuthFlags } from "./gateway-auth-flags.js";

/** Where `kled gateway` listens without --listen: loopback only, on a port MCP hosts' examples rarely take. */
export const DEFAULT_GATEWAY_LISTEN = "127.0.0.1:8808";

/**
 * `kled gateway`: the MCP gateway (@kled/runtime/mcp) and the A2A gateway
 * (@kled/runtime/a2a) on one HTTP server, in the foreground until SIGINT or
 * SIGTERM. The A2A gateway is mounted through the MCP gateway's generic
 * `httpHandlers`, so neither gateway imports the other.
 */
export function gatewayCommand(): Command {
  return new Command("gateway")
    .description(
      "serve every MCP service and proto tool of the registry on one Streamable HTTP endpoint (/mcp) for MCP hosts, and every A2A agent under /a2a/{agent}/ for A2A clients",
    )
    .option("--listen <host:port>", "where to listen; a host other than loopback exposes the gateway to the network", parseListen, parseListen(DEFAULT_GATEWAY_LISTEN))
    .option("--public-url <url>", "the gateway's URL as clients reach it (behind a proxy or TLS), for the URLs in agent cards (default: from each request's Host)", parsePublicUrl)
    .option("--allow-origin <origin...>", 'browser origins allowed besides none (default: pages on localhost); "*" for any')
    .option("--jwks-url <url>", "verify bearer tokens with this key set (with --issuer and --resource)")
    .option("--issuer <url>", "the issuer tokens must come from")
    .option("--resource <url>", "this gateway's public URL: the audience tokens must be minted for")
    .option("--authorization-server <url...>", "authorization servers named in the protected resource metadata (default: --issuer)")
    .option("--policy <file>", "Casbin policy CSV deciding which tools each caller may see and call (service, method: the proto method, or the MCP service's name and the tool's name)")
    .option("--policy-model <file>", "Casbin model CONF (default: RBAC with domains)")
    .option("--rate-limit <points/seconds>", "requests per caller (subject with auth, IP address without), e.g. 60/60", parseRateLimit)
    .option("--page-size <n>", "items per page of tools/list, resources/list, resources/templates/list and prompts/list (default: 100)", parsePositiveInteger)
    .action(async (flags: { listen: { host: string; port: number }; allowOrigin?: string[]; publicUrl?: string; pageSize?: number } & GatewayAuthFlags, command: Command) => {
      const globals = globalOptions(command);
      const auth = await gatewayAuthFromFlags(flags);
      // Loaded here, so that the other commands never load the MCP SDK or the A2A bindings.
      const { McpGateway } = await import("@kled/runtime/mcp");
      const { A2aGateway } = await import("@kled/runtime/a2a");
      const registry = globals.registry === undefined ? registryFromEnv() : createRegistry(globals.registry);
      const client = new KledClient({ registry, ...(globals.tls === undefined ? {} : { credentials: globals.tls }) });
      const a2a = new A2aGateway({
        registry,
        client,
        ...(flags.allowOrigin === undefined ? {} : { allowedOrigins: flags.allowOrigin }),
        ...(flags.publicUrl === undefined ? {} : { publicUrl: flags.publicUrl }),
      });
      await a2a.start();
      const gateway = new McpGateway({
        registry,
        client,
        host: flags.listen.host,
        port: flags.listen.port,
        ...(flags.allowOrigin === undefined ? {} : { allowedOrigins: flags.allowOrigin }),
        ...(auth === undefined ? {} : { auth }),
        ...(flags.rateLimit === undefined ? {} : { rateLimit: flags.rateLimit }),
        ...(flags.pageSize === undefined ? {} : { pageSize: flags.pageSize }),
        httpHandlers: [(request, response) => a2a.handle(request, response)],
      });
      await gateway.start();
      const secured = auth === undefined ? "" : `, OAuth resource ${auth.resource}`;
      process.stdout.write(`MCP gateway on ${gateway.url} (registry: ${registry.name}${secured}); Ctrl-C stops it\n`);
      process.stdout.write(a2aStartMessage(a2a, flags.publicUrl ?? new URL(gateway.url).origin));
      await new Promise<void>((resolve) => process.once("SIGINT", resolve).once("SIGTERM", resolve));
      await gateway.stop();
      await a2a.stop();
      await client.close();
      await registry.close();
    });
}

/** Where the A2A agents are, for the start message: the pattern, then each agent registered now. */
export function a2aStartMessage(a2a: { readonly agents: readonly string[]; agentUrl(publicBase: string, agent: string): string }, publicBase: string): string {
  const pattern = a2a.agentUrl(publicBase, "{agent}").replace(encodeURIComponent("{agent}"), "{agent}");
  const lines = [`A2A gateway on ${pattern} (card: .well-known/agent-card.json, JSON-RPC: POST there, HTTP+JSON: rest/)`];
  lines.push(...(a2a.agents.length === 0 ? ["  no A2A agent registered yet; agents appear as they register"] : a2a.agents.map((agent) => `  agent ${agent}: ${a2a.agentUrl(publicBase, agent)}`)));
  return `${lines.join("\n")}\n`;
}

/** An absolute http(s) URL without query or fragment, failing with what was wrong. */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not an absolute URL (e.g. https://agents.example.com)`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw new InvalidArgumentError(`"${value}" must be an http or https URL without query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
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
