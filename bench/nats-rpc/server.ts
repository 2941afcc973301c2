/**
 * A server process of the NATS RPC bench. Usage: server.ts <kind> <nats url>,
 * kind `kled` (a Service with transport "nats"), `moleculer` (a broker with
 * the NATS transporter) or `raw` (a NATS subscription answering with
 * `respond`). Prints one JSON line when ready (what the client needs to
 * reach it), then serves until its stdin closes.
 */
import { connect } from "@nats-io/transport-node";
import moleculer from "moleculer";
import { MemoryRegistry, Service, silentLogger, type TransportOption } from "@kled/runtime";
import { registerEchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";
import { echoHandler } from "../rpc/echo-handler.js";
import { MOLECULER_ECHO_ACTION, moleculerBroker, RAW_SUBJECT } from "./targets.js";

const [kind, url] = process.argv.slice(2);
if (url === undefined) throw new Error("usage: server.ts kled|moleculer|raw <nats url>");

let stop: () => Promise<void>;
switch (kind) {
  case "kled": {
    const service = new Service({
      name: "bench.echo",
      registry: new MemoryRegistry(),
      transport: url as TransportOption,
      logger: silentLogger,
      deregisterDelayMs: 0,
    });
    registerEchoServiceHandler(service.server, echoHandler);
    await service.start();
    const [record] = await service.registry.getService("bench.echo");
    console.log(JSON.stringify({ node: record?.nodes[0] }));
    stop = () => service.stop();
    break;
  }
  case "moleculer": {
    const broker = moleculerBroker(`server-${process.pid}`, url);
    const [serviceName, actionName] = MOLECULER_ECHO_ACTION.split(".") as [string, string];
    broker.createService({
      name: serviceName,
      actions: { [actionName]: (ctx: moleculer.Context<{ text: string }>) => ({ text: ctx.params.text }) },
    });
    await broker.start();
    console.log(JSON.stringify({ nodeID: broker.nodeID }));
    stop = () => broker.stop();
    break;
  }
  case "raw": {
    const nc = await connect({ servers: new URL(url).host });
    nc.subscribe(RAW_SUBJECT, {
      callback: (_error, msg) => {
        msg.respond(msg.data);
      },
    });
    await nc.flush();
    console.log(JSON.stringify({ subject: RAW_SUBJECT }));
    stop = () => nc.close();
    break;
  }
  default:
    throw new Error(`unknown server kind ${kind}; use kled, moleculer or raw`);
}
process.stdin.resume();
process.stdin.on("end", () => void stop().then(() => process.exit(0)));
