import { readFileSync } from "node:fs";
import { Command } from "commander";
import { callCommand } from "./commands/call.js";
import { gatewayCommand } from "./commands/gateway.js";
import { healthCommand } from "./commands/health.js";
import { publishCommand } from "./commands/publish.js";
import { serviceDescribeCommand } from "./commands/service-describe.js";
import { serviceListCommand } from "./commands/service-list.js";
import { subscribeCommand } from "./commands/subscribe.js";
import { serviceLogsCommand } from "./supervise/logs.js";
import { serviceStartCommand } from "./supervise/start.js";
import { serviceStatusCommand } from "./supervise/status.js";
import { serviceStopCommand } from "./supervise/stop.js";

/** The `kled` program: global options and every command. Errors propagate to the caller (see main.ts). */
export function createProgram(): Command {
  const program = new Command("kled")
    .description("Discover, call, check and supervise Kled services; publish and subscribe to their topics")
    .version(cliVersion(), "-V, --version")
    .option("--registry <spec>", "registry: mdns, memory or consul://host:port (default: $KLED_REGISTRY, else mdns)")
    .option("--json", "machine-readable output: JSON, or JSON lines for streams")
    .option("--config <file>", "project config for service start|stop|status|logs (default: ./kled.config.json)")
    .option("--tls", "call over TLS, trusting the system's root certificates (implied by the flags below)")
    .option("--cacert <file>", "TLS: PEM file of the CA that signs the servers' certificates")
    .option("--cert <file>", "TLS: PEM client certificate, for servers that require mTLS (with --key)")
    .option("--key <file>", "TLS: PEM private key of --cert")
    .option("--servername <name>", "TLS: the name to expect in server certificates, when it differs from the dialled host")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      // One line per error, prefixed like ours; help and usage text pass through.
      outputError: (text, write) => write(text.replace(/^error: /, "kled: ")),
    });
  const service = new Command("service")
    .description("list and describe registered services; start, stop and watch supervised ones")
    .addCommand(serviceListCommand())
    .addCommand(serviceDescribeCommand())
    .addCommand(serviceStartCommand())
    .addCommand(serviceStopCommand())
    .addCommand(serviceStatusCommand())
    .addCommand(serviceLogsCommand());
  program
    .addCommand(service)
    .addCommand(callCommand())
    .addCommand(gatewayCommand())
    .addCommand(healthCommand())
    .addCommand(publishCommand())
    .addCommand(subscribeCommand());
  inheritSettings(program);
  return program;
}

/** addCommand() does not copy the parent's settings (exit override, output), unlike command(). */
function inheritSettings(parent: Command): void {
  for (const child of parent.commands) {
    child.copyInheritedSettings(parent);
    inheritSettings(child);
  }
}

/** The version of @kled/cli. */
function cliVersion(): string {
  // src/program.ts and dist/program.js are both one folder below the package root.
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}
