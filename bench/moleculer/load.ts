/**
 * The load process of the peer suite: a Moleculer broker calling the echo
 * action through NATS, and a Kled client calling the Kled echo service, both
 * driven by the same closed loop with the same text. Usage (by
 * bench/main.ts): load.ts <namespace>.
 */
import { ECHO_TEXT } from "../rpc/workload.js";
import { kledTargets } from "../rpc/kled-target.js";
import { rawTargets } from "../rpc/raw-target.js";
import { serveLoad } from "../support/load-program.js";
import { createBroker, MOLECULER_ECHO_ACTION } from "./broker.js";

const [namespace, rawAddress] = process.argv.slice(2);
if (namespace === undefined || rawAddress === undefined) throw new Error("usage: load.ts <namespace> <raw server host:port>");
const broker = createBroker(`load-${process.pid}`, namespace);
await broker.start();
const kled = kledTargets();
const raw = rawTargets(rawAddress);
serveLoad(
  {
    "kled.unary": kled.unary,
    "raw.unary": raw.unary,
    "moleculer.unary": async () => {
      await broker.call(MOLECULER_ECHO_ACTION, { text: ECHO_TEXT });
    },
  },
  async () => {
    await Promise.all([kled.close(), raw.close(), broker.stop()]);
  },
);
