/**
 * nice-grpc 2's load process: its client alone, driven by the same closed
 * loop as every other stack. Usage (by bench/main.ts): load.ts <server host:port>.
 */
import { serveLoad } from "../../support/load-program.js";
import { niceTargets } from "./target.js";

const [address] = process.argv.slice(2);
if (address === undefined) throw new Error("usage: nice-grpc/load.ts <nice-grpc server host:port>");
const nice = niceTargets(address);
serveLoad({ "nice-grpc.unary": nice.unary, "nice-grpc.stream": nice.stream }, nice.close);
