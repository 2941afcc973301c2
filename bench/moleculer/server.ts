/**
 * Moleculer's server process: a broker with the echo action. Usage (by
 * bench/main.ts): server.ts <namespace>.
 */
import { serveCommands } from "../support/child-process.js";
import { createBroker, MOLECULER_ECHO_ACTION } from "./broker.js";

const [namespace = "kled-bench"] = process.argv.slice(2);
const broker = createBroker(`server-${process.pid}`, namespace);
const [serviceName, actionName] = MOLECULER_ECHO_ACTION.split(".") as [string, string];
broker.createService({
  name: serviceName,
  actions: {
    [actionName]: (ctx: { params: { text: string } }) => ({ text: ctx.params.text }),
  },
});
await broker.start();
serveCommands({ nodeID: broker.nodeID }, {}, () => broker.stop());
