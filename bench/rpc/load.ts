/**
 * The load process of the unary and streaming suites: Kled and raw grpc-js
 * clients side by side, driven by the same closed loop. Usage (by
 * bench/main.ts): load.ts <raw server address>; the Kled side finds its
 * server through mDNS (KLED_MDNS_SERVICE_TYPE).
 */
import { serveLoad } from "../support/load-program.js";
import { kledTargets } from "./kled-target.js";
import { rawTargets } from "./raw-target.js";

const [rawAddress] = process.argv.slice(2);
if (rawAddress === undefined) throw new Error("usage: load.ts <raw server host:port>");
const kled = kledTargets();
const raw = rawTargets(rawAddress);
serveLoad(
  {
    "kled.unary": kled.unary,
    "kled.stream": kled.stream,
    "kled.stream-sync-count": kled.syncCountStream,
    "raw.unary": raw.unary,
    "raw.stream": raw.stream,
  },
  async () => {
    await Promise.all([kled.close(), raw.close()]);
  },
);
