/**
 * Entry point of the `kled` command (bin/kled.js loads it): runs the
 * program with this process's arguments and exits with its code.
 */
import { runCli } from "./run-cli.js";

/**
 * grpc-js gives TLS the host it dials as the server name, an IP address for
 * `--address 127.0.0.1:…`, and Node warns about that (DEP0123) on every such
 * connection. Certificates are still checked against the address (its IP
 * SAN), so the warning tells a CLI user nothing to act on; other warnings
 * print as Node prints them.
 */
function quietTlsServerNameWarning(): void {
  const printers = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning: Error & { code?: string }) => {
    if (warning.code === "DEP0123") return;
    for (const print of printers) print(warning);
  });
}

quietTlsServerNameWarning();
process.exitCode = await runCli(process.argv);
