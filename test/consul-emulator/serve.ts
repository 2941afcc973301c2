/**
 * Runs the Consul agent emulator on its own, for trying the Consul registry
 * by hand (e.g. `KLED_REGISTRY=consul://127.0.0.1:8500 npm run demo`):
 *   node --conditions=kled:source --import tsx test/consul-emulator/serve.ts [port]
 */
import { ConsulEmulator } from "./consul-emulator.js";

const emulator = await ConsulEmulator.start({ port: Number(process.argv[2] ?? 8500) });
process.stdout.write(`consul agent emulator on ${emulator.address}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void emulator.stop());
