/**
 * Connect-ES 2's load process: its client alone, driven by the same closed
 * loop as every other stack. Usage (by bench/main.ts): load.ts <server host:port>.
 */
import { serveLoad } from "../../support/load-program.js";
import { connectTargets } from "./target.js";

const [address] = process.argv.slice(2);
if (address === undefined) throw new Error("usage: connect/load.ts <Connect-ES server host:port>");
const connect = connectTargets(address);
serveLoad({ "connect-es.unary": connect.unary, "connect-es.stream": connect.stream }, connect.close);
